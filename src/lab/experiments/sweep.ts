/**
 * The temperature sweep as data (issue #14): how much does heat undo collapse?
 *
 * Spec settings: which sides (base, tuned or both), each side's template, the exact-curve grid, the
 * sampling temperatures (none = exact curves only), N samples per temperature, max tokens, the reference
 * continuation (none = each model's greedy one) and the answer grouping. The result `data` is what
 * `lab sweep … --json` prints: per side the context, the exact curves and the sampled runs with their
 * answer histograms (the fields the CLI always printed, now under `base` / `tuned`), plus the texts the
 * page shows, each model's own answers at T = 1 and the matching temperature (both sides only).
 */
import { LabAbortError } from '../../engine/errors';
import type { Engine, Template } from '../../engine/types';
import { autoGrouping } from '../answer-groups';
import { entropy } from '../distributions';
import { exactCurves, histogram, matchingTemperature, matchingTemperatureAlong, meanEntropyAt, ownAnswers, sampleBatch, sweepMetrics, type OwnAnswers, type SweepRun } from '../sweep';
import { quoteTitle, shortModelName } from './compare';
import { readResultEnvelope, readSpecEnvelope } from './envelope';
import { read } from './json-safety';
import { settleAll } from './settle';
import { ExperimentDataError, RESULT_VERSION, SPEC_VERSION, type ResultEnvelope, type RunContext, type Runner, type SpecEnvelope } from './types';

export type SweepSide = 'base' | 'tuned';
export const SWEEP_SIDES: readonly SweepSide[] = ['base', 'tuned'];
export const SWEEP_TEMPLATES: readonly Template[] = ['none', 'chat'];

/** Bounds of the settings (the CLI's LIMITS use the same ones). */
export const SWEEP_LIMITS = { temperatures: 50, grid: 1000, samples: 256, maxTokens: 4096, temperature: 100, words: 20, regex: 1000 } as const;

/** How sampled answers are grouped into the histograms. `auto`: the first number when most answers hold
 *  one, else the first 3 words. */
export type SweepGroupingSetting = { by: 'auto' } | { by: 'words'; words: number } | { by: 'regex'; regex: string };

export interface SweepSettings {
  /** The models swept (in this order); both: also the matching temperature. */
  sides: SweepSide[];
  templates: Record<SweepSide, Template>;
  /** Temperatures of the exact curves (no sampling). */
  grid: number[];
  /** Temperatures sampled at ([] = exact curves only). */
  temperatures: number[];
  samples: number;
  max_tokens: number;
  /** The reference continuation for the entropy along it; null = each model's own greedy continuation. */
  reference: string | null;
  grouping: SweepGroupingSetting;
}

export type SweepSpec = SpecEnvelope<'sweep', SweepSettings>;

export interface SweepExactPoint {
  temperature: number;
  entropy_first: number;
  top1_mass: number;
  top5_mass: number;
  entropy_along: number[];
  entropy_along_mean: number;
}

export interface SweepRunData extends SweepRun {
  histogram: { answer: string; count: number }[];
}

export interface SweepSideData {
  template: Template;
  context: number[];
  /** The context as text (special tokens included), to show what the template did. */
  context_text: string;
  reference: number[];
  reference_tokens: string[];
  reference_text: string;
  /** The reference is the model's own greedy continuation (not a user text). */
  reference_is_greedy: boolean;
  /** Exact entropy (nats) of the next-token distribution after the prompt at T = 1. */
  entropy_first_at_T1: number;
  exact: SweepExactPoint[];
  /** The model's own answers (N samples at T = 1) and their mean entropy at each grid temperature (exact
   *  re-tempering); null for a one-side sweep (they serve the matching temperature). */
  own_answers: { samples: number[][]; positions: number; mean_entropy: number[] } | null;
  runs: SweepRunData[];
}

export interface SweepMatchData {
  base_entropy_at_T1: number;
  tuned_temperature: number | null;
  over: string;
  positions: { base: number; tuned: number };
  first_position: { base_entropy_at_T1: number; tuned_temperature: number | null };
}

export interface SweepData {
  /** The grouping the histograms used (`auto` resolved), with its description. */
  grouping: { regex: string | null; words: number | null; label: string };
  /** Both sides only: how hot the tuned model must run to be as uncertain as the base at T = 1. */
  match: SweepMatchData | null;
  base?: SweepSideData;
  tuned?: SweepSideData;
}

export type SweepResultEnvelope = ResultEnvelope<'sweep', SweepData>;

export const SWEEP_DEFAULTS: SweepSettings = {
  sides: ['base', 'tuned'],
  templates: { base: 'none', tuned: 'chat' },
  grid: [0.5, 1, 1.5],
  temperatures: [0.5, 1, 1.5],
  samples: 16,
  max_tokens: 24,
  reference: null,
  grouping: { by: 'words', words: 3 },
};

/** The run context of a sweep: also `onPartial`, called with the data so far (exact curves, then each
 *  sampled batch), so a page can show a long sweep filling in. */
export interface SweepRunContext extends RunContext {
  onPartial?: (data: SweepData) => void;
}

// ------------------------------------------------------------------------------------------- running

/** The grouping of a setting, resolved over the texts (for `auto`). */
export function resolveGrouping(g: SweepGroupingSetting, texts: string[]): { regex?: RegExp; words?: number; label: string } {
  if (g.by === 'regex') return { regex: new RegExp(g.regex, 'u'), label: `the regex ${g.regex}` };
  if (g.by === 'words') return { words: g.words, label: `the first ${g.words} word${g.words === 1 ? '' : 's'}` };
  return autoGrouping(texts);
}

function groupingData(g: { regex?: RegExp; words?: number; label: string }): SweepData['grouping'] {
  return { regex: g.regex ? g.regex.source : null, words: g.words ?? null, label: g.label };
}

interface SideWork {
  engine: Engine;
  data: SweepSideData;
  own: OwnAnswers | null;
  first: Float32Array;
}

async function exactSide(engine: Engine, side: SweepSide, spec: SweepSpec, withOwn: boolean, signal?: AbortSignal): Promise<SideWork> {
  const s = spec.settings;
  const template = s.templates[side];
  const context = await engine.encode(spec.prompt, template);
  if (context.length === 0) throw new RangeError('the prompt encodes to no tokens');
  const room = (await engine.info()).contextLength - context.length;
  if (s.max_tokens > room) {
    throw new RangeError(room > 0 ? `max tokens is ${s.max_tokens}, but after the ${context.length}-token prompt the ${side} model's context leaves room for ${room}` : `the prompt takes ${context.length} tokens, more than the ${side} model's context holds: shorten the prompt`);
  }
  const greedy = s.reference === null;
  const reference = greedy ? (await sampleBatch(engine, context, 0, -1, { samples: 1, maxTokens: s.max_tokens, seed: spec.seed, ...(signal ? { signal } : {}) })).samples[0]! : await engine.encodeContinuation(s.reference!);
  if (reference.length > room) throw new RangeError(`the reference takes ${reference.length} tokens, but after the prompt the ${side} model's context leaves room for ${room}`);
  const curves = await exactCurves(engine, context, reference, s.grid);
  const own = withOwn ? await ownAnswers(engine, context, { samples: s.samples, maxTokens: s.max_tokens, seed: spec.seed, ...(signal ? { signal } : {}) }) : null;
  return {
    engine,
    own,
    first: curves.first,
    data: {
      template,
      context,
      context_text: await engine.decode(context),
      reference,
      reference_tokens: await engine.tokenTexts(reference),
      reference_text: await engine.decode(reference, { skipSpecial: true }),
      reference_is_greedy: greedy,
      entropy_first_at_T1: entropy(curves.first, 1),
      exact: curves.points.map((p) => ({ temperature: p.temperature, entropy_first: p.entropy_first, top1_mass: p.top1_mass, top5_mass: p.top5_mass, entropy_along: p.entropy_along, entropy_along_mean: p.entropy_along_mean })),
      own_answers: own ? { samples: own.samples, positions: own.rows.length, mean_entropy: s.grid.map((t) => meanEntropyAt(own.rows, t)) } : null,
      runs: [],
    },
  };
}

export async function runSweep(spec: SweepSpec, ctx: SweepRunContext): Promise<SweepResultEnvelope> {
  const s = spec.settings;
  const { signal } = ctx;
  if (spec.prompt.trim() === '') throw new RangeError('the prompt is empty: type one');
  const engines = {} as Record<SweepSide, Engine>;
  for (const side of s.sides) {
    const e = ctx.engines[side];
    if (!e) throw new RangeError(`this sweep needs the ${side} model loaded`);
    engines[side] = e;
  }
  const both = s.sides.length === 2;
  const total = s.sides.length * (1 + s.temperatures.length);
  let done = 0;
  const tick = (message: string) => ctx.onProgress?.({ done, total, message });
  tick('Exact curves');
  const work = {} as Record<SweepSide, SideWork>;
  await settleAll(
    s.sides.map(async (side) => {
      work[side] = await exactSide(engines[side], side, spec, both, signal);
      done++;
      tick('Exact curves');
    }),
  );
  if (signal?.aborted) throw new LabAbortError('sweep');
  const lo = Math.min(...s.grid);
  const hi = Math.max(...s.grid);
  let match: SweepMatchData | null = null;
  if (both) {
    const along = matchingTemperatureAlong(work.base.own!.rows, work.tuned.own!.rows, lo, hi);
    const first = matchingTemperature(work.base.first, work.tuned.first, lo, hi);
    match = {
      base_entropy_at_T1: along.target,
      tuned_temperature: along.temperature,
      over: "each model's own answers (samples at T = 1), every position",
      positions: along.positions,
      first_position: { base_entropy_at_T1: first.target, tuned_temperature: first.temperature },
    };
  }
  const texts = () => s.sides.flatMap((side) => work[side].data.runs.flatMap((r) => r.samples.map((x) => x.text)));
  const assemble = (): SweepData => {
    const g = resolveGrouping(s.grouping, texts());
    const data: SweepData = { grouping: groupingData(g), match };
    for (const side of s.sides) {
      const d = work[side].data;
      data[side] = { ...d, runs: d.runs.map((r) => ({ temperature: r.temperature, samples: r.samples, metrics: r.metrics, histogram: histogram(r.samples.map((x) => x.text), g) })) };
    }
    return data;
  };
  ctx.onPartial?.(assemble());
  for (let j = 0; j < s.temperatures.length; j++) {
    const t = s.temperatures[j]!;
    tick(`Sampling at T = ${t}`);
    await settleAll(
      s.sides.map(async (side) => {
        const { engine, data } = work[side];
        const r = await sampleBatch(engine, data.context, t, j, { samples: s.samples, maxTokens: s.max_tokens, seed: spec.seed, ...(signal ? { signal } : {}) });
        const samples = await Promise.all(r.samples.map(async (ids) => ({ ids, text: await engine.decode(ids, { skipSpecial: true }) })));
        data.runs.push({ temperature: t, samples, metrics: sweepMetrics(r.samples, r.entropies, r.logps), histogram: [] });
        done++;
        tick(`Sampling at T = ${t}`);
      }),
    );
    if (signal?.aborted) throw new LabAbortError('sweep');
    ctx.onPartial?.(assemble());
  }
  return { kind: 'sweep', version: RESULT_VERSION, data: assemble() };
}

// ---------------------------------------------------------------------------------------- validation

function temps(x: unknown, path: string, max: number, min: number): number[] {
  const a = read.array(x, path, max);
  if (a.length < min) throw new ExperimentDataError(`needs at least ${min} temperature${min === 1 ? '' : 's'}`, path);
  return a.map((v, i) => read.number(v, `${path}[${i}]`, 0, SWEEP_LIMITS.temperature));
}

export function readGroupingSetting(x: unknown, path: string): SweepGroupingSetting {
  const o = read.object(x, path);
  const by = read.oneOf(o['by'], `${path}.by`, ['auto', 'words', 'regex'] as const);
  if (by === 'auto') return { by };
  if (by === 'words') return { by, words: read.int(o['words'], `${path}.words`, 1, SWEEP_LIMITS.words) };
  const regex = read.string(o['regex'], `${path}.regex`, { max: SWEEP_LIMITS.regex, empty: false });
  try {
    new RegExp(regex, 'u');
  } catch (err) {
    throw new ExperimentDataError(`is not a valid regular expression (${(err as Error).message})`, `${path}.regex`);
  }
  return { by, regex };
}

export function readSweepSettings(x: unknown, path = 'spec.settings'): SweepSettings {
  const o = read.object(x, path);
  const sidesRaw = read.array(o['sides'], `${path}.sides`, 2).map((v, i) => read.oneOf(v, `${path}.sides[${i}]`, SWEEP_SIDES));
  if (sidesRaw.length === 0) throw new ExperimentDataError('names no model: give "base", "tuned" or both', `${path}.sides`);
  if (new Set(sidesRaw).size !== sidesRaw.length) throw new ExperimentDataError('names a side twice', `${path}.sides`);
  const sides = SWEEP_SIDES.filter((s) => sidesRaw.includes(s));
  const t = read.object(o['templates'], `${path}.templates`);
  return {
    sides,
    templates: { base: read.oneOf(t['base'], `${path}.templates.base`, SWEEP_TEMPLATES), tuned: read.oneOf(t['tuned'], `${path}.templates.tuned`, SWEEP_TEMPLATES) },
    grid: temps(o['grid'], `${path}.grid`, SWEEP_LIMITS.grid, 1),
    temperatures: temps(o['temperatures'], `${path}.temperatures`, SWEEP_LIMITS.temperatures, 0),
    samples: read.int(o['samples'], `${path}.samples`, 1, SWEEP_LIMITS.samples),
    max_tokens: read.int(o['max_tokens'], `${path}.max_tokens`, 1, SWEEP_LIMITS.maxTokens),
    reference: o['reference'] === null ? null : read.string(o['reference'], `${path}.reference`, { max: 200_000, empty: false }),
    grouping: readGroupingSetting(o['grouping'], `${path}.grouping`),
  };
}

export function validateSweepSpec(x: unknown): SweepSpec {
  const env = readSpecEnvelope(x, 'sweep');
  const settings = readSweepSettings(env.settings);
  for (const side of settings.sides) if (!env.models[side]) throw new ExperimentDataError(`the sweep names the ${side} side but the spec has no ${side} model`, `spec.models.${side}`);
  if (env.prompt.trim() === '') throw new ExperimentDataError('must not be empty', 'spec.prompt');
  return { ...env, kind: 'sweep', settings };
}

const ids = (x: unknown, path: string) => read.array(x, path).map((v, i) => read.int(v, `${path}[${i}]`, 0));
const nums = (x: unknown, path: string, min = -Infinity) => read.array(x, path).map((v, i) => read.number(v, `${path}[${i}]`, min));
const nullableNum = (x: unknown, path: string) => (x === null ? null : read.number(x, path));

function readHistogram(x: unknown, path: string) {
  return read.array(x, path).map((h, i) => {
    const o = read.object(h, `${path}[${i}]`);
    return { answer: read.string(o['answer'], `${path}[${i}].answer`), count: read.int(o['count'], `${path}[${i}].count`, 0) };
  });
}

function readRun(x: unknown, path: string): SweepRunData {
  const o = read.object(x, path);
  const m = read.object(o['metrics'], `${path}.metrics`);
  const mn = (k: string) => read.number(m[k], `${path}.metrics.${k}`);
  return {
    temperature: read.number(o['temperature'], `${path}.temperature`, 0),
    samples: read.array(o['samples'], `${path}.samples`).map((s, i) => {
      const q = read.object(s, `${path}.samples[${i}]`);
      return { ids: ids(q['ids'], `${path}.samples[${i}].ids`), text: read.string(q['text'], `${path}.samples[${i}].text`) };
    }),
    metrics: { mean_entropy: mn('mean_entropy'), distinct_1: mn('distinct_1'), distinct_2: mn('distinct_2'), unique_fraction: mn('unique_fraction'), mean_logprob: mn('mean_logprob') },
    histogram: readHistogram(o['histogram'], `${path}.histogram`),
  };
}

function readSide(x: unknown, path: string): SweepSideData {
  const o = read.object(x, path);
  const exact = read.array(o['exact'], `${path}.exact`).map((e, i) => {
    const q = read.object(e, `${path}.exact[${i}]`);
    const p = `${path}.exact[${i}]`;
    return {
      temperature: read.number(q['temperature'], `${p}.temperature`, 0),
      entropy_first: read.number(q['entropy_first'], `${p}.entropy_first`, 0),
      top1_mass: read.number(q['top1_mass'], `${p}.top1_mass`, 0, 1.000001),
      top5_mass: read.number(q['top5_mass'], `${p}.top5_mass`, 0, 1.000001),
      entropy_along: nums(q['entropy_along'], `${p}.entropy_along`, 0),
      entropy_along_mean: read.number(q['entropy_along_mean'], `${p}.entropy_along_mean`, 0),
    };
  });
  let own: SweepSideData['own_answers'] = null;
  if (o['own_answers'] !== null) {
    const q = read.object(o['own_answers'], `${path}.own_answers`);
    own = {
      samples: read.array(q['samples'], `${path}.own_answers.samples`).map((l, i) => ids(l, `${path}.own_answers.samples[${i}]`)),
      positions: read.int(q['positions'], `${path}.own_answers.positions`, 0),
      mean_entropy: nums(q['mean_entropy'], `${path}.own_answers.mean_entropy`, 0),
    };
    if (own.mean_entropy.length !== exact.length) throw new ExperimentDataError(`has ${own.mean_entropy.length} values for ${exact.length} grid temperatures`, `${path}.own_answers.mean_entropy`);
  }
  const reference = ids(o['reference'], `${path}.reference`);
  const referenceTokens = read.array(o['reference_tokens'], `${path}.reference_tokens`).map((t, i) => read.string(t, `${path}.reference_tokens[${i}]`));
  if (referenceTokens.length !== reference.length) throw new ExperimentDataError(`has ${referenceTokens.length} texts for ${reference.length} tokens`, `${path}.reference_tokens`);
  return {
    template: read.oneOf(o['template'], `${path}.template`, SWEEP_TEMPLATES),
    context: ids(o['context'], `${path}.context`),
    context_text: read.string(o['context_text'], `${path}.context_text`),
    reference,
    reference_tokens: referenceTokens,
    reference_text: read.string(o['reference_text'], `${path}.reference_text`),
    reference_is_greedy: read.boolean(o['reference_is_greedy'], `${path}.reference_is_greedy`),
    entropy_first_at_T1: read.number(o['entropy_first_at_T1'], `${path}.entropy_first_at_T1`, 0),
    exact,
    own_answers: own,
    runs: read.array(o['runs'], `${path}.runs`).map((r, i) => readRun(r, `${path}.runs[${i}]`)),
  };
}

export function readSweepData(x: unknown, path = 'result.data'): SweepData {
  const o = read.object(x, path);
  const g = read.object(o['grouping'], `${path}.grouping`);
  const data: SweepData = {
    grouping: {
      regex: g['regex'] === null ? null : read.string(g['regex'], `${path}.grouping.regex`, { max: SWEEP_LIMITS.regex }),
      words: g['words'] === null ? null : read.int(g['words'], `${path}.grouping.words`, 1, SWEEP_LIMITS.words),
      label: read.string(g['label'], `${path}.grouping.label`, { max: 2000 }),
    },
    match: null,
  };
  for (const side of SWEEP_SIDES) if (o[side] !== undefined) data[side] = readSide(o[side], `${path}.${side}`);
  if (!data.base && !data.tuned) throw new ExperimentDataError('has neither a base nor a tuned side', path);
  if (o['match'] !== null) {
    const m = read.object(o['match'], `${path}.match`);
    const pos = read.object(m['positions'], `${path}.match.positions`);
    const first = read.object(m['first_position'], `${path}.match.first_position`);
    data.match = {
      base_entropy_at_T1: read.number(m['base_entropy_at_T1'], `${path}.match.base_entropy_at_T1`, 0),
      tuned_temperature: nullableNum(m['tuned_temperature'], `${path}.match.tuned_temperature`),
      over: read.string(m['over'], `${path}.match.over`, { max: 1000 }),
      positions: { base: read.int(pos['base'], `${path}.match.positions.base`, 0), tuned: read.int(pos['tuned'], `${path}.match.positions.tuned`, 0) },
      first_position: { base_entropy_at_T1: read.number(first['base_entropy_at_T1'], `${path}.match.first_position.base_entropy_at_T1`, 0), tuned_temperature: nullableNum(first['tuned_temperature'], `${path}.match.first_position.tuned_temperature`) },
    };
    if (!data.base || !data.tuned) throw new ExperimentDataError('a matching temperature needs both sides', `${path}.match`);
  }
  return data;
}

export function validateSweepResult(x: unknown): SweepResultEnvelope {
  const env = readResultEnvelope(x, 'sweep');
  return { kind: 'sweep', version: env.version, data: readSweepData(env.data) };
}

// ------------------------------------------------------------------------------------------ the runner

/** The first value at temperature `t` of a list of runs, or null. */
function runAt(runs: SweepRunData[] | undefined, t: number): SweepRunData | undefined {
  return runs?.find((r) => Math.abs(r.temperature - t) < 1e-9);
}

export const sweepRunner: Runner<'sweep', SweepSettings, SweepData> = {
  kind: 'sweep',
  sides: (spec) => spec.settings.sides.slice(),
  run: runSweep,
  validateSpec: validateSweepSpec,
  validateResult: validateSweepResult,
  title: (spec) => `sweep · ${SWEEP_SIDES.filter((s) => spec.settings.sides.includes(s)).map((s) => shortModelName(spec.models[s]?.repo)).join(' vs ')} · ${quoteTitle(spec.prompt)}`,
  headline: (d) => ({
    entropy_first_at_T1_base: d.base?.entropy_first_at_T1 ?? null,
    entropy_first_at_T1_tuned: d.tuned?.entropy_first_at_T1 ?? null,
    own_entropy_at_T1_base: d.match?.base_entropy_at_T1 ?? null,
    matching_temperature: d.match?.tuned_temperature ?? null,
    matching_temperature_first_position: d.match?.first_position.tuned_temperature ?? null,
    unique_fraction_at_T1_base: runAt(d.base?.runs, 1)?.metrics.unique_fraction ?? null,
    unique_fraction_at_T1_tuned: runAt(d.tuned?.runs, 1)?.metrics.unique_fraction ?? null,
    mean_entropy_at_T1_base: runAt(d.base?.runs, 1)?.metrics.mean_entropy ?? null,
    mean_entropy_at_T1_tuned: runAt(d.tuned?.runs, 1)?.metrics.mean_entropy ?? null,
  }),
};

/** A sweep spec from its parts (the page's form and the CLI's flags both build one here). */
export function sweepSpec(models: SweepSpec['models'], prompt: string, seed: number, settings: Partial<SweepSettings> = {}): SweepSpec {
  return { kind: 'sweep', version: SPEC_VERSION, models, prompt, seed, settings: { ...SWEEP_DEFAULTS, ...settings, templates: { ...SWEEP_DEFAULTS.templates, ...settings.templates } } };
}

