import { describe, expect, it } from 'vitest';
import {
  entropy,
  entropyOfProbs,
  klDivergence,
  logProbAt,
  logSoftmax,
  processedProbs,
  rankOf,
  sampleIndex,
  seededRandom,
  softmax,
  summarize,
  topK,
  truncateProbs,
} from './distributions';

/** Independent reference: the textbook formulas with no max-shift, in plain numbers. */
function naiveSoftmax(x: number[], t = 1): number[] {
  const e = x.map((v) => Math.exp(v / t));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe('softmax and log-softmax', () => {
  it('match hand-computed values', () => {
    const p = softmax([0, Math.log(2), Math.log(3)]);
    expect(p[0]).toBeCloseTo(1 / 6, 12);
    expect(p[1]).toBeCloseTo(2 / 6, 12);
    expect(p[2]).toBeCloseTo(3 / 6, 12);
  });
  it('match the naive formula on random logits at several temperatures', () => {
    const rnd = seededRandom(7);
    const x = Array.from({ length: 200 }, () => (rnd() - 0.5) * 20);
    for (const t of [0.25, 0.7, 1, 1.5, 3]) {
      const ref = naiveSoftmax(x, t);
      const got = softmax(x, t);
      const lp = logSoftmax(x, t);
      ref.forEach((r, i) => {
        expect(got[i]).toBeCloseTo(r, 12);
        expect(lp[i]).toBeCloseTo(Math.log(r), 9);
      });
    }
  });
  it('is stable for huge logits where the naive formula overflows', () => {
    const p = softmax([1000, 1000, 999]);
    const e = Math.exp(-1);
    expect(p[0]).toBeCloseTo(1 / (2 + e), 12);
    expect(p[2]).toBeCloseTo(e / (2 + e), 12);
  });
  it('rejects non-positive temperatures', () => {
    expect(() => softmax([1, 2], 0)).toThrow(RangeError);
  });
});

describe('entropy', () => {
  it('is ln n for a uniform distribution and 0 for a point mass', () => {
    expect(entropy(new Float32Array(4096))).toBeCloseTo(Math.log(4096), 10);
    expect(entropy([0, -1e30, -1e30])).toBeCloseTo(0, 12);
  });
  it('matches -Σ p ln p computed independently', () => {
    const x = [1.5, -0.2, 3.1, 0, 0.7];
    const ref = -naiveSoftmax(x).reduce((h, p) => h + p * Math.log(p), 0);
    expect(entropy(x)).toBeCloseTo(ref, 12);
    expect(entropyOfProbs(naiveSoftmax(x))).toBeCloseTo(ref, 12);
  });
  it('grows with temperature', () => {
    const x = [2, 1, 0.5, -1, -3];
    const hs = [0.3, 0.6, 1, 1.5, 2.5].map((t) => entropy(x, t));
    for (let i = 1; i < hs.length; i++) expect(hs[i]!).toBeGreaterThan(hs[i - 1]!);
  });
});

describe('KL divergence', () => {
  it('is 0 for identical distributions and matches Σ p ln(p/q)', () => {
    const p = [0.3, 1.2, -0.5];
    const q = [1.0, 0.1, 0.4];
    expect(klDivergence(p, p)).toBe(0);
    const pp = naiveSoftmax(p);
    const qq = naiveSoftmax(q);
    const ref = pp.reduce((s, v, i) => s + v * Math.log(v / qq[i]!), 0);
    expect(klDivergence(p, q)).toBeCloseTo(ref, 12);
    expect(klDivergence(p, q)).not.toBeCloseTo(klDivergence(q, p), 6);
  });
});

describe('ranking', () => {
  it('topK returns the largest first and breaks ties by index', () => {
    expect(topK([1, 5, 3, 5, 2], 3)).toEqual([1, 3, 2]);
    expect(topK([1, 2], 5)).toEqual([1, 0]);
    const rnd = seededRandom(3);
    const x = Float32Array.from({ length: 5000 }, () => rnd());
    const sorted = Array.from(x.keys()).sort((a, b) => x[b]! - x[a]! || a - b);
    expect(topK(x, 50)).toEqual(sorted.slice(0, 50));
  });
  it('rankOf is 1-based', () => {
    expect(rankOf([0.1, 0.9, 0.5], 1)).toBe(1);
    expect(rankOf([0.1, 0.9, 0.5], 0)).toBe(3);
  });
  it('summarize reports the mass outside the list', () => {
    const x = [0, Math.log(2), Math.log(3), Math.log(4)];
    const s = summarize(x, 2);
    expect(s.top.map((t) => t.id)).toEqual([3, 2]);
    expect(s.top[0]!.prob).toBeCloseTo(0.4, 12);
    expect(s.massOutside).toBeCloseTo(0.3, 12);
  });
});

describe('processed distribution and sampling', () => {
  const x = [Math.log(0.5), Math.log(0.25), Math.log(0.15), Math.log(0.1)];
  it('top-k keeps k tokens, renormalised', () => {
    const p = processedProbs(x, { temperature: 1, topK: 2, topP: 1, minP: 0 });
    expect(Array.from(p)).toEqual([expect.closeTo(2 / 3, 12), expect.closeTo(1 / 3, 12), 0, 0]);
  });
  it('top-p keeps the smallest set reaching p', () => {
    const p = processedProbs(x, { temperature: 1, topK: 0, topP: 0.8, minP: 0 });
    expect(p[2]).toBeCloseTo(0.15 / 0.9, 12);
    expect(p[3]).toBe(0);
  });
  it('min-p drops tokens below min-p times the top probability', () => {
    const p = processedProbs(x, { temperature: 1, topK: 0, topP: 1, minP: 0.4 });
    expect(Array.from(p)).toEqual([expect.closeTo(2 / 3, 12), expect.closeTo(1 / 3, 12), 0, 0]);
  });
  it('temperature 0 is greedy', () => {
    expect(Array.from(processedProbs(x, { temperature: 0, topK: 0, topP: 1, minP: 0 }))).toEqual([1, 0, 0, 0]);
  });
  it('sampling follows the cumulative distribution and seeds reproduce', () => {
    expect(sampleIndex([0.5, 0.25, 0.25], 0.49)).toBe(0);
    expect(sampleIndex([0.5, 0.25, 0.25], 0.5)).toBe(1);
    expect(sampleIndex([0.5, 0, 0.5], 0.99)).toBe(2);
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(new Set(xs).size).toBe(5);
    const counts = [0, 0, 0];
    const r = seededRandom(1);
    for (let i = 0; i < 20000; i++) counts[sampleIndex([0.5, 0.3, 0.2], r())]!++;
    expect(counts[0]! / 20000).toBeCloseTo(0.5, 1);
    expect(counts[2]! / 20000).toBeCloseTo(0.2, 1);
  });
});

describe('the sweep\'s one-pass helpers give the same numbers', () => {
  const x = Float32Array.from({ length: 500 }, (_, i) => Math.sin(i * 12.9898) * 6 + (i % 7) * 0.3);
  it('logProbAt is logSoftmax at one index, bit for bit', () => {
    const lp = logSoftmax(x);
    for (const id of [0, 17, 250, 499]) expect(logProbAt(x, id)).toBe(lp[id]);
    // and an independent computation
    const m = Math.max(...x);
    const lse = m + Math.log(Array.from(x).reduce((s, v) => s + Math.exp(v - m), 0));
    expect(logProbAt(x, 17)).toBeCloseTo(x[17]! - lse, 10);
  });
  it('truncateProbs on a tempered softmax is processedProbs', () => {
    for (const s of [
      { temperature: 0.7, topK: 0, topP: 1, minP: 0 },
      { temperature: 1.3, topK: 20, topP: 0.9, minP: 0.01 },
    ]) {
      expect(Array.from(truncateProbs(softmax(x, s.temperature), s))).toEqual(Array.from(processedProbs(x, s)));
    }
  });
});
