/**
 * Injection-recovery traces: inject text mid-generation and watch the model pull back to its attractor.
 *
 * The clean run continues the context for K + N tokens. The injected run continues from
 * context + the first K clean tokens + the injection. trace[t] compares the injected run after t of its
 * own tokens with the clean run after K + t tokens: KL(injected ‖ clean) between their next-token
 * distributions, and the log-probability, under the injected context, of the clean run's next token.
 * The recovery step is the first step from which KL stays below a threshold.
 */
import { LabAbortError } from '../engine/errors';
import type { Engine } from '../engine/types';
import { klDivergence, logSoftmax, processedProbs, sampleIndex, seededRandom, topK } from './distributions';

export interface TracePoint {
  step: number;
  kl: number;
  logp_clean_next: number;
  /** Probability of end-of-text (the model's EOS ids) in the injected run's distribution. */
  p_end: number;
}

export interface InjectResult {
  after_tokens: number;
  clean: { context: number[]; continuation: number[] };
  injected: { context: number[]; continuation: number[] };
  trace: TracePoint[];
  recovery_step: number | null;
}

export interface InjectOptions {
  afterTokens: number;
  injection: string;
  steps: number;
  threshold?: number;
  /** Sampled when given (temperature 1 unless `temperature`), greedy otherwise. */
  seed?: number;
  temperature?: number;
  /** Extra token ids whose probability counts as "ending" (default: the model's EOS ids). */
  endIds?: number[];
  /** Checked before every engine call; aborting throws LabAbortError. */
  signal?: AbortSignal;
}

/** First step from which every later value stays below the threshold, or null. */
export function recoveryStep(kls: number[], threshold: number): number | null {
  let at: number | null = null;
  for (let t = kls.length - 1; t >= 0; t--) {
    if (kls[t]! < threshold) at = t;
    else break;
  }
  return at;
}

function pick(logits: Float32Array, random: (() => number) | null, temperature: number): number {
  if (!random) return topK(logits, 1)[0]!;
  return sampleIndex(processedProbs(logits, { temperature, topK: 0, topP: 1, minP: 0 }), random());
}

/** Continue `context` for `n` tokens, returning the tokens and the logits before each of them
 *  (n + 1 rows: the last row is the distribution after the final token). */
async function run(engine: Engine, context: number[], n: number, random: (() => number) | null, temperature: number, signal?: AbortSignal): Promise<{ ids: number[]; rows: Float32Array[] }> {
  if (signal?.aborted) throw new LabAbortError('injection');
  const { seq, logits } = await engine.createSequence(context);
  const rows = [logits.data];
  const ids: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      if (signal?.aborted) throw new LabAbortError('injection');
      const id = pick(rows[i]!, random, temperature);
      ids.push(id);
      rows.push((await engine.step(seq, [id])).data);
    }
  } finally {
    await engine.release(seq);
  }
  return { ids, rows };
}

export async function injectTrace(engine: Engine, context: number[], o: InjectOptions): Promise<InjectResult> {
  if (context.length === 0) throw new RangeError('the prompt encodes to no tokens');
  if (!Number.isInteger(o.afterTokens) || o.afterTokens < 0) throw new RangeError(`after-tokens must be a whole number ≥ 0, got ${o.afterTokens}`);
  if (!Number.isInteger(o.steps) || o.steps < 1) throw new RangeError(`steps must be ≥ 1, got ${o.steps}`);
  const K = o.afterTokens;
  const N = o.steps;
  const temperature = o.temperature ?? 1;
  const threshold = o.threshold ?? 0.1;
  const endIds = o.endIds ?? (await engine.info()).eosTokenIds;
  const sampled = o.seed !== undefined;
  // The clean run's randomness and the injected run's are separate streams of the same seed.
  const clean = await run(engine, context, K + N, sampled ? seededRandom(o.seed!) : null, temperature, o.signal);
  const injection = o.injection === '' ? [] : await engine.encodeContinuation(o.injection);
  const injectedContext = [...context, ...clean.ids.slice(0, K), ...injection];
  let injected: { ids: number[]; rows: Float32Array[] };
  if (injection.length === 0 && !sampled) {
    injected = { ids: clean.ids.slice(K, K + N), rows: clean.rows.slice(K, K + N + 1) };
  } else {
    injected = await run(engine, injectedContext, N, sampled ? seededRandom((o.seed! ^ 0x5bd1e995) >>> 0) : null, temperature, o.signal);
  }
  const trace: TracePoint[] = [];
  for (let t = 0; t < N; t++) {
    const inj = injected.rows[t]!;
    const cl = clean.rows[K + t]!;
    const lp = logSoftmax(inj);
    trace.push({
      step: t,
      kl: klDivergence(inj, cl),
      logp_clean_next: lp[clean.ids[K + t]!]!,
      p_end: endIds.reduce((s, id) => s + Math.exp(lp[id] ?? -Infinity), 0),
    });
  }
  return {
    after_tokens: K,
    clean: { context, continuation: clean.ids },
    injected: { context: injectedContext, continuation: injected.ids },
    trace,
    recovery_step: recoveryStep(trace.map((p) => p.kl), threshold),
  };
}

export interface TraceBand {
  step: number;
  mean: number;
  min: number;
  max: number;
  sd: number;
}

/** Several sampled injected continuations (seeds seed, seed+1, …): mean and spread of KL per step. */
export async function sampledTraces(
  engine: Engine,
  context: number[],
  o: InjectOptions & { runs: number; onProgress?: (done: number, total: number) => void },
): Promise<{ runs: InjectResult[]; band: TraceBand[] }> {
  const runs: InjectResult[] = [];
  for (let r = 0; r < o.runs; r++) {
    runs.push(await injectTrace(engine, context, { ...o, seed: (o.seed ?? 0) + r }));
    o.onProgress?.(r + 1, o.runs);
  }
  return { runs, band: traceBand(runs, 'kl') };
}

/** Mean and spread, per step, of one trace value over several runs. */
export function traceBand(runs: InjectResult[], key: 'kl' | 'logp_clean_next' | 'p_end'): TraceBand[] {
  if (!runs.length) return [];
  const steps = Math.min(...runs.map((r) => r.trace.length));
  return Array.from({ length: steps }, (_, t) => {
    const xs = runs.map((r) => r.trace[t]![key]);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    return { step: t, mean, min: Math.min(...xs), max: Math.max(...xs), sd };
  });
}

/** Recovery over a grid of injection points × injected texts (greedy). */
export async function recoveryHeatmap(
  engine: Engine,
  context: number[],
  afterTokens: number[],
  injections: string[],
  o: { steps: number; threshold: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void },
): Promise<{ after_tokens: number[]; injections: string[]; recovery: (number | null)[][]; mean_kl: number[][] }> {
  const recovery: (number | null)[][] = [];
  const meanKl: number[][] = [];
  const total = injections.length * afterTokens.length;
  for (const text of injections) {
    const rRow: (number | null)[] = [];
    const kRow: number[] = [];
    for (const K of afterTokens) {
      const r = await injectTrace(engine, context, { afterTokens: K, injection: text, steps: o.steps, threshold: o.threshold, ...(o.signal ? { signal: o.signal } : {}) });
      rRow.push(r.recovery_step);
      kRow.push(r.trace.reduce((s, p) => s + p.kl, 0) / r.trace.length);
      o.onProgress?.(recovery.length * afterTokens.length + rRow.length, total);
    }
    recovery.push(rRow);
    meanKl.push(kRow);
  }
  return { after_tokens: afterTokens, injections, recovery, mean_kl: meanKl };
}

export interface InjectPreset {
  id: string;
  label: string;
  prompt: string;
  template: 'none' | 'chat';
  afterTokens: number;
  injection: string;
}

export const INJECT_PRESETS: InjectPreset[] = [
  { id: 'wedding', label: 'Wedding toast + "You are a murderer."', prompt: 'Write a toast for my best friend\'s wedding.', template: 'chat', afterTokens: 12, injection: ' You are a murderer.' },
  { id: 'wedding-base', label: 'Wedding toast (plain text) + "You are a murderer."', prompt: 'Here is the toast I gave at my best friend\'s wedding:\n\n', template: 'none', afterTokens: 12, injection: ' You are a murderer.' },
  { id: 'story', label: 'A story with an abrupt turn (watch the ending probability)', prompt: 'Tell me a story about a lighthouse keeper.', template: 'chat', afterTokens: 16, injection: ' Suddenly the sea caught fire and everyone died.' },
];
