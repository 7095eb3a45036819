/**
 * Kind `inject` (issue #14): injection-recovery traces as data. The spec names the sides that run (base,
 * tuned or both: each with its model and template) and the settings of src/lab/inject.ts: the injection point
 * K, the injected text, the steps N, the threshold (nats floor and relative to entropy), the alignment window
 * W, the recovery run R, greedy or sampled (`runs` seeds from `spec.seed`, each with its no-injection control:
 * the control band is part of the run), and optionally a recovery heatmap (injection points × texts, greedy).
 *
 * The result's `data` has one entry per side that ran. Each is what `lab inject --json` printed for one model
 * before (the InjectResult of run 1: after_tokens, clean, injected, trace, recovery_step, …, control), extended
 * with the template, the sampled runs and bands, the outcome counts, the texts the view shows and the heatmap.
 * `lab inject … --json` prints this `data` (so `lab run spec --json`'s result equals it by construction).
 */
import type { Engine, Template } from '../../engine/types';
import { continuationDiff, injectTrace, recoveryHeatmap, sampledTraces, stopIdsFor, traceBand, type InjectOptions, type InjectResult, type Outcome, type TraceBand, type TracePoint, type TracedRun } from '../inject';
import { readPerSide, readResultEnvelope, readResultSides, readSides, readSpecEnvelope, repoName, shortText } from './envelope';
import { read } from './json-safety';
import { engineFor, settleAll } from './settle';
import { ExperimentDataError, RESULT_VERSION, SPEC_VERSION, type ResultEnvelope, type RunContext, type Runner, type SpecEnvelope } from './types';

export type Side = 'base' | 'tuned';
export const SIDES: readonly Side[] = ['base', 'tuned'];
const TEMPLATES: readonly Template[] = ['none', 'chat'];
const OUTCOMES: readonly Outcome[] = ['recovered', 'ended', 'diverged'];

/** Bounds every spec is checked against (the CLI's flags and the page's fields use the same or tighter). */
export const INJECT_LIMITS = { afterTokens: 4096, steps: 1024, window: 1024, run: 1024, runs: 200, threshold: 1000, temperature: 100, heatmapCells: 400, injectionChars: 10_000 } as const;

export interface InjectHeatmapSettings {
  /** Injection points K (columns). */
  after_tokens: number[];
  /** Injected texts (rows). */
  injections: string[];
}

export interface InjectSettings {
  /** The sides that run, each with `spec.models[side]` and `templates[side]`. */
  sides: Side[];
  templates: Partial<Record<Side, Template>>;
  after_tokens: number;
  injection: string;
  steps: number;
  /** Threshold floor (nats). */
  threshold: number;
  /** Threshold relative to the clean run's mean entropy. */
  rel_threshold: number;
  window: number;
  run: number;
  /** Greedy: one run. Sampled: `runs` runs with seeds spec.seed, spec.seed + 1, … (common random numbers). */
  mode: 'greedy' | 'sampled';
  runs: number;
  /** Sampling temperature (sampled mode). */
  temperature: number;
  /** A recovery heatmap (greedy) over these injection points × texts, or none. */
  heatmap: InjectHeatmapSettings | null;
}

export type InjectSpec = SpecEnvelope<'inject', InjectSettings>;

/** One column of the aligned token view: a clean token, an injected token, or both (the same token). */
export interface DiffColumn {
  op: 'injection' | 'same' | 'clean' | 'injected';
  clean: string | null;
  injected: string | null;
}

export interface InjectHeatmap {
  after_tokens: number[];
  injections: string[];
  recovery: (number | null)[][];
  outcome: Outcome[][];
  /** Mean aligned KL over the steps of each cell's run; null when no step had one. */
  mean_kl: (number | null)[][];
}

export interface InjectSampled {
  /** Every kept run (run 1 first). */
  runs: InjectResult[];
  /** Seeds whose clean run stopped before the injection point (left out). */
  skipped: { seed: number; clean_length: number }[];
  band: TraceBand[];
  control_band: TraceBand[];
  band_logp_clean_next: TraceBand[];
  band_p_end: TraceBand[];
}

/** One side's result: run 1 as `lab inject --json` printed it, and what the view shows besides. */
export interface InjectSide extends InjectResult {
  template: Template;
  /** Sampled mode: all runs and their bands; null when greedy. */
  sampled: InjectSampled | null;
  /** How many runs ended in each outcome. */
  outcomes: Record<Outcome, number>;
  /** Texts of run 1, for display (token texts as the tokenizer shows them). */
  display: {
    clean_tokens: string[];
    diff: DiffColumn[];
    prefix: string;
    injection: string;
    continuation: string;
    clean: string;
  };
  heatmap: InjectHeatmap | null;
}

export type InjectData = Partial<Record<Side, InjectSide>>;
export type InjectResultEnvelope = ResultEnvelope<'inject', InjectData>;

export const INJECT_SPEC_DEFAULTS: Omit<InjectSettings, 'sides' | 'templates' | 'after_tokens' | 'injection'> = {
  steps: 16,
  threshold: 0.1,
  rel_threshold: 0.1,
  window: 8,
  run: 4,
  mode: 'greedy',
  runs: 1,
  temperature: 1,
  heatmap: null,
};

// ------------------------------------------------------------------------------------------ run

/** The room the clean and the injected runs need after the prompt (the CLI's --steps check says the same). */
async function checkRoom(engine: Engine, side: Side, promptTokens: number, s: InjectSettings, afterTokens: number, injection: string): Promise<void> {
  if (promptTokens === 0) throw new RangeError('the prompt encodes to no tokens');
  const injected = injection === '' ? 0 : (await engine.encodeContinuation(injection)).length;
  const need = afterTokens + Math.max(injected, s.window) + s.steps;
  const holds = (await engine.info()).contextLength;
  if (promptTokens + need > holds) {
    throw new RangeError(`the ${side} model's context holds ${holds} tokens: the ${promptTokens}-token prompt, K = ${afterTokens}, the injection or the window (${Math.max(injected, s.window)}) and ${s.steps} steps need ${promptTokens + need}`);
  }
}

const noNaN = (x: number): number | null => (Number.isFinite(x) ? x : null);

async function runSide(engine: Engine, side: Side, spec: InjectSpec, signal: AbortSignal | undefined, tick: () => void): Promise<InjectSide> {
  const s = spec.settings;
  const template = s.templates[side]!;
  const context = await engine.encode(spec.prompt, template);
  await checkRoom(engine, side, context.length, s, s.after_tokens, s.injection);
  if (s.heatmap) for (const k of s.heatmap.after_tokens) for (const t of s.heatmap.injections) await checkRoom(engine, side, context.length, s, k, t);
  const stopIds = await stopIdsFor(engine, template);
  const o: InjectOptions = { afterTokens: s.after_tokens, injection: s.injection, steps: s.steps, threshold: s.threshold, relThreshold: s.rel_threshold, window: s.window, run: s.run, stopIds, ...(signal ? { signal } : {}) };
  let runs: InjectResult[];
  let sampled: InjectSampled | null = null;
  if (s.mode === 'greedy') {
    runs = [await injectTrace(engine, context, o)];
    tick();
  } else {
    const r = await sampledTraces(engine, context, { ...o, seed: spec.seed, temperature: s.temperature, runs: s.runs, onProgress: () => tick() });
    runs = r.runs;
    const traces = runs.map((x) => x.trace);
    sampled = { runs, skipped: r.skipped, band: r.band, control_band: r.control_band, band_logp_clean_next: traceBand(traces, 'logp_clean_next'), band_p_end: traceBand(traces, 'p_end') };
  }
  const outcomes: Record<Outcome, number> = { recovered: 0, ended: 0, diverged: 0 };
  for (const r of runs) outcomes[r.outcome]++;
  const first = runs[0]!;
  const K = first.after_tokens;
  const injectionIds = first.injected.context.slice(context.length + K);
  const cleanTokens = await engine.tokenTexts(first.clean.continuation);
  const injectionTokens = await engine.tokenTexts(injectionIds);
  const injectedTokens = await engine.tokenTexts(first.injected.continuation);
  const diff: DiffColumn[] = [
    ...injectionTokens.map((t): DiffColumn => ({ op: 'injection', clean: null, injected: t })),
    ...continuationDiff(first).map((d): DiffColumn => ({ op: d.op, clean: d.op === 'injected' ? null : cleanTokens[K + d.clean]!, injected: d.op === 'clean' ? null : injectedTokens[d.injected]! })),
  ];
  let heatmap: InjectHeatmap | null = null;
  if (s.heatmap) {
    const h = await recoveryHeatmap(engine, context, s.heatmap.after_tokens, s.heatmap.injections, {
      steps: s.steps,
      threshold: s.threshold,
      relThreshold: s.rel_threshold,
      window: s.window,
      run: s.run,
      stopIds,
      ...(signal ? { signal } : {}),
      onProgress: () => tick(),
    });
    heatmap = { after_tokens: h.after_tokens, injections: h.injections, recovery: h.recovery, outcome: h.outcome, mean_kl: h.mean_kl.map((row) => row.map(noNaN)) };
  }
  return {
    ...first,
    template,
    sampled,
    outcomes,
    display: {
      clean_tokens: cleanTokens,
      diff,
      prefix: await engine.decode(first.clean.continuation.slice(0, K)),
      injection: await engine.decode(injectionIds),
      continuation: await engine.decode(first.injected.continuation),
      clean: await engine.decode(first.clean.continuation.slice(K)),
    },
    heatmap,
  };
}

export async function runInject(spec: InjectSpec, ctx: RunContext): Promise<InjectResultEnvelope> {
  const s = spec.settings;
  const engines = s.sides.map((side) => engineFor(ctx, side));
  const per = s.runs + (s.heatmap ? s.heatmap.after_tokens.length * s.heatmap.injections.length : 0);
  const total = per * s.sides.length;
  let done = 0;
  const message = s.heatmap ? 'Tracing and filling the heatmap…' : s.mode === 'greedy' ? 'Tracing…' : 'Sampled runs…';
  ctx.onProgress?.({ done, total, message });
  const tick = () => ctx.onProgress?.({ done: ++done, total, message });
  const sides = await settleAll(s.sides.map((side, i) => runSide(engines[i]!, side, spec, ctx.signal, tick)));
  const data: InjectData = {};
  s.sides.forEach((side, i) => (data[side] = sides[i]!));
  return { kind: 'inject', version: RESULT_VERSION, data };
}

// ------------------------------------------------------------------------------------ validation

export function readInjectSettings(x: unknown, path: string): InjectSettings {
  const o = read.object(x, path);
  const sides = readSides(o['sides'], `${path}.sides`);
  const templates = readPerSide(o['templates'], `${path}.templates`, sides, (v, p) => read.oneOf(v, p, TEMPLATES));
  const mode = read.oneOf(o['mode'], `${path}.mode`, ['greedy', 'sampled'] as const);
  const runs = read.int(o['runs'], `${path}.runs`, 1, INJECT_LIMITS.runs);
  if (mode === 'greedy' && runs !== 1) throw new ExperimentDataError('must be 1 in greedy mode', `${path}.runs`);
  const temperature = read.number(o['temperature'], `${path}.temperature`, 0, INJECT_LIMITS.temperature);
  if (temperature === 0) throw new ExperimentDataError('must be > 0', `${path}.temperature`);
  const threshold = read.number(o['threshold'], `${path}.threshold`, 0, INJECT_LIMITS.threshold);
  if (threshold === 0) throw new ExperimentDataError('must be > 0', `${path}.threshold`);
  let heatmap: InjectHeatmapSettings | null = null;
  if (o['heatmap'] !== null) {
    const h = read.object(o['heatmap'], `${path}.heatmap`);
    const ks = read.array(h['after_tokens'], `${path}.heatmap.after_tokens`, INJECT_LIMITS.heatmapCells).map((v, i) => read.int(v, `${path}.heatmap.after_tokens[${i}]`, 0, INJECT_LIMITS.afterTokens));
    const texts = read.array(h['injections'], `${path}.heatmap.injections`, INJECT_LIMITS.heatmapCells).map((v, i) => read.string(v, `${path}.heatmap.injections[${i}]`, { max: INJECT_LIMITS.injectionChars }));
    if (!ks.length) throw new ExperimentDataError('must list at least one injection point', `${path}.heatmap.after_tokens`);
    if (!texts.length) throw new ExperimentDataError('must list at least one injected text', `${path}.heatmap.injections`);
    if (ks.length * texts.length > INJECT_LIMITS.heatmapCells) throw new ExperimentDataError(`has ${ks.length * texts.length} cells; at most ${INJECT_LIMITS.heatmapCells}`, `${path}.heatmap`);
    heatmap = { after_tokens: ks, injections: texts };
  }
  return {
    sides,
    templates,
    after_tokens: read.int(o['after_tokens'], `${path}.after_tokens`, 0, INJECT_LIMITS.afterTokens),
    injection: read.string(o['injection'], `${path}.injection`, { max: INJECT_LIMITS.injectionChars }),
    steps: read.int(o['steps'], `${path}.steps`, 1, INJECT_LIMITS.steps),
    threshold,
    rel_threshold: read.number(o['rel_threshold'], `${path}.rel_threshold`, 0, INJECT_LIMITS.threshold),
    window: read.int(o['window'], `${path}.window`, 0, INJECT_LIMITS.window),
    run: read.int(o['run'], `${path}.run`, 1, INJECT_LIMITS.run),
    mode,
    runs,
    temperature,
    heatmap,
  };
}

export function validateInjectSpec(x: unknown): InjectSpec {
  const e = readSpecEnvelope(x, 'inject');
  const settings = readInjectSettings(e.settings, 'spec.settings');
  for (const side of settings.sides) if (!e.models[side]) throw new ExperimentDataError(`is missing (the ${side} side runs)`, `spec.models.${side}`);
  if (e.prompt.trim() === '') throw new ExperimentDataError('must not be empty', 'spec.prompt');
  return { kind: 'inject', version: e.version, models: e.models, prompt: e.prompt, seed: e.seed, settings };
}

const nullable = <T>(x: unknown, path: string, f: (v: unknown, p: string) => T): T | null => (x === null ? null : f(x, path));
const ints = (x: unknown, path: string) => read.array(x, path).map((v, i) => read.int(v, `${path}[${i}]`));

function readTracePoint(x: unknown, path: string): TracePoint {
  const o = read.object(x, path);
  return {
    step: read.int(o['step'], `${path}.step`, 0),
    kl: nullable(o['kl'], `${path}.kl`, read.number),
    logp_clean_next: nullable(o['logp_clean_next'], `${path}.logp_clean_next`, read.number),
    p_end: read.number(o['p_end'], `${path}.p_end`, 0, 1 + 1e-6),
    kl_aligned: nullable(o['kl_aligned'], `${path}.kl_aligned`, read.number),
    aligned_offset: nullable(o['aligned_offset'], `${path}.aligned_offset`, (v, p) => read.int(v, p)),
  };
}

function readTraced(o: Record<string, unknown>, path: string): TracedRun {
  return {
    continuation: ints(o['continuation'], `${path}.continuation`),
    trace: read.array(o['trace'], `${path}.trace`).map((p, i) => readTracePoint(p, `${path}.trace[${i}]`)),
    recovery_step: nullable(o['recovery_step'], `${path}.recovery_step`, (v, p) => read.int(v, p, 0)),
    recovery_offset: nullable(o['recovery_offset'], `${path}.recovery_offset`, (v, p) => read.int(v, p)),
    outcome: read.oneOf(o['outcome'], `${path}.outcome`, OUTCOMES),
    ended_step: nullable(o['ended_step'], `${path}.ended_step`, (v, p) => read.int(v, p, 0)),
  };
}

function readInjectResult(x: unknown, path: string): InjectResult {
  const o = read.object(x, path);
  const clean = read.object(o['clean'], `${path}.clean`);
  const injected = read.object(o['injected'], `${path}.injected`);
  const t = read.object(o['threshold'], `${path}.threshold`);
  const traced = readTraced({ continuation: injected['continuation'], trace: o['trace'], recovery_step: o['recovery_step'], recovery_offset: o['recovery_offset'], outcome: o['outcome'], ended_step: o['ended_step'] }, path);
  let control: InjectResult['control'] = null;
  if (o['control'] !== null) {
    const c = read.object(o['control'], `${path}.control`);
    control = { seed: read.int(c['seed'], `${path}.control.seed`, 0), ...readTraced(c, `${path}.control`) };
  }
  return {
    after_tokens: read.int(o['after_tokens'], `${path}.after_tokens`, 0),
    clean: { context: ints(clean['context'], `${path}.clean.context`), continuation: ints(clean['continuation'], `${path}.clean.continuation`) },
    injected: { context: ints(injected['context'], `${path}.injected.context`), continuation: traced.continuation },
    trace: traced.trace,
    recovery_step: traced.recovery_step,
    recovery_offset: traced.recovery_offset,
    outcome: traced.outcome,
    ended_step: traced.ended_step,
    clean_ended_step: nullable(o['clean_ended_step'], `${path}.clean_ended_step`, (v, p) => read.int(v, p, 0)),
    window: read.int(o['window'], `${path}.window`, 0),
    run: read.int(o['run'], `${path}.run`, 1),
    threshold: {
      nats: read.number(t['nats'], `${path}.threshold.nats`),
      relative: read.number(t['relative'], `${path}.threshold.relative`),
      mean_entropy: read.number(t['mean_entropy'], `${path}.threshold.mean_entropy`),
      effective: read.number(t['effective'], `${path}.threshold.effective`),
    },
    stop_ids: ints(o['stop_ids'], `${path}.stop_ids`),
    seed: nullable(o['seed'], `${path}.seed`, (v, p) => read.int(v, p, 0)),
    control,
  };
}

function readBand(x: unknown, path: string): TraceBand[] {
  return read.array(x, path).map((v, i) => {
    const p = `${path}[${i}]`;
    const o = read.object(v, p);
    return { step: read.int(o['step'], `${p}.step`, 0), mean: read.number(o['mean'], `${p}.mean`), min: read.number(o['min'], `${p}.min`), max: read.number(o['max'], `${p}.max`), sd: read.number(o['sd'], `${p}.sd`, 0), n: read.int(o['n'], `${p}.n`, 1) };
  });
}

const grid = <T>(x: unknown, path: string, rows: number, cols: number, cell: (v: unknown, p: string) => T): T[][] => {
  const a = read.array(x, path);
  if (a.length !== rows) throw new ExperimentDataError(`must have ${rows} rows`, path);
  return a.map((r, i) => {
    const row = read.array(r, `${path}[${i}]`);
    if (row.length !== cols) throw new ExperimentDataError(`must have ${cols} cells`, `${path}[${i}]`);
    return row.map((v, j) => cell(v, `${path}[${i}][${j}]`));
  });
};

function readSide(x: unknown, path: string): InjectSide {
  const o = read.object(x, path);
  const first = readInjectResult(o, path);
  let sampled: InjectSampled | null = null;
  if (o['sampled'] !== null) {
    const s = read.object(o['sampled'], `${path}.sampled`);
    const runs = read.array(s['runs'], `${path}.sampled.runs`, INJECT_LIMITS.runs).map((r, i) => readInjectResult(r, `${path}.sampled.runs[${i}]`));
    if (!runs.length) throw new ExperimentDataError('must hold at least one run', `${path}.sampled.runs`);
    sampled = {
      runs,
      skipped: read.array(s['skipped'], `${path}.sampled.skipped`).map((v, i) => {
        const k = read.object(v, `${path}.sampled.skipped[${i}]`);
        return { seed: read.int(k['seed'], `${path}.sampled.skipped[${i}].seed`, 0), clean_length: read.int(k['clean_length'], `${path}.sampled.skipped[${i}].clean_length`, 0) };
      }),
      band: readBand(s['band'], `${path}.sampled.band`),
      control_band: readBand(s['control_band'], `${path}.sampled.control_band`),
      band_logp_clean_next: readBand(s['band_logp_clean_next'], `${path}.sampled.band_logp_clean_next`),
      band_p_end: readBand(s['band_p_end'], `${path}.sampled.band_p_end`),
    };
  }
  const oc = read.object(o['outcomes'], `${path}.outcomes`);
  const outcomes = { recovered: read.int(oc['recovered'], `${path}.outcomes.recovered`, 0), ended: read.int(oc['ended'], `${path}.outcomes.ended`, 0), diverged: read.int(oc['diverged'], `${path}.outcomes.diverged`, 0) };
  const d = read.object(o['display'], `${path}.display`);
  const strings = (v: unknown, p: string) => read.array(v, p).map((s, i) => read.string(s, `${p}[${i}]`));
  const display = {
    clean_tokens: strings(d['clean_tokens'], `${path}.display.clean_tokens`),
    diff: read.array(d['diff'], `${path}.display.diff`).map((v, i) => {
      const p = `${path}.display.diff[${i}]`;
      const c = read.object(v, p);
      return { op: read.oneOf(c['op'], `${p}.op`, ['injection', 'same', 'clean', 'injected'] as const), clean: nullable(c['clean'], `${p}.clean`, (s, q) => read.string(s, q)), injected: nullable(c['injected'], `${p}.injected`, (s, q) => read.string(s, q)) };
    }),
    prefix: read.string(d['prefix'], `${path}.display.prefix`),
    injection: read.string(d['injection'], `${path}.display.injection`),
    continuation: read.string(d['continuation'], `${path}.display.continuation`),
    clean: read.string(d['clean'], `${path}.display.clean`),
  };
  let heatmap: InjectHeatmap | null = null;
  if (o['heatmap'] !== null) {
    const h = read.object(o['heatmap'], `${path}.heatmap`);
    const ks = ints(h['after_tokens'], `${path}.heatmap.after_tokens`);
    const texts = read.array(h['injections'], `${path}.heatmap.injections`).map((s, i) => read.string(s, `${path}.heatmap.injections[${i}]`));
    heatmap = {
      after_tokens: ks,
      injections: texts,
      recovery: grid(h['recovery'], `${path}.heatmap.recovery`, texts.length, ks.length, (v, p) => nullable(v, p, (w, q) => read.int(w, q, 0))),
      outcome: grid(h['outcome'], `${path}.heatmap.outcome`, texts.length, ks.length, (v, p) => read.oneOf(v, p, OUTCOMES)),
      mean_kl: grid(h['mean_kl'], `${path}.heatmap.mean_kl`, texts.length, ks.length, (v, p) => nullable(v, p, (w, q) => read.number(w, q, 0))),
    };
  }
  return { ...first, template: read.oneOf(o['template'], `${path}.template`, TEMPLATES), sampled, outcomes, display, heatmap };
}

export function validateInjectResult(x: unknown): InjectResultEnvelope {
  const e = readResultEnvelope(x, 'inject');
  const data: InjectData = readResultSides(e.data, 'result.data', readSide);
  return { kind: 'inject', version: e.version, data };
}

// ------------------------------------------------------------------------------------ title, headline

const short = shortText;
const modelName = (spec: SpecEnvelope, side: Side): string => repoName(spec.models[side]?.repo ?? side);

export function injectTitle(spec: InjectSpec): string {
  const s = spec.settings;
  const who = s.sides.map((side) => modelName(spec, side)).join(' vs ');
  return `injection · ${who} · “${short(spec.prompt)}” + “${short(s.injection, 24)}” at K = ${s.after_tokens}${s.mode === 'sampled' ? ` · ${s.runs} runs` : ''}`;
}

const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** Per side: the share of runs in each outcome, run 1's recovery step and offset, the mean recovery step of
 *  the runs that recovered, the mean aligned KL (over run 1's steps, or the band's means), the no-injection
 *  band's mean aligned KL (sampled), the threshold τ, and the heatmap's recovered share. */
export function injectHeadline(data: InjectData): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const side of SIDES) {
    const d = data[side];
    if (!d) continue;
    const runs = d.sampled?.runs ?? [d];
    const n = runs.length;
    for (const o of OUTCOMES) out[`${side}.${o}`] = d.outcomes[o] / n;
    out[`${side}.recovery_step`] = d.recovery_step;
    out[`${side}.recovery_offset`] = d.recovery_offset;
    out[`${side}.mean_recovery_step`] = mean(runs.flatMap((r) => (r.recovery_step === null ? [] : [r.recovery_step])));
    out[`${side}.mean_kl_aligned`] = d.sampled ? mean(d.sampled.band.map((b) => b.mean)) : mean(d.trace.flatMap((p) => (p.kl_aligned === null ? [] : [p.kl_aligned])));
    out[`${side}.control_mean_kl_aligned`] = d.sampled ? mean(d.sampled.control_band.map((b) => b.mean)) : null;
    out[`${side}.threshold`] = d.threshold.effective;
    if (d.heatmap) {
      const cells = d.heatmap.outcome.flat();
      out[`${side}.heatmap_recovered`] = cells.filter((c) => c === 'recovered').length / cells.length;
    }
  }
  return out;
}

export const injectRunner: Runner<'inject', InjectSettings, InjectData> = {
  kind: 'inject',
  sides: (spec) => spec.settings.sides.slice(),
  run: runInject,
  validateSpec: validateInjectSpec,
  validateResult: validateInjectResult,
  title: injectTitle,
  headline: injectHeadline,
};

/** A spec of this kind from its parts (the CLI and the view build theirs with it). */
export function injectSpec(parts: { models: InjectSpec['models']; prompt: string; seed: number; settings: InjectSettings }): InjectSpec {
  return { kind: 'inject', version: SPEC_VERSION, models: parts.models, prompt: parts.prompt, seed: parts.seed, settings: parts.settings };
}
