/**
 * The inject runner (issue #14): on the lab pair (models/lab-base + models/lab-sft, onnxruntime-node), its
 * result per side equals what the injection code gives directly with the same settings (the old per-command
 * JSON: `injectTrace` for greedy and one seed; `sampledTraces` + `traceBand` for several seeds;
 * `recoveryHeatmap` for the heatmap); the spec and the result validate, survive a JSON round trip, and bad
 * input is refused with the JSON path of the offending value. The CLI's `--print-spec` validates and its
 * `--json` equals `runner.run(spec).data`.
 */
import { describe, expect, it } from 'vitest';
import { run as injectCli } from '../../cli/commands/inject';
import { continuationDiff, injectTrace, recoveryHeatmap, sampledTraces, stopIdsFor, traceBand } from '../inject';
import { dataErrorPath, LAB_PAIR_DIRS as MODELS, useLabPair } from '../testing/lab-pair';
import { injectHeadline, injectRunner, injectSpec, type InjectSettings, type InjectSpec } from './inject';
import { runnerFor } from './registry';

const PROMPT = "Write a toast for my best friend's wedding.";
const engines = useLabPair();

function settings(over: Partial<InjectSettings> = {}): InjectSettings {
  return {
    sides: ['base', 'tuned'],
    templates: { base: 'none', tuned: 'chat' },
    after_tokens: 2,
    injection: ' You are a murderer.',
    steps: 5,
    threshold: 0.1,
    rel_threshold: 0.1,
    window: 3,
    run: 2,
    mode: 'greedy',
    runs: 1,
    temperature: 1,
    heatmap: null,
    ...over,
  };
}

function spec(over: Partial<InjectSettings> = {}, seed = 0): InjectSpec {
  return injectSpec({
    models: { base: { repo: MODELS.base, revision: null, dtype: null, backend: 'node' }, tuned: { repo: MODELS.tuned, revision: null, dtype: null, backend: 'node' } },
    prompt: PROMPT,
    seed,
    settings: settings(over),
  });
}

describe('inject runner', () => {
  it('is registered, and greedy results equal injectTrace per side, with the texts the view shows', async () => {
    expect(runnerFor('inject')).toBe(injectRunner);
    const s = spec();
    const progress: number[] = [];
    const r = await injectRunner.run(s, { engines, onProgress: (p) => progress.push(p.done) });
    expect(progress.at(-1)).toBe(2);
    for (const side of ['base', 'tuned'] as const) {
      const e = engines[side]!;
      const template = s.settings.templates[side]!;
      const ctx = await e.encode(PROMPT, template);
      const mine = await injectTrace(e, ctx, { afterTokens: 2, injection: ' You are a murderer.', steps: 5, window: 3, run: 2, threshold: 0.1, relThreshold: 0.1, stopIds: await stopIdsFor(e, template) });
      const d = r.data[side]!;
      const { template: t, sampled, outcomes, display, heatmap, ...old } = d;
      expect(old).toEqual(mine);
      expect([t, sampled, heatmap]).toEqual([template, null, null]);
      expect(outcomes).toEqual({ recovered: 0, ended: 0, diverged: 0, [mine.outcome]: 1 });
      expect(display.clean_tokens).toEqual(await e.tokenTexts(mine.clean.continuation));
      const injectionIds = mine.injected.context.slice(ctx.length + 2);
      expect(display.injection).toBe(await e.decode(injectionIds));
      expect(display.diff.filter((c) => c.op === 'injection')).toHaveLength(injectionIds.length);
      expect(display.diff.filter((c) => c.op !== 'injection').map((c) => c.op)).toEqual(continuationDiff(mine).map((c) => c.op));
    }
    // validated and JSON round trip: the same data
    const back = injectRunner.validateResult(JSON.parse(JSON.stringify(r)));
    expect(back).toEqual(r);
    expect(injectRunner.validateSpec(JSON.parse(JSON.stringify(s)))).toEqual(s);
    const h = injectHeadline(r.data);
    expect(h['tuned.recovery_step']).toBe(r.data.tuned!.recovery_step);
    expect(h['base.threshold']).toBe(r.data.base!.threshold.effective);
    expect(injectRunner.title(s)).toMatch(/lab-base vs lab-sft/);
  });

  it('sampled runs with the no-injection band equal sampledTraces, and the heatmap equals recoveryHeatmap', async () => {
    const s = spec({ sides: ['tuned'], templates: { tuned: 'chat' }, mode: 'sampled', runs: 2, heatmap: { after_tokens: [1, 3], injections: [' The end.'] } }, 5);
    const r = await injectRunner.run(s, { engines });
    expect(Object.keys(r.data)).toEqual(['tuned']);
    const e = engines.tuned!;
    const ctx = await e.encode(PROMPT, 'chat');
    const stopIds = await stopIdsFor(e, 'chat');
    const o = { afterTokens: 2, injection: ' You are a murderer.', steps: 5, window: 3, run: 2, threshold: 0.1, relThreshold: 0.1, stopIds };
    const mine = await sampledTraces(e, ctx, { ...o, seed: 5, runs: 2 });
    const d = r.data.tuned!;
    expect(d.sampled!.runs).toEqual(mine.runs);
    expect(d.sampled!.band).toEqual(mine.band);
    expect(d.sampled!.control_band).toEqual(mine.control_band);
    expect(d.sampled!.skipped).toEqual(mine.skipped);
    expect(d.sampled!.band_p_end).toEqual(traceBand(mine.runs.map((x) => x.trace), 'p_end'));
    // run 1 at the top is what `lab inject --seed 5` printed
    expect(d.clean).toEqual(mine.runs[0]!.clean);
    expect(d.control).toEqual(mine.runs[0]!.control);
    const heat = await recoveryHeatmap(e, ctx, [1, 3], [' The end.'], { steps: 5, threshold: 0.1, relThreshold: 0.1, window: 3, run: 2, stopIds });
    expect(d.heatmap).toEqual({ ...heat, mean_kl: heat.mean_kl.map((row) => row.map((x) => (Number.isFinite(x) ? x : null))) });
    expect(injectRunner.validateResult(JSON.parse(JSON.stringify(r)))).toEqual(r);
  });

  it('a cancelled run stops with LabAbortError', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(injectRunner.run(spec(), { engines, signal: ac.signal })).rejects.toMatchObject({ name: 'LabAbortError' });
  });

  it('refuses bad specs and results with the path of the offending value', () => {
    const good = JSON.parse(JSON.stringify(spec()));
    const bad = (f: (x: Record<string, any>) => void) => {
      const x = structuredClone(good);
      f(x);
      return dataErrorPath(() => injectRunner.validateSpec(x));
    };
    expect(bad((x) => (x.settings.steps = 0))).toBe('spec.settings.steps');
    expect(bad((x) => (x.settings.threshold = 0))).toBe('spec.settings.threshold');
    expect(bad((x) => (x.settings.sides = ['base', 'base']))).toBe('spec.settings.sides');
    expect(bad((x) => delete x.settings.templates.tuned)).toBe('spec.settings.templates.tuned');
    expect(bad((x) => delete x.models.tuned)).toBe('spec.models.tuned');
    expect(bad((x) => (x.settings.runs = 3))).toBe('spec.settings.runs');
    expect(bad((x) => (x.settings.heatmap = { after_tokens: Array.from({ length: 21 }, (_, i) => i), injections: Array.from({ length: 20 }, () => 'x') }))).toBe('spec.settings.heatmap');
    expect(bad((x) => (x.settings.mode = 'beam'))).toBe('spec.settings.mode');
    expect(bad((x) => (x.kind = 'answers'))).toBe('spec.kind');
    expect(bad((x) => (x.version = 99))).toBe('spec.version');
    expect(bad((x) => (x.prompt = '  '))).toBe('spec.prompt');
    expect(() => injectRunner.validateSpec({ ...good, settings: { ...good.settings, window: Infinity } })).toThrow(/not a finite number/);
    const result = { kind: 'inject', version: 1, data: { tuned: { outcome: 'recovered' } } };
    expect(dataErrorPath(() => injectRunner.validateResult(result))).toMatch(/^result\.data\.tuned\./);
    expect(dataErrorPath(() => injectRunner.validateResult({ kind: 'inject', version: 1, data: {} }))).toBe('result.data');
    expect(dataErrorPath(() => injectRunner.validateResult(JSON.parse('{"kind":"inject","version":1,"data":{"__proto__":{}}}')))).toBe('result.data');
  });
});

describe('lab inject and the runner', () => {
  async function cli(args: string[]): Promise<string> {
    const out: string[] = [];
    await injectCli(args, { out: (l) => out.push(l), err: () => {} });
    return out.join('\n');
  }
  const flags = ['--model', MODELS.tuned, '--prompt', PROMPT, '--template', 'chat', '--after-tokens', '2', '--injection', ' You are a murderer.', '--steps', '4', '--seed', '3', '--runs', '2', '--side', 'tuned'];

  it('--print-spec prints a valid spec and runs nothing; --json equals runner.run(spec).data', async () => {
    const printed = JSON.parse(await cli([...flags, '--print-spec']));
    const s = injectRunner.validateSpec(printed);
    expect(s.models).toEqual({ tuned: { repo: MODELS.tuned, revision: null, dtype: null, backend: 'node' } });
    expect(s.settings).toMatchObject({ sides: ['tuned'], mode: 'sampled', runs: 2, after_tokens: 2, steps: 4 });
    expect(s.seed).toBe(3);
    const json = JSON.parse(await cli([...flags, '--json']));
    const r = await injectRunner.run(s, { engines });
    expect(json).toEqual(r.data);
    // a model that does not exist is not opened by --print-spec
    expect(JSON.parse(await cli(['--model', 'no/such-model', '--prompt', 'x', '--after-tokens', '1', '--injection', 'y', '--print-spec'])).models.base.repo).toBe('no/such-model');
  });
});
