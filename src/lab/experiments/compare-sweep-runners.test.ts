/**
 * The compare and sweep runners (issue #14) on the lab pair (models/lab-base + models/lab-sft): each
 * result equals what the per-command functions (compare() + compareJson, sweep() + histogram: the old
 * `lab compare/sweep --json`) give for the same settings; specs and results round-trip JSON; the strict
 * validators refuse bad input naming the path.
 */
import { describe, expect, it } from 'vitest';
import type { LabEngine } from '../../engine/engine';
import { compare, compareJson, contextIds } from '../compare';
import { generate } from '../generate';
import { entropy } from '../distributions';
import { histogram, sweep, ownAnswers, matchingTemperatureAlong } from '../sweep';
import { useLabPair } from '../testing/lab-pair';
import { compareRunner, compareSpec, validateCompareResult, validateCompareSpec, type CompareSpec } from './compare';
import { runnerFor } from './registry';
import { sweepRunner, sweepSpec, validateSweepResult, validateSweepSpec, type SweepData } from './sweep';
import { ExperimentDataError, type ModelRef } from './types';

let base: LabEngine;
let tuned: LabEngine;
const ref = (repo: string): ModelRef => ({ repo, revision: null, dtype: null, backend: 'node' });
const MODELS = { base: ref('models/lab-base'), tuned: ref('models/lab-sft') };

useLabPair((p) => ({ base, tuned } = p));

/** Throws ExperimentDataError whose path is `path`. */
function rejects(f: () => unknown, path: string, message?: RegExp): void {
  let caught: unknown;
  try {
    f();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a rejection at ${path}`).toBeInstanceOf(ExperimentDataError);
  expect((caught as ExperimentDataError).path).toBe(path);
  if (message) expect((caught as Error).message).toMatch(message);
}

describe('compare runner', () => {
  it('is registered', () => {
    expect(runnerFor('compare')).toBe(compareRunner);
    expect(runnerFor('sweep')).toBe(sweepRunner);
  });

  it('typed response: data holds every field of the old compareJson, equal; round-trips JSON; validates', async () => {
    const spec = compareSpec(MODELS, 'Are bugs real?', 3, { templates: { base: 'urial', tuned: 'chat' }, response_source: 'typed', response: ' Yes, bugs are real.', samples: 2, max_tokens: 4, cross: true });
    const progress: number[] = [];
    const result = await compareRunner.run(spec, { engines: { base, tuned }, onProgress: (p) => progress.push(p.done) });
    const old = compareJson(await compare({ base, tuned, prompt: 'Are bugs real?', response: ' Yes, bugs are real.', baseTemplate: 'urial', tunedTemplate: 'chat', samples: 2, maxTokens: 4, seed: 3, crossScore: true }));
    const d = result.data;
    for (const k of Object.keys(old) as (keyof typeof old)[]) {
      if (k === 'positions') continue;
      expect(d[k as keyof typeof d], k).toEqual(old[k]);
    }
    d.positions.forEach((p, i) => expect(p).toMatchObject(old.positions[i]!));
    expect(d.response).toEqual({ source: 'typed', temperature: null, stopped: null, text: 'typed response' });
    expect(d.on_policy?.base).toHaveLength(2);
    expect(progress.at(-1)).toBeGreaterThan(0);
    // JSON round trip, strict validation both ways.
    const back = JSON.parse(JSON.stringify({ spec, result }));
    expect(validateCompareSpec(back.spec)).toEqual(spec);
    expect(validateCompareResult(back.result)).toEqual(result);
    const h = compareRunner.headline(d);
    expect(h['shifted']).toBe(d.summary.shifted);
    expect(h['shifted_on_neutral_text']).toBe(d.summary.controls.shifted_on_neutral_text);
    expect(h['bf_on_policy_base']).toBe(d.summary.bf_on_policy_base);
    expect(compareRunner.title(spec)).toBe('compare · lab-base vs lab-sft · “Are bugs real?”');
  });

  it('generated response: the tuned greedy answer equals the old default; a sampled base answer equals generate() with the seed', async () => {
    const spec = compareSpec(MODELS, 'Tell me a joke.', 0, { templates: { base: 'none', tuned: 'chat' }, response_source: 'tuned', samples: 0, max_tokens: 6 });
    const r = await compareRunner.run(spec, { engines: { base, tuned } });
    const old = compareJson(await compare({ base, tuned, prompt: 'Tell me a joke.', baseTemplate: 'none', tunedTemplate: 'chat', samples: 0, maxTokens: 6 }));
    expect(r.data.response_tokens).toEqual(old.response_tokens);
    expect(r.data.summary).toEqual(old.summary);
    expect(r.data.response.text).toMatch(/^tuned's answer \(greedy, (ended|length limit)\)$/);
    expect(r.data.summary.bf_on_policy_base).toBeNull();

    const sampled = compareSpec(MODELS, 'Tell me a joke.', 11, { templates: { base: 'none', tuned: 'chat' }, response_source: 'base', response_temperature: 1.2, samples: 0, max_tokens: 5 });
    const rs = await compareRunner.run(sampled, { engines: { base, tuned } });
    const g = await generate(base, await contextIds(base, 'Tell me a joke.', 'none'), { maxTokens: 5, sampling: { temperature: 1.2, topK: 0, topP: 1, minP: 0 }, seed: 11 });
    expect(rs.data.response_tokens.map((t) => t.id)).toEqual(g.ids);
    expect(rs.data.response).toMatchObject({ source: 'base', temperature: 1.2, stopped: g.stopped });
  });

  it('refuses a cancelled run', async () => {
    const ac = new AbortController();
    ac.abort();
    const spec = compareSpec(MODELS, 'Tell me a joke.', 0, { response_source: 'tuned', samples: 0, max_tokens: 6 });
    await expect(compareRunner.run(spec, { engines: { base, tuned }, signal: ac.signal })).rejects.toMatchObject({ name: 'LabAbortError' });
  });

  it('validateSpec / validateResult reject bad input with its path', async () => {
    const good = compareSpec(MODELS, 'Are bugs real?', 0, { response_source: 'typed', response: ' Yes.' });
    const bad = (f: (s: Record<string, any>) => void) => {
      const s = JSON.parse(JSON.stringify(good));
      f(s);
      return s;
    };
    rejects(() => validateCompareSpec(bad((s) => (s.kind = 'sweep'))), 'spec.kind');
    rejects(() => validateCompareSpec(bad((s) => (s.version = 99))), 'spec.version', /newer lab/);
    rejects(() => validateCompareSpec(bad((s) => delete s.models.tuned)), 'spec.models.tuned');
    rejects(() => validateCompareSpec(bad((s) => (s.settings.templates.base = 'alpaca'))), 'spec.settings.templates.base');
    rejects(() => validateCompareSpec(bad((s) => (s.settings.max_tokens = 0))), 'spec.settings.max_tokens');
    rejects(() => validateCompareSpec(bad((s) => (s.settings.samples = 2.5))), 'spec.settings.samples');
    rejects(() => validateCompareSpec(bad((s) => (s.settings.response = ''))), 'spec.settings.response');
    rejects(() => validateCompareSpec(bad((s) => (s.settings.response_temperature = -1))), 'spec.settings.response_temperature');
    rejects(() => validateCompareSpec(bad((s) => (s.settings.cross = 'yes'))), 'spec.settings.cross');
    rejects(() => validateCompareSpec(bad((s) => (s.seed = -1))), 'spec.seed');
    rejects(() => validateCompareSpec(JSON.parse('{"kind":"compare","__proto__":{}}')), 'spec', /__proto__/);
    const spec: CompareSpec = { ...good, settings: { ...good.settings, samples: 0 } };
    const result = JSON.parse(JSON.stringify(await compareRunner.run(spec, { engines: { base, tuned } })));
    expect(validateCompareResult(result).data.positions.length).toBeGreaterThan(0);
    const badR = (f: (r: Record<string, any>) => void) => {
      const r = JSON.parse(JSON.stringify(result));
      f(r);
      return r;
    };
    rejects(() => validateCompareResult(badR((r) => (r.kind = 'sweep'))), 'result.kind');
    rejects(() => validateCompareResult(badR((r) => (r.data.positions[0].rank_base = 0))), 'result.data.positions[0].rank_base');
    rejects(() => validateCompareResult(badR((r) => (r.data.positions[0].class = 'odd'))), 'result.data.positions[0].class');
    rejects(() => validateCompareResult(badR((r) => (r.data.summary.controls.docs = 'x'))), 'result.data.summary.controls.docs');
    rejects(() => validateCompareResult(badR((r) => r.data.by_position.kl.push(1))), 'result.data.by_position.kl');
    rejects(() => validateCompareResult(badR((r) => (r.data.summary.mean_kl = 'NaN'))), 'result.data.summary.mean_kl');
    const nonFinite = badR(() => {});
    nonFinite.data.summary.gamma = Infinity;
    rejects(() => validateCompareResult(nonFinite), 'result.data.summary.gamma', /not a finite number/);
  });
});

describe('sweep runner', () => {
  it('one side: data.base holds the old `lab sweep --json` (context, exact, runs with histograms), equal', async () => {
    const temperatures = [0.5, 1];
    const spec = sweepSpec({ base: MODELS.tuned }, 'Pick a random number between 1 and 100.', 7, { sides: ['base'], templates: { base: 'chat', tuned: 'chat' }, grid: temperatures, temperatures, samples: 3, max_tokens: 5, grouping: { by: 'regex', regex: '(\\d+)' } });
    const partial: SweepData[] = [];
    const r = await sweepRunner.run(spec, { engines: { base: tuned }, onPartial: (d: SweepData) => partial.push(d) } as never);
    const context = await tuned.encode(spec.prompt, 'chat');
    const s = await sweep(tuned, context, temperatures, { samples: 3, maxTokens: 5, seed: 7 });
    const regex = /(\d+)/u;
    const old = {
      context: s.context,
      exact: s.exact.map((e) => ({ temperature: e.temperature, entropy_first: e.entropy_first, top1_mass: e.top1_mass, top5_mass: e.top5_mass, entropy_along: e.entropy_along })),
      runs: s.runs.map((run) => ({ ...run, histogram: histogram(run.samples.map((x) => x.text), { regex }) })),
    };
    const d = r.data.base!;
    expect(r.data.tuned).toBeUndefined();
    expect(r.data.match).toBeNull();
    expect(d.own_answers).toBeNull();
    expect(d.context).toEqual(old.context);
    d.exact.forEach((e, i) => expect(e).toMatchObject(old.exact[i]!));
    expect(d.runs).toEqual(old.runs);
    const { data: logits, dims } = await tuned.score(context);
    expect(d.entropy_first_at_T1).toBeCloseTo(entropy(logits.slice((context.length - 1) * dims[1]!), 1), 9);
    expect(r.data.grouping).toEqual({ regex: '(\\d+)', words: null, label: 'the regex (\\d+)' });
    expect(partial.map((p) => p.base!.runs.length)).toEqual([0, 1, 2]);
    const back = JSON.parse(JSON.stringify({ spec, result: r }));
    expect(validateSweepSpec(back.spec)).toEqual(spec);
    expect(validateSweepResult(back.result)).toEqual(r);
    expect(sweepRunner.sides(spec)).toEqual(['base']);
    expect(sweepRunner.headline(r.data)['entropy_first_at_T1_base']).toBe(d.entropy_first_at_T1);
    expect(sweepRunner.headline(r.data)['matching_temperature']).toBeNull();
  });

  it('both sides: own answers and the matching temperature equal the lab functions', async () => {
    const grid = [0.25, 0.5, 1, 1.5, 2, 3];
    const spec = sweepSpec(MODELS, 'Pick a random number between 1 and 100.', 2, { sides: ['tuned', 'base'], grid, temperatures: [1], samples: 3, max_tokens: 4, grouping: { by: 'auto' } });
    const r = await sweepRunner.run(spec, { engines: { base, tuned } });
    expect(sweepRunner.validateSpec(JSON.parse(JSON.stringify(spec))).settings.sides).toEqual(['base', 'tuned']);
    const ctxB = await base.encode(spec.prompt, 'none');
    const ctxT = await tuned.encode(spec.prompt, 'chat');
    const ob = await ownAnswers(base, ctxB, { samples: 3, maxTokens: 4, seed: 2 });
    const ot = await ownAnswers(tuned, ctxT, { samples: 3, maxTokens: 4, seed: 2 });
    expect(r.data.base!.own_answers!.samples).toEqual(ob.samples);
    expect(r.data.tuned!.own_answers!.samples).toEqual(ot.samples);
    const m = matchingTemperatureAlong(ob.rows, ot.rows, 0.25, 3);
    expect(r.data.match!.base_entropy_at_T1).toBeCloseTo(m.target, 12);
    expect(r.data.match!.tuned_temperature).toBe(m.temperature);
    expect(r.data.match!.positions).toEqual(m.positions);
    expect(r.data.grouping.label).toMatch(/first number|first 3 words/);
    expect(sweepRunner.title(spec)).toBe('sweep · lab-base vs lab-sft · “Pick a random number between 1 and 100.”');
    expect(validateSweepResult(JSON.parse(JSON.stringify(r)))).toEqual(r);
  });

  it('validateSpec / validateResult reject bad input with its path', async () => {
    const good = sweepSpec(MODELS, 'Pick a number.', 0, { temperatures: [1], samples: 2, max_tokens: 3 });
    const bad = (f: (s: Record<string, any>) => void) => {
      const s = JSON.parse(JSON.stringify(good));
      f(s);
      return s;
    };
    expect(validateSweepSpec(bad(() => {}))).toEqual(good);
    rejects(() => validateSweepSpec(bad((s) => (s.settings.sides = []))), 'spec.settings.sides');
    rejects(() => validateSweepSpec(bad((s) => (s.settings.sides = ['base', 'base']))), 'spec.settings.sides');
    rejects(() => validateSweepSpec(bad((s) => (s.settings.sides = ['left']))), 'spec.settings.sides[0]');
    rejects(() => validateSweepSpec(bad((s) => delete s.models.tuned)), 'spec.models.tuned');
    rejects(() => validateSweepSpec(bad((s) => (s.settings.grid = []))), 'spec.settings.grid');
    rejects(() => validateSweepSpec(bad((s) => (s.settings.temperatures = [1, -1]))), 'spec.settings.temperatures[1]');
    rejects(() => validateSweepSpec(bad((s) => (s.settings.temperatures = Array(51).fill(1)))), 'spec.settings.temperatures');
    rejects(() => validateSweepSpec(bad((s) => (s.settings.samples = 0))), 'spec.settings.samples');
    rejects(() => validateSweepSpec(bad((s) => (s.settings.grouping = { by: 'regex', regex: '(' }))), 'spec.settings.grouping.regex', /not a valid regular expression/);
    rejects(() => validateSweepSpec(bad((s) => (s.settings.reference = ''))), 'spec.settings.reference');
    rejects(() => validateSweepSpec(bad((s) => (s.settings.templates.tuned = 'urial'))), 'spec.settings.templates.tuned');
    const r = JSON.parse(JSON.stringify(await sweepRunner.run(good, { engines: { base, tuned } })));
    const badR = (f: (x: Record<string, any>) => void) => {
      const x = JSON.parse(JSON.stringify(r));
      f(x);
      return x;
    };
    rejects(() => validateSweepResult(badR((x) => (x.version = 2))), 'result.version');
    rejects(() => validateSweepResult(badR((x) => (x.data.base.exact[0].top1_mass = 2))), 'result.data.base.exact[0].top1_mass');
    rejects(() => validateSweepResult(badR((x) => (x.data.tuned.runs[0].samples[0].ids[0] = -1))), 'result.data.tuned.runs[0].samples[0].ids[0]');
    rejects(() => validateSweepResult(badR((x) => x.data.base.own_answers.mean_entropy.pop())), 'result.data.base.own_answers.mean_entropy');
    rejects(() => validateSweepResult(badR((x) => delete x.data.tuned)), 'result.data.match');
    rejects(() => validateSweepResult(badR((x) => (x.data.base.reference_tokens = ['x', ...x.data.base.reference_tokens]))), 'result.data.base.reference_tokens');
  });
});
