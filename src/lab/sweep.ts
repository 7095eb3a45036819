/**
 * Temperature sweeps: how much does heat undo collapse?
 *
 * Exact (no sampling): the entropy of the tempered next-token distribution at the first position and
 * along a reference continuation, and the mass of the top-1 / top-5 tokens, as functions of T.
 * Sampled: N completions per temperature, generated as ONE batch (the prompt prefilled once, forked N
 * times, then one batched forward per step), each sample with its own seeded random stream.
 */
import { LabAbortError } from '../engine/errors';
import type { Engine } from '../engine/types';
import { entropy, logProbAt, logSoftmax, processedProbs, row, sampleIndex, seededRandom, softmax, topK, truncateProbs, type SamplingSettings } from './distributions';

export interface ExactPoint {
  temperature: number;
  /** Entropy (nats) of the tempered next-token distribution after the prompt. */
  entropy_first: number;
  top1_mass: number;
  top5_mass: number;
  /** Entropy at each position of the reference continuation (same temperature). */
  entropy_along: number[];
  /** Mean of `entropy_along` (0 for an empty reference). */
  entropy_along_mean: number;
}

export interface ExactCurves {
  context: number[];
  reference: number[];
  points: ExactPoint[];
  /** Raw logits of the first position (the distribution right after the prompt). */
  first: Float32Array;
}

/** Exact curves from one teacher-forced pass over context + reference continuation. */
export async function exactCurves(engine: Engine, context: number[], reference: number[], temperatures: number[]): Promise<ExactCurves> {
  if (context.length === 0) throw new RangeError('the prompt encodes to no tokens');
  for (const t of temperatures) if (!(t >= 0)) throw new RangeError(`temperatures must be ≥ 0, got ${t}`);
  const out = await engine.score([...context, ...reference]);
  const V = out.dims[1]!;
  const rows = Array.from({ length: reference.length + 1 }, (_, k) => row(out.data, context.length - 1 + k, V));
  const first = rows[0]!;
  const order = topK(first, 5);
  const points = temperatures.map((temperature) => {
    // T = 0 is greedy: a point mass on the arg-max.
    if (temperature === 0) return { temperature, entropy_first: 0, top1_mass: 1, top5_mass: 1, entropy_along: reference.map(() => 0), entropy_along_mean: 0 };
    const p = softmax(first, temperature);
    const along = rows.slice(0, reference.length).map((r) => entropy(r, temperature));
    return {
      temperature,
      entropy_first: entropy(first, temperature),
      top1_mass: p[order[0]!]!,
      top5_mass: order.reduce((s, i) => s + p[i]!, 0),
      entropy_along: along,
      entropy_along_mean: along.length ? along.reduce((a, b) => a + b, 0) / along.length : 0,
    };
  });
  return { context, reference, points, first: Float32Array.from(first) };
}

/** The temperature at which `logits` reach entropy `target` (bisection; entropy grows with T), or null
 *  when the target is outside [H(Tmin), H(Tmax)]. */
export function temperatureForEntropy(logits: Float32Array, target: number, tMin: number, tMax: number): number | null {
  const h = (t: number) => entropy(logits, t);
  if (h(tMax) < target || h(tMin) > target) return null;
  let lo = tMin;
  let hi = tMax;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (h(mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Mean entropy (nats) of `rows` tempered at T (every position counts once). */
export function meanEntropyAt(rows: Float32Array[], temperature: number): number {
  if (rows.length === 0) return 0;
  if (temperature === 0) return 0;
  let s = 0;
  for (const r of rows) s += entropy(r, temperature);
  return s / rows.length;
}

/** Each model's own answers: N samples at T = 1 after the context, and the logits rows at every sampled
 *  position (one teacher-forced pass per sample), for exact re-tempering along the answers. */
export interface OwnAnswers {
  samples: number[][];
  rows: Float32Array[];
}

/** Temperature index of the matching-temperature samples in `sampleSeed` (apart from a sweep's runs). */
export const OWN_ANSWERS_T_INDEX = -2;

export async function ownAnswers(engine: Engine, context: number[], o: { samples: number; maxTokens: number; seed: number; signal?: AbortSignal }): Promise<OwnAnswers> {
  const r = await sampleBatch(engine, context, 1, OWN_ANSWERS_T_INDEX, { samples: o.samples, maxTokens: o.maxTokens, seed: o.seed, ...(o.signal ? { signal: o.signal } : {}) });
  const rows: Float32Array[] = [];
  for (const ids of r.samples) {
    if (ids.length === 0) continue;
    const out = await engine.score([...context, ...ids]);
    const V = out.dims[1]!;
    for (let k = 0; k < ids.length; k++) rows.push(out.data.slice((context.length - 1 + k) * V, (context.length + k) * V));
  }
  return { samples: r.samples, rows };
}

/**
 * The matching temperature over the answer's positions: the target is the base model's mean entropy at
 * `baseT` over every position of its own answers (samples at T = 1); the result is the temperature at
 * which the tuned model's mean entropy over the positions of ITS own answers (samples at T = 1, re-tempered
 * exactly) reaches it, by bisection (each entropy grows with T, so the mean does), or null when the target
 * is outside [H(tMin), H(tMax)].
 */
export function matchingTemperatureAlong(baseRows: Float32Array[], tunedRows: Float32Array[], tMin: number, tMax: number, baseT = 1): { target: number; temperature: number | null; positions: { base: number; tuned: number } } {
  const target = meanEntropyAt(baseRows, baseT);
  const positions = { base: baseRows.length, tuned: tunedRows.length };
  const h = (t: number) => meanEntropyAt(tunedRows, t);
  if (tunedRows.length === 0 || baseRows.length === 0 || h(tMax) < target || h(tMin) > target) return { target, temperature: null, positions };
  let lo = tMin;
  let hi = tMax;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (h(mid) < target) lo = mid;
    else hi = mid;
  }
  return { target, temperature: (lo + hi) / 2, positions };
}

/** First position only (kept for the first-position chart): "How hot must the tuned model run to be as
 *  uncertain as the base at T = `baseT`?": the entropy of
 *  the base model's first-position distribution at `baseT` (the target), and the temperature in
 *  [tMin, tMax] at which the tuned model's first-position entropy reaches it (null when it never does). */
export function matchingTemperature(baseFirst: Float32Array, tunedFirst: Float32Array, tMin: number, tMax: number, baseT = 1): { target: number; temperature: number | null } {
  const target = entropy(baseFirst, baseT);
  return { target, temperature: temperatureForEntropy(tunedFirst, target, tMin, tMax) };
}

export interface SweepSample {
  ids: number[];
  text: string;
}

export interface SweepMetrics {
  /** Mean entropy (nats) of the distribution the sampler drew from (tempered), over all sampled steps. */
  mean_entropy: number;
  /** Distinct unigrams / all unigrams (token level), over all samples. */
  distinct_1: number;
  distinct_2: number;
  /** Distinct completions / samples. */
  unique_fraction: number;
  /** Mean log-probability of the sampled tokens under the model at T = 1. */
  mean_logprob: number;
}

export interface SweepRun {
  temperature: number;
  samples: SweepSample[];
  metrics: SweepMetrics;
}

export interface SampleOptions {
  samples: number;
  maxTokens: number;
  seed: number;
  sampling?: Omit<SamplingSettings, 'temperature'>;
  stopIds?: number[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Seed of sample i at temperature index j: reproducible and independent of the batch layout. */
export function sampleSeed(seed: number, tIndex: number, i: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const x of [tIndex, i]) {
    h = Math.imul(h ^ (x + 0x7f4a7c15), 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
  }
  return h >>> 0;
}

/** N samples at one temperature, as one batch sharing the prefilled prompt. */
export async function sampleBatch(engine: Engine, context: number[], temperature: number, tIndex: number, o: SampleOptions): Promise<{ samples: number[][]; entropies: number[][]; logps: number[][] }> {
  if (!(temperature >= 0)) throw new RangeError(`temperature must be ≥ 0, got ${temperature}`);
  const stop = new Set(o.stopIds ?? (await engine.info()).eosTokenIds);
  const settings: SamplingSettings = { topK: 0, topP: 1, minP: 0, ...o.sampling, temperature };
  const n = o.samples;
  const randoms = Array.from({ length: n }, (_, i) => seededRandom(sampleSeed(o.seed, tIndex, i)));
  const samples: number[][] = Array.from({ length: n }, () => []);
  const entropies: number[][] = Array.from({ length: n }, () => []);
  const logps: number[][] = Array.from({ length: n }, () => []);
  const done = new Array<boolean>(n).fill(false);
  const { seq: root, logits: first } = await engine.createSequence(context);
  const V = first.dims[1]!;
  const seqs = [root];
  try {
    for (let i = 1; i < n; i++) seqs.push(await engine.fork(root));
    let block = first.data;
    let shared = true; // every row still has the root's logits
    // One tempered log-softmax per row gives the sampling distribution, its entropy and (at T = 1) the
    // sampled token's log-probability: the same numbers as processedProbs, entropy and logSoftmax, with
    // one pass over the vocabulary instead of five (at 49k tokens × 32 rows this was a third of a step).
    const analyse = (logits: Float32Array): { probs: Float64Array; entropy: number; lp: Float64Array | null } => {
      if (temperature === 0) return { probs: processedProbs(logits, settings), entropy: 0, lp: null };
      const lp = logSoftmax(logits, temperature);
      const probs = new Float64Array(lp.length);
      let h = 0;
      for (let k = 0; k < lp.length; k++) {
        const l = lp[k]!;
        const p = Math.exp(l);
        probs[k] = p;
        if (l > -Infinity) h -= p * l;
      }
      return { probs: truncateProbs(probs, settings), entropy: h, lp: temperature === 1 ? lp : null };
    };
    for (let step = 0; step < o.maxTokens; step++) {
      if (o.signal?.aborted) throw new LabAbortError('sampling');
      const next: number[] = [];
      const sharedRow = shared ? analyse(block) : null; // the root's logits: analysed once for every row
      for (let i = 0; i < n; i++) {
        const logits = shared ? block : row(block, i, V);
        if (done[i]) {
          next.push(samples[i]!.at(-1) ?? 0);
          continue;
        }
        const a = sharedRow ?? analyse(logits);
        const id = sampleIndex(a.probs, randoms[i]!());
        samples[i]!.push(id);
        entropies[i]!.push(a.entropy);
        logps[i]!.push(a.lp ? a.lp[id]! : logProbAt(logits, id));
        if (stop.has(id)) done[i] = true;
        next.push(id);
      }
      if (done.every(Boolean) || step === o.maxTokens - 1) break;
      // Finished rows ride along (their output is ignored) so the batch keeps one KV block.
      block = (await engine.stepBatch(seqs, next.map((id) => [id]))).data;
      shared = false;
    }
  } finally {
    for (const s of seqs) await engine.release(s);
  }
  return { samples, entropies, logps };
}

export function distinctN(samples: number[][], n: number): number {
  const seen = new Set<string>();
  let total = 0;
  for (const s of samples) {
    for (let i = 0; i + n <= s.length; i++) {
      seen.add(s.slice(i, i + n).join(','));
      total++;
    }
  }
  return total ? seen.size / total : 0;
}

export function sweepMetrics(samples: number[][], entropies: number[][], logps: number[][]): SweepMetrics {
  const flatH = entropies.flat();
  const flatL = logps.flat();
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  return {
    mean_entropy: mean(flatH),
    distinct_1: distinctN(samples, 1),
    distinct_2: distinctN(samples, 2),
    unique_fraction: samples.length ? new Set(samples.map((s) => s.join(','))).size / samples.length : 0,
    mean_logprob: mean(flatL),
  };
}

/** Group completions into answers: by a user regex (first capture group, else the match), or by their
 *  first words, lower-cased, punctuation stripped. */
export function answerKey(text: string, options: { regex?: RegExp; words?: number } = {}): string {
  if (options.regex) {
    const m = options.regex.exec(text);
    if (!m) return '(no match)';
    return (m[1] ?? m[0]).trim();
  }
  const words = text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s']/gu, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, options.words ?? 3);
  return words.length ? words.join(' ') : '(empty)';
}

export function histogram(texts: string[], options: { regex?: RegExp; words?: number } = {}): { answer: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const t of texts) {
    const k = answerKey(t, options);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].map(([answer, count]) => ({ answer, count })).sort((a, b) => b.count - a.count || a.answer.localeCompare(b.answer));
}

export interface SweepResult {
  context: number[];
  exact: ExactPoint[];
  runs: SweepRun[];
}

/** A whole sweep for one model: exact curves along `reference` (default: greedy continuation) and
 *  sampled runs at each temperature. */
export async function sweep(engine: Engine, context: number[], temperatures: number[], o: SampleOptions & { reference?: number[] }): Promise<SweepResult> {
  let reference = o.reference;
  if (!reference) {
    const greedy = await sampleBatch(engine, context, 0, -1, { ...o, samples: 1 });
    reference = greedy.samples[0]!;
  }
  const exact = await exactCurves(engine, context, reference, temperatures);
  const runs: SweepRun[] = [];
  for (let j = 0; j < temperatures.length; j++) {
    const t = temperatures[j]!;
    const r = await sampleBatch(engine, context, t, j, o);
    const samples = await Promise.all(r.samples.map(async (ids) => ({ ids, text: await engine.decode(ids, { skipSpecial: true }) })));
    runs.push({ temperature: t, samples, metrics: sweepMetrics(r.samples, r.entropies, r.logps) });
    o.onProgress?.(j + 1, temperatures.length);
  }
  return { context, exact: exact.points, runs };
}

/**
 * Temperatures: a list (`0.5,1,1.5`) or a range `a..b step s` (also `a..b:s`), ends included. A spec
 * that would give more than `max` temperatures is refused (RangeError naming the count), never cut.
 */
export function parseTemperatures(spec: string, max = 1000): number[] {
  const range = /^\s*([\d.]+)\s*\.\.\s*([\d.]+)\s*(?:step|:)\s*([\d.]+)\s*$/.exec(spec);
  let ts: number[];
  if (range) {
    const [a, b, s] = [Number(range[1]), Number(range[2]), Number(range[3])];
    if (![a, b, s].every(Number.isFinite) || !(s > 0) || b < a) throw new RangeError(`bad temperature range ${spec}: write a..b step s with a ≤ b and s > 0`);
    const count = Math.floor((b - a) / s + 1e-9) + 1;
    if (count > max) throw new RangeError(`the range ${spec.trim()} has ${count} temperatures; at most ${max} (use a larger step)`);
    ts = Array.from({ length: count }, (_, i) => Math.round((a + i * s) * 1e6) / 1e6);
  } else ts = spec.split(',').map((x) => (x.trim() === '' ? NaN : Number(x.trim())));
  if (ts.length === 0 || ts.some((t) => !Number.isFinite(t) || t < 0)) throw new RangeError(`temperatures must be numbers ≥ 0, got "${spec}"`);
  if (ts.length > max) throw new RangeError(`${ts.length} temperatures given; at most ${max}`);
  return ts;
}
