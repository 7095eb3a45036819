/**
 * Injection-recovery traces: inject text mid-generation and see whether the model goes back to the
 * trajectory it was on.
 *
 * Definitions (the README's "Injection" section says the same):
 *
 * - **Clean run**: the model continues the context for up to K + N + W tokens (W: the alignment window).
 *   **Injected run**: it continues context + the first K clean tokens + the injection, for up to N tokens.
 *   Both runs stop when they emit one of the stop ids (`stopIdsFor`: the model's EOS ids from its generation
 *   config, and with the chat template the template's end-of-turn token); the stop token is kept as the
 *   run's last token.
 * - **Trace row t** (0 ≤ t < injected length) compares the injected run's next-token distribution after t of
 *   its own tokens, P_t, with the clean run's distributions Q_j (Q_j: after j clean tokens):
 *   - `kl` = KL(P_t ‖ Q_{K+t}), the same-offset KL (null once the clean run has stopped before K + t);
 *   - `kl_aligned` = min over d ∈ [−W, W] with 0 ≤ K+t+d < clean rows of KL(P_t ‖ Q_{K+t+d}), and
 *     `aligned_offset` = that d (ties: smallest |d|, then the negative one). d > 0: the injected run is where
 *     the clean run was d tokens later — it rejoined the clean text d tokens early;
 *   - `logp_clean_next` = log P_t(clean token K+t); `p_end` = P_t(stop ids).
 * - **Threshold**: τ = max(τ_nats, ρ · H̄), H̄ the mean entropy (nats) of the clean run's own next-token
 *   distributions Q_K … Q_{K+N−1}. τ_nats (default 0.1) is a floor; ρ (default 0.1) scales the threshold with
 *   how uncertain the model itself is, so a high-entropy base and a low-entropy tuned model are judged alike.
 * - **Recovery step**: the first t such that, for one offset d ∈ [−W, W], KL(P_{t+i} ‖ Q_{K+t+i+d}) < τ for
 *   every i < R (R: `run`, default 4, at most N) — the injected run tracks the clean run at a constant shift
 *   for R consecutive steps. If the injected run stops within those R steps, the steps up to its stop count
 *   only if the clean run emitted a stop id at the aligned position too (both ended together).
 *   `recovery_offset` is that d. A single late dip below τ is not a recovery.
 * - **Outcome**: `recovered` (a recovery step exists), else `ended` (the injected run emitted a stop id at
 *   `ended_step`), else `diverged`.
 * - **Sampled mode, common random numbers**: one stream of uniforms u_0, u_1, … from the seed; the clean run
 *   draws its token i with u_i (inverse CDF over the vocabulary in id order), the injected run draws its
 *   token t with u_{K+t}. An empty injection is therefore the clean run itself (KL 0, recovery at step 0).
 * - **No-injection control** (sampled mode): a second clean run that shares the first K clean tokens and
 *   continues with an independent stream (`control_seed`), traced against the clean run exactly like an
 *   injected run: the noise floor of the trace — how far two samples of the same model drift apart anyway.
 */
import { LabAbortError } from '../engine/errors';
import type { Engine, Template } from '../engine/types';
import { logSoftmax, processedProbs, sampleIndex, seededRandom, topK } from './distributions';

export type Outcome = 'recovered' | 'ended' | 'diverged';

export interface TracePoint {
  step: number;
  /** KL(injected ‖ clean) at the same offset; null where the clean run had already stopped. */
  kl: number | null;
  logp_clean_next: number | null;
  /** Probability of the stop ids (end of text / end of turn) in the injected run's distribution. */
  p_end: number;
  /** KL to the best-matching clean position within ±window, and that position's offset. */
  kl_aligned: number | null;
  aligned_offset: number | null;
}

export interface Threshold {
  nats: number;
  relative: number;
  /** Mean entropy (nats) of the clean run's next-token distributions at clean steps K … K+N−1. */
  mean_entropy: number;
  /** max(nats, relative · mean_entropy): what the recovery test uses. */
  effective: number;
}

/** One run traced against the clean run. */
export interface TracedRun {
  continuation: number[];
  trace: TracePoint[];
  recovery_step: number | null;
  recovery_offset: number | null;
  outcome: Outcome;
  /** Step at which the run emitted a stop id, or null. */
  ended_step: number | null;
}

export interface InjectResult {
  after_tokens: number;
  clean: { context: number[]; continuation: number[] };
  injected: { context: number[]; continuation: number[] };
  trace: TracePoint[];
  recovery_step: number | null;
  recovery_offset: number | null;
  outcome: Outcome;
  ended_step: number | null;
  /** Index in the clean continuation of the clean run's stop token, or null. */
  clean_ended_step: number | null;
  window: number;
  /** Consecutive steps the recovery test asks for (the option, at most N). */
  run: number;
  threshold: Threshold;
  stop_ids: number[];
  /** Sampled mode: the seed of the common random numbers; null when greedy. */
  seed: number | null;
  /** Sampled mode: the no-injection control run, traced against the clean run like the injected run. */
  control: (TracedRun & { seed: number }) | null;
}

export interface InjectOptions {
  afterTokens: number;
  injection: string;
  steps: number;
  /** Threshold floor in nats (default 0.1). */
  threshold?: number;
  /** Threshold relative to the clean run's mean entropy (default 0.1); 0 leaves the nats floor alone. */
  relThreshold?: number;
  /** Alignment window W: clean positions within ±W of the same offset (default 8). */
  window?: number;
  /** Consecutive steps below the threshold that make a recovery (default 4). */
  run?: number;
  /** Sampled when given (temperature 1 unless `temperature`), greedy otherwise. */
  seed?: number;
  temperature?: number;
  /** Stop ids (default: the model's EOS ids). */
  stopIds?: number[];
  /** Sampled mode: also run the no-injection control (default true). */
  control?: boolean;
  /** Checked before every engine call; aborting throws LabAbortError. */
  signal?: AbortSignal;
}

/** The clean run emitted a stop id before the injection point: there is nothing to inject into. */
export class CleanRunEndedError extends RangeError {
  constructor(readonly cleanLength: number, readonly afterTokens: number) {
    super(`the clean run stopped after ${cleanLength} tokens (it emitted a stop id), before the injection point K = ${afterTokens}; choose K < ${cleanLength}`);
  }
}

export const INJECT_DEFAULTS = { threshold: 0.1, relThreshold: 0.1, window: 8, run: 4 } as const;

/** The control run's seed for a sampled run with seed `seed`. */
export const controlSeed = (seed: number): number => (seed + 0x9e3779b9) >>> 0;

/**
 * The ids a run stops at: the model's EOS ids (its generation config) and, with the chat template, the
 * template's end-of-turn token — the special token that follows an assistant message in the rendered chat —
 * so that a base model wrapped in the chat template stops where the tuned one does.
 */
export async function stopIdsFor(engine: Engine, template: Template): Promise<number[]> {
  const info = await engine.info();
  const ids = [...info.eosTokenIds];
  if (template !== 'chat' || !info.hasChatTemplate) return ids;
  const marker = 'WPL end-of-turn probe';
  const text = await engine.renderChat([{ role: 'user', content: 'x' }, { role: 'assistant', content: marker }], false);
  const at = text.lastIndexOf(marker);
  const rest = at < 0 ? '' : text.slice(at + marker.length);
  if (!rest) return ids;
  const [first] = await engine.encodeContinuation(rest);
  if (first !== undefined && !ids.includes(first) && (await engine.decode([first], { skipSpecial: true })) === '') ids.push(first);
  return ids;
}

interface Run {
  ids: number[];
  /** rows[i]: the distribution before token i (log-probabilities); one more row than ids unless stopped. */
  rows: Float64Array[];
  stopped: boolean;
}

function uniforms(seed: number, n: number): number[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => r());
}

/** Continue `prefix` for up to `n` tokens; token i is drawn with `u[offset + i]` (greedy when `u` is null);
 *  stops after emitting a stop id. */
async function generate(engine: Engine, prefix: number[], n: number, u: number[] | null, offset: number, temperature: number, stop: Set<number>, signal?: AbortSignal): Promise<Run> {
  if (signal?.aborted) throw new LabAbortError('injection');
  const { seq, logits } = await engine.createSequence(prefix);
  let last = logits.data;
  const rows: Float64Array[] = [logSoftmax(last)];
  const ids: number[] = [];
  let stopped = false;
  try {
    for (let i = 0; i < n; i++) {
      if (signal?.aborted) throw new LabAbortError('injection');
      const id = u ? sampleIndex(processedProbs(last, { temperature, topK: 0, topP: 1, minP: 0 }), u[offset + i]!) : topK(last, 1)[0]!;
      ids.push(id);
      if (stop.has(id)) {
        stopped = true;
        break;
      }
      last = (await engine.step(seq, [id])).data;
      rows.push(logSoftmax(last));
    }
  } finally {
    await engine.release(seq);
  }
  return { ids, rows, stopped };
}

/** KL(p ‖ q) from p's probabilities and both log-probabilities, float64. */
function klLog(p: Float64Array, lp: Float64Array, lq: Float64Array): number {
  let kl = 0;
  for (let i = 0; i < lp.length; i++) if (p[i]! > 0) kl += p[i]! * (lp[i]! - lq[i]!);
  return Math.max(0, kl);
}

function entropyLog(lp: Float64Array): number {
  let h = 0;
  for (let i = 0; i < lp.length; i++) if (lp[i]! > -Infinity) h -= Math.exp(lp[i]!) * lp[i]!;
  return h;
}

/**
 * The recovery test on a matrix of KLs: `kls[t][d + W]` = KL of injected step t to clean position K+t+d
 * (null where that position does not exist). Returns the first t (and its offset) for which one offset d
 * keeps the KL below `threshold` for `run` consecutive steps; offsets are tried smallest |d| first, then the
 * negative one. When the injected run stops within those steps (`endsWith` given: it emitted a stop id at
 * its last step), the steps up to the stop count if the clean run emitted a stop id at the aligned position
 * too (`endsWith(d)`): both runs ended together on the same trajectory.
 */
export function recoveryAt(kls: (number | null)[][], window: number, threshold: number, run: number, endsWith: ((d: number) => boolean) | null): { step: number; offset: number } | null {
  const L = kls.length;
  const offsets = byCloseness(window);
  for (let t = 0; t < L; t++) {
    const need = Math.min(run, L - t);
    if (need < run && !endsWith) return null;
    for (const d of offsets) {
      if (need < run && !endsWith!(d)) continue;
      let ok = true;
      for (let i = 0; i < need && ok; i++) {
        const v = kls[t + i]![d + window];
        ok = v !== null && v !== undefined && v < threshold;
      }
      if (ok) return { step: t, offset: d };
    }
  }
  return null;
}

/** 0, −1, 1, −2, 2, … ±window. */
function byCloseness(window: number): number[] {
  const out = [0];
  for (let a = 1; a <= window; a++) out.push(-a, a);
  return out;
}

function traceAgainst(clean: Run, K: number, other: Run, stop: number[], window: number, threshold: number, run: number): TracedRun {
  const rowsClean = clean.rows.length;
  const trace: TracePoint[] = [];
  const kls: (number | null)[][] = [];
  for (let t = 0; t < other.ids.length; t++) {
    const lp = other.rows[t]!;
    const p = lp.map(Math.exp);
    const row: (number | null)[] = [];
    let best: number | null = null;
    let bestD: number | null = null;
    for (let d = -window; d <= window; d++) {
      const j = K + t + d;
      row.push(j >= 0 && j < rowsClean ? klLog(p, lp, clean.rows[j]!) : null);
    }
    for (const d of byCloseness(window)) {
      const v = row[d + window]!;
      if (v !== null && (best === null || v < best)) {
        best = v;
        bestD = d;
      }
    }
    kls.push(row);
    const same = row[window]!;
    const cleanNext = clean.ids[K + t];
    trace.push({
      step: t,
      kl: same,
      logp_clean_next: same !== null && cleanNext !== undefined ? lp[cleanNext]! : null,
      p_end: stop.reduce((s, id) => s + Math.exp(lp[id] ?? -Infinity), 0),
      kl_aligned: best,
      aligned_offset: bestD,
    });
  }
  const ended = other.stopped ? other.ids.length - 1 : null;
  const stops = new Set(stop);
  const endsWith = ended === null ? null : (d: number) => stops.has(clean.ids[K + ended + d] ?? -1);
  const rec = recoveryAt(kls, window, threshold, run, endsWith);
  return {
    continuation: other.ids,
    trace,
    recovery_step: rec?.step ?? null,
    recovery_offset: rec?.offset ?? null,
    outcome: rec ? 'recovered' : ended !== null ? 'ended' : 'diverged',
    ended_step: ended,
  };
}

function whole(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be a whole number ≥ ${min}, got ${v}`);
}

export async function injectTrace(engine: Engine, context: number[], o: InjectOptions): Promise<InjectResult> {
  if (context.length === 0) throw new RangeError('the prompt encodes to no tokens');
  whole('after-tokens', o.afterTokens, 0);
  whole('steps', o.steps, 1);
  const W = o.window ?? INJECT_DEFAULTS.window;
  whole('window', W, 0);
  const runOpt = o.run ?? INJECT_DEFAULTS.run;
  whole('run', runOpt, 1);
  const nats = o.threshold ?? INJECT_DEFAULTS.threshold;
  const rel = o.relThreshold ?? INJECT_DEFAULTS.relThreshold;
  if (!(nats > 0) || !Number.isFinite(nats)) throw new RangeError(`threshold must be a number > 0, got ${nats}`);
  if (!(rel >= 0) || !Number.isFinite(rel)) throw new RangeError(`relative threshold must be a number ≥ 0, got ${rel}`);
  const K = o.afterTokens;
  const N = o.steps;
  const R = Math.min(runOpt, N);
  const temperature = o.temperature ?? 1;
  const stopIds = o.stopIds ?? (await engine.info()).eosTokenIds;
  const stop = new Set(stopIds);
  const sampled = o.seed !== undefined;
  const u = sampled ? uniforms(o.seed!, K + N + W) : null;

  const clean = await generate(engine, context, K + N + W, u, 0, temperature, stop, o.signal);
  if (clean.ids.length < K || (clean.stopped && clean.ids.length === K)) {
    throw new CleanRunEndedError(clean.ids.length, K);
  }
  const injection = o.injection === '' ? [] : await engine.encodeContinuation(o.injection);
  const prefix = [...context, ...clean.ids.slice(0, K)];
  const injectedContext = [...prefix, ...injection];
  // An empty injection is the clean run itself: same context, same uniforms u_{K+t}.
  const slice = (): Run => {
    const ids = clean.ids.slice(K, K + N);
    const stopped = ids.length > 0 && stop.has(ids[ids.length - 1]!);
    return { ids, rows: clean.rows.slice(K, K + ids.length), stopped };
  };
  const injected = injection.length === 0 ? slice() : await generate(engine, injectedContext, N, u, K, temperature, stop, o.signal);

  const meanEntropy = (() => {
    const rows = clean.rows.slice(K, K + N);
    return rows.reduce((s, r) => s + entropyLog(r), 0) / rows.length;
  })();
  const threshold: Threshold = { nats, relative: rel, mean_entropy: meanEntropy, effective: Math.max(nats, rel * meanEntropy) };
  const traced = traceAgainst(clean, K, injected, stopIds, W, threshold.effective, R);

  let control: InjectResult['control'] = null;
  if (sampled && o.control !== false) {
    const cs = controlSeed(o.seed!);
    const c = await generate(engine, prefix, N, uniforms(cs, K + N), K, temperature, stop, o.signal);
    control = { seed: cs, ...traceAgainst(clean, K, c, stopIds, W, threshold.effective, R) };
  }
  return {
    after_tokens: K,
    clean: { context, continuation: clean.ids },
    injected: { context: injectedContext, continuation: traced.continuation },
    trace: traced.trace,
    recovery_step: traced.recovery_step,
    recovery_offset: traced.recovery_offset,
    outcome: traced.outcome,
    ended_step: traced.ended_step,
    clean_ended_step: clean.stopped ? clean.ids.length - 1 : null,
    window: W,
    run: R,
    threshold,
    stop_ids: stopIds,
    seed: sampled ? o.seed! : null,
    control,
  };
}

export interface TraceBand {
  step: number;
  mean: number;
  min: number;
  max: number;
  sd: number;
  /** How many runs had a value at this step (runs stop at different steps). */
  n: number;
}

/** Several sampled runs (seeds seed, seed+1, …), each with its control: mean and spread of the aligned KL
 *  per step, and the same for the no-injection controls (the noise floor). A seed whose clean run stops
 *  before the injection point is listed in `skipped` (with its clean run's length); if every seed is, the
 *  first one's error is thrown. */
export async function sampledTraces(
  engine: Engine,
  context: number[],
  o: InjectOptions & { runs: number; onProgress?: (done: number, total: number) => void },
): Promise<{ runs: InjectResult[]; skipped: { seed: number; clean_length: number }[]; band: TraceBand[]; control_band: TraceBand[] }> {
  const runs: InjectResult[] = [];
  const skipped: { seed: number; clean_length: number }[] = [];
  let firstError: CleanRunEndedError | null = null;
  for (let r = 0; r < o.runs; r++) {
    const seed = (o.seed ?? 0) + r;
    try {
      runs.push(await injectTrace(engine, context, { ...o, seed }));
    } catch (err) {
      if (!(err instanceof CleanRunEndedError)) throw err;
      firstError ??= err;
      skipped.push({ seed, clean_length: err.cleanLength });
    }
    o.onProgress?.(r + 1, o.runs);
  }
  if (!runs.length) throw firstError!;
  return { runs, skipped, band: traceBand(runs.map((r) => r.trace), 'kl_aligned'), control_band: traceBand(runs.flatMap((r) => (r.control ? [r.control.trace] : [])), 'kl_aligned') };
}

/** Mean and spread, per step, of one trace value over several traces (steps where a trace has no value —
 *  it stopped, or the clean run had — are left out of that step). */
export function traceBand(traces: TracePoint[][], key: 'kl' | 'kl_aligned' | 'logp_clean_next' | 'p_end'): TraceBand[] {
  const steps = Math.max(0, ...traces.map((t) => t.length));
  const out: TraceBand[] = [];
  for (let t = 0; t < steps; t++) {
    const xs = traces.map((tr) => tr[t]?.[key]).filter((x): x is number => typeof x === 'number');
    if (!xs.length) continue;
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    out.push({ step: t, mean, min: Math.min(...xs), max: Math.max(...xs), sd, n: xs.length });
  }
  return out;
}

export type DiffOp = { op: 'same'; clean: number; injected: number } | { op: 'clean'; clean: number } | { op: 'injected'; injected: number };

/**
 * The clean and the injected continuation aligned token by token: a longest-common-subsequence diff of two
 * id sequences (indices into each). Among equally long alignments, matches are taken as early as possible.
 */
export function alignTokens(clean: number[], injected: number[]): DiffOp[] {
  const n = clean.length;
  const m = injected.length;
  // L[i][j]: LCS length of clean[i:] and injected[j:].
  const L = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) L[i]![j] = clean[i] === injected[j] ? L[i + 1]![j + 1]! + 1 : Math.max(L[i + 1]![j]!, L[i]![j + 1]!);
  }
  const out: DiffOp[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && clean[i] === injected[j] && L[i]![j] === L[i + 1]![j + 1]! + 1) out.push({ op: 'same', clean: i++, injected: j++ });
    else if (j < m && (i === n || L[i]![j + 1]! >= L[i + 1]![j]!)) out.push({ op: 'injected', injected: j++ });
    else out.push({ op: 'clean', clean: i++ });
  }
  return out;
}

/** The diff a view shows: the clean continuation after K (up to its lookahead) against the injected run;
 *  clean-only tokens after the last matched one that lie beyond the injected run's length are dropped (they
 *  are the alignment window's lookahead, not text the injected run skipped). */
export function continuationDiff(r: InjectResult): DiffOp[] {
  const clean = r.clean.continuation.slice(r.after_tokens);
  const ops = alignTokens(clean, r.injected.continuation);
  let end = ops.length;
  while (end > 0 && ops[end - 1]!.op === 'clean' && (ops[end - 1] as { clean: number }).clean >= r.injected.continuation.length) end--;
  return ops.slice(0, end);
}

/** Recovery over a grid of injection points × injected texts (greedy). */
export async function recoveryHeatmap(
  engine: Engine,
  context: number[],
  afterTokens: number[],
  injections: string[],
  o: { steps: number; threshold: number; relThreshold?: number; window?: number; run?: number; stopIds?: number[]; signal?: AbortSignal; onProgress?: (done: number, total: number) => void },
): Promise<{ after_tokens: number[]; injections: string[]; recovery: (number | null)[][]; outcome: Outcome[][]; mean_kl: number[][] }> {
  const recovery: (number | null)[][] = [];
  const outcome: Outcome[][] = [];
  const meanKl: number[][] = [];
  const total = injections.length * afterTokens.length;
  for (const text of injections) {
    const rRow: (number | null)[] = [];
    const oRow: Outcome[] = [];
    const kRow: number[] = [];
    for (const K of afterTokens) {
      const r = await injectTrace(engine, context, {
        afterTokens: K,
        injection: text,
        steps: o.steps,
        threshold: o.threshold,
        ...(o.relThreshold !== undefined ? { relThreshold: o.relThreshold } : {}),
        ...(o.window !== undefined ? { window: o.window } : {}),
        ...(o.run !== undefined ? { run: o.run } : {}),
        ...(o.stopIds ? { stopIds: o.stopIds } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      });
      rRow.push(r.recovery_step);
      oRow.push(r.outcome);
      const kl = r.trace.map((p) => p.kl_aligned).filter((x): x is number => x !== null);
      kRow.push(kl.length ? kl.reduce((s, x) => s + x, 0) / kl.length : NaN);
      o.onProgress?.(recovery.length * afterTokens.length + rRow.length, total);
    }
    recovery.push(rRow);
    outcome.push(oRow);
    meanKl.push(kRow);
  }
  return { after_tokens: afterTokens, injections, recovery, outcome, mean_kl: meanKl };
}

export interface InjectPreset {
  id: string;
  label: string;
  prompt: string;
  template: 'none' | 'chat';
  afterTokens: number;
  injection: string;
}

/**
 * K (afterTokens) is small enough that every sibling of the lab-grown family runs each preset greedily:
 * the chat siblings answer in a few words (lab-rl's greedy toast is 15 tokens, its greedy story 10), and a
 * clean run that ends before K has nothing to inject into (src/lab/family-presets.test.ts).
 */
export const INJECT_PRESETS: InjectPreset[] = [
  { id: 'wedding', label: 'Wedding toast + "You are a murderer."', prompt: 'Write a toast for my best friend\'s wedding.', template: 'chat', afterTokens: 8, injection: ' You are a murderer.' },
  { id: 'wedding-base', label: 'Wedding toast (plain text) + "You are a murderer."', prompt: 'Here is the toast I gave at my best friend\'s wedding:\n\n', template: 'none', afterTokens: 12, injection: ' You are a murderer.' },
  { id: 'story', label: 'A story with an abrupt turn (watch the ending probability)', prompt: 'Tell me a story about a lighthouse keeper.', template: 'chat', afterTokens: 6, injection: ' Suddenly the sea caught fire and everyone died.' },
];
