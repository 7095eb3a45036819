/**
 * Distributions over the vocabulary, computed from raw logits. No DOM; float64 accumulation.
 *
 * The engine only ever returns raw logits. Temperature, truncation (top-k, top-p, min-p) and sampling
 * live here, so the UI can show the raw and the processed distribution side by side.
 */

export type Vector = Float32Array | Float64Array | number[];

/** Row `i` of a row-major `[rows, vocab]` logits buffer, without copying. */
export function row(data: Float32Array, i: number, vocab: number): Float32Array {
  return data.subarray(i * vocab, (i + 1) * vocab);
}

function maxOf(x: Vector): number {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i]! > m) m = x[i]!;
  return m;
}

/** log-softmax of `logits / temperature`, in float64. */
export function logSoftmax(logits: Vector, temperature = 1): Float64Array {
  if (!(temperature > 0)) throw new RangeError(`temperature must be > 0, got ${temperature}`);
  const n = logits.length;
  const out = new Float64Array(n);
  const m = maxOf(logits) / temperature;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const z = logits[i]! / temperature - m;
    out[i] = z;
    sum += Math.exp(z);
  }
  const lse = Math.log(sum);
  for (let i = 0; i < n; i++) out[i] = out[i]! - lse;
  return out;
}

/** log-softmax of `logits` (temperature 1) at one index, without allocating the whole vector; the same
 *  arithmetic as `logSoftmax(logits)[id]`, so the same number. */
export function logProbAt(logits: Vector, id: number): number {
  const n = logits.length;
  const m = maxOf(logits) / 1;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(logits[i]! / 1 - m);
  return logits[id]! / 1 - m - Math.log(sum);
}

/** softmax of `logits / temperature`, in float64. */
export function softmax(logits: Vector, temperature = 1): Float64Array {
  const lp = logSoftmax(logits, temperature);
  for (let i = 0; i < lp.length; i++) lp[i] = Math.exp(lp[i]!);
  return lp;
}

/** Shannon entropy in nats of a probability vector (zeros contribute nothing). */
export function entropyOfProbs(probs: Vector): number {
  let h = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    if (p > 0) h -= p * Math.log(p);
  }
  return h;
}

/** Entropy in nats of softmax(logits / temperature). */
export function entropy(logits: Vector, temperature = 1): number {
  const lp = logSoftmax(logits, temperature);
  let h = 0;
  for (let i = 0; i < lp.length; i++) {
    const l = lp[i]!;
    if (l > -Infinity) h -= Math.exp(l) * l;
  }
  return h;
}

/** KL(p ‖ q) in nats for two logit vectors over the same vocabulary. */
export function klDivergence(pLogits: Vector, qLogits: Vector, temperature = 1): number {
  if (pLogits.length !== qLogits.length) {
    throw new RangeError(`vocabulary sizes differ: ${pLogits.length} vs ${qLogits.length}`);
  }
  const lp = logSoftmax(pLogits, temperature);
  const lq = logSoftmax(qLogits, temperature);
  let kl = 0;
  for (let i = 0; i < lp.length; i++) {
    const p = Math.exp(lp[i]!);
    if (p > 0) kl += p * (lp[i]! - lq[i]!);
  }
  return Math.max(0, kl);
}

/** Indices of the `k` largest values, largest first (ties: lower index first). */
export function topK(values: Vector, k: number): number[] {
  const n = values.length;
  k = Math.max(0, Math.min(k, n));
  if (k === 0) return [];
  // Keep a sorted buffer of the k best; O(n log k) comparisons in the worst case, O(n) typically.
  const idx: number[] = [];
  let threshold = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (idx.length === k && !(v > threshold)) continue;
    let lo = 0;
    let hi = idx.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[idx[mid]!]! >= v) lo = mid + 1;
      else hi = mid;
    }
    idx.splice(lo, 0, i);
    if (idx.length > k) idx.pop();
    if (idx.length === k) threshold = values[idx[k - 1]!]!;
  }
  return idx;
}

/** 1-based rank of `id` (1 = most likely). Ties count in the token's favour. */
export function rankOf(values: Vector, id: number): number {
  const v = values[id]!;
  let greater = 0;
  for (let i = 0; i < values.length; i++) if (values[i]! > v) greater++;
  return greater + 1;
}

export interface SamplingSettings {
  temperature: number;
  /** 0 = off. */
  topK: number;
  /** 1 = off. */
  topP: number;
  /** 0 = off. Keep tokens with p ≥ minP · p_max. */
  minP: number;
}

export const DEFAULT_SAMPLING: SamplingSettings = { temperature: 1, topK: 0, topP: 1, minP: 0 };

/**
 * The processed distribution a sampler draws from: softmax at the temperature, then top-k, top-p and
 * min-p truncation (in that order, as in Hugging Face's logits processors), renormalised.
 * Temperature 0 means greedy: all mass on the arg-max.
 */
export function processedProbs(logits: Vector, s: SamplingSettings): Float64Array {
  const n = logits.length;
  if (s.temperature === 0) {
    const out = new Float64Array(n);
    out[topK(logits, 1)[0]!] = 1;
    return out;
  }
  return truncateProbs(softmax(logits, s.temperature), s);
}

/** The truncation part of `processedProbs` (top-k, top-p, min-p, renormalised), in place on `probs`, a
 *  softmax already tempered (so a caller that needs the log-probabilities too computes them once). */
export function truncateProbs(probs: Float64Array, s: SamplingSettings): Float64Array {
  const n = probs.length;
  const keep = new Uint8Array(n).fill(1);
  if (s.topK > 0 && s.topK < n) {
    const kth = probs[topK(probs, s.topK)[s.topK - 1]!]!;
    for (let i = 0; i < n; i++) if (probs[i]! < kth) keep[i] = 0;
  }
  if (s.topP < 1) {
    const order = Array.from({ length: n }, (_, i) => i)
      .filter((i) => keep[i])
      .sort((a, b) => probs[b]! - probs[a]! || a - b);
    let cum = 0;
    let cut = order.length;
    for (let j = 0; j < order.length; j++) {
      cum += probs[order[j]!]!;
      if (cum >= s.topP) {
        cut = j + 1;
        break;
      }
    }
    for (let j = cut; j < order.length; j++) keep[order[j]!] = 0;
  }
  if (s.minP > 0) {
    let pmax = 0;
    for (let i = 0; i < n; i++) if (keep[i] && probs[i]! > pmax) pmax = probs[i]!;
    for (let i = 0; i < n; i++) if (probs[i]! < s.minP * pmax) keep[i] = 0;
  }
  let total = 0;
  for (let i = 0; i < n; i++) if (keep[i]) total += probs[i]!;
  for (let i = 0; i < n; i++) probs[i] = keep[i] ? probs[i]! / total : 0;
  return probs;
}

/** Draw an index from a probability vector with a uniform number u in [0, 1). */
export function sampleIndex(probs: Vector, u: number): number {
  let cum = 0;
  let last = -1;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    if (p <= 0) continue;
    cum += p;
    last = i;
    if (u < cum) return i;
  }
  return last;
}

/** A small, fast, seedable PRNG (mulberry32). Same seed → same sequence, on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RankedToken {
  id: number;
  logit: number;
  prob: number;
  logprob: number;
}

/** Summary of one next-token distribution at temperature 1: top-k with probabilities, entropy, and
 *  the mass outside the listed tokens. */
export interface DistributionSummary {
  entropy: number;
  top: RankedToken[];
  massOutside: number;
}

export function summarize(logits: Vector, k: number): DistributionSummary {
  const lp = logSoftmax(logits);
  const ids = topK(logits, k);
  let listed = 0;
  const top = ids.map((id) => {
    const prob = Math.exp(lp[id]!);
    listed += prob;
    return { id, logit: logits[id]!, prob, logprob: lp[id]! };
  });
  let h = 0;
  for (let i = 0; i < lp.length; i++) if (lp[i]! > -Infinity) h -= Math.exp(lp[i]!) * lp[i]!;
  return { entropy: h, top, massOutside: Math.max(0, 1 - listed) };
}
