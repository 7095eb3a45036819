import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEngine } from '../engine/engine';
import { createNodeEngine } from '../engine/node';
import { generate } from './generate';
import { answerKey, distinctN, exactCurves, histogram, matchingTemperature, matchingTemperatureAlong, ownAnswers, parseTemperatures, sampleBatch, sweep, sweepMetrics, temperatureForEntropy } from './sweep';

function refEntropy(row: Float32Array, t: number): number {
  const z = Array.from(row, (v) => v / t);
  const m = Math.max(...z);
  const w = z.map((v) => Math.exp(v - m));
  const s = w.reduce((a, b) => a + b, 0);
  return -w.reduce((h, x) => (x > 0 ? h + (x / s) * Math.log(x / s) : h), 0);
}

describe('metrics by hand', () => {
  it('distinct-n, unique fraction, means', () => {
    const samples = [[1, 2, 3], [1, 2, 4], [1, 2, 3]];
    expect(distinctN(samples, 1)).toBeCloseTo(4 / 9, 12);
    expect(distinctN(samples, 2)).toBeCloseTo(3 / 6, 12); // (1,2) (2,3) (2,4)
    const m = sweepMetrics(samples, [[1, 2, 3], [1, 1, 1], [0, 0, 0]], [[-1, -1, -1], [-2, -2, -2], [0, 0, 0]]);
    expect(m.unique_fraction).toBeCloseTo(2 / 3, 12);
    expect(m.mean_entropy).toBeCloseTo(9 / 9, 12);
    expect(m.mean_logprob).toBeCloseTo(-1, 12);
  });
  it('groups answers by first words or by a regex', () => {
    expect(answerKey("That's a GREAT question! It depends.")).toBe("that's a great");
    expect(answerKey('My number is 42.', { regex: /(\d+)/ })).toBe('42');
    expect(answerKey('none here', { regex: /(\d+)/ })).toBe('(no match)');
    expect(histogram(['Yes!', 'yes.', 'No'], { words: 1 })).toEqual([{ answer: 'yes', count: 2 }, { answer: 'no', count: 1 }]);
  });
  it('parses temperature grids', () => {
    expect(parseTemperatures('0.5,1,1.5')).toEqual([0.5, 1, 1.5]);
    expect(parseTemperatures('0.1..0.5 step 0.1')).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(() => parseTemperatures('a,b')).toThrow(/numbers/);
  });
});

describe('matching temperature', () => {
  it('finds the T at which one distribution reaches the other one\'s entropy at T = 1', () => {
    const base = Float32Array.from([1, 0.5, 0, -0.5, -1]);
    const tuned = Float32Array.from([4, 0, -1, -2, -3]);
    const m = matchingTemperature(base, tuned, 0.1, 10);
    expect(m.target).toBeCloseTo(refEntropy(base, 1), 12);
    expect(m.temperature).not.toBeNull();
    expect(refEntropy(tuned, m.temperature!)).toBeCloseTo(m.target, 6);
    expect(m.temperature!).toBeGreaterThan(1);
    // Within a grid that stops too early, it never gets there.
    expect(matchingTemperature(base, tuned, 0.1, 1.05).temperature).toBeNull();
    // Against itself, T = 1.
    expect(matchingTemperature(base, base, 0.1, 2).temperature).toBeCloseTo(1, 6);
  });
});

describe('matching temperature over the answers\' positions', () => {
  it('matches the mean entropy over all positions, not the first one', () => {
    const base = [Float32Array.from([1, 0.5, 0, -0.5, -1]), Float32Array.from([0, 0, 0, 0, 0])];
    const tuned = [Float32Array.from([4, 0, -1, -2, -3]), Float32Array.from([6, 0, 0, 0, 0]), Float32Array.from([2, 1, 0, -1, -9])];
    const m = matchingTemperatureAlong(base, tuned, 0.1, 20);
    const mean = (rows: Float32Array[], t: number) => rows.reduce((s, r) => s + refEntropy(r, t), 0) / rows.length;
    expect(m.target).toBeCloseTo(mean(base, 1), 12);
    expect(m.positions).toEqual({ base: 2, tuned: 3 });
    expect(m.temperature).not.toBeNull();
    expect(mean(tuned, m.temperature!)).toBeCloseTo(m.target, 6);
    // The first position alone gives another answer.
    expect(Math.abs(matchingTemperature(base[0]!, tuned[0]!, 0.1, 20).temperature! - m.temperature!)).toBeGreaterThan(0.05);
    expect(matchingTemperatureAlong(base, tuned, 0.1, 1.05).temperature).toBeNull();
    expect(matchingTemperatureAlong(base, base, 0.1, 2).temperature).toBeCloseTo(1, 6);
  });
});

describe('sweeps on the lab pair', () => {
  let engine: LabEngine;
  let context: number[];
  beforeAll(async () => {
    engine = createNodeEngine('node');
    await engine.load(resolve('models/lab-sft'));
    context = await engine.encode('Tell me a random number.', 'chat');
  });
  afterAll(() => engine.dispose());

  it('exact entropy is monotone in T and matches an independent computation', async () => {
    const ts = [0.1, 0.3, 0.5, 0.8, 1, 1.3, 1.7, 2];
    const reference = [300, 301, 302];
    const c = await exactCurves(engine, context, reference, ts);
    const full = await engine.score([...context, ...reference]);
    const V = full.dims[1]!;
    const first = full.data.subarray((context.length - 1) * V, context.length * V);
    c.points.forEach((p, i) => {
      expect(p.entropy_first).toBeCloseTo(refEntropy(first, ts[i]!), 6);
      if (i) expect(p.entropy_first).toBeGreaterThan(c.points[i - 1]!.entropy_first);
      if (i) expect(p.top1_mass).toBeLessThan(c.points[i - 1]!.top1_mass);
      expect(p.top5_mass).toBeGreaterThanOrEqual(p.top1_mass);
      p.entropy_along.forEach((h, k) => {
        const r = full.data.subarray((context.length - 1 + k) * V, (context.length + k) * V);
        expect(h).toBeCloseTo(refEntropy(r, ts[i]!), 6);
      });
    });
    c.points.forEach((p) => {
      const mean = p.entropy_along.reduce((a, b) => a + b, 0) / p.entropy_along.length;
      expect(p.entropy_along_mean).toBeCloseTo(mean, 12);
    });
    expect(Array.from(c.first)).toEqual(Array.from(first));
    const target = refEntropy(first, 1.3);
    expect(temperatureForEntropy(first, target, 0.1, 2)).toBeCloseTo(1.3, 4);
    expect(temperatureForEntropy(first, 1e9, 0.1, 2)).toBeNull();
  });

  it('the same seed gives identical samples; another seed does not', async () => {
    const o = { samples: 6, maxTokens: 10, seed: 5 };
    const a = await sampleBatch(engine, context, 1.2, 0, o);
    const b = await sampleBatch(engine, context, 1.2, 0, o);
    expect(a.samples).toEqual(b.samples);
    const c = await sampleBatch(engine, context, 1.2, 0, { ...o, seed: 6 });
    expect(c.samples).not.toEqual(a.samples);
    expect(await engine.liveSequences()).toBe(0);
  });

  it('batched samples equal the same samples drawn one sequence at a time', async () => {
    const o = { samples: 4, maxTokens: 8, seed: 9 };
    const batch = await sampleBatch(engine, context, 1, 0, o);
    const single = await sampleBatch(engine, context, 1, 0, { ...o, samples: 1 });
    expect(single.samples[0]).toEqual(batch.samples[0]);
    // Entropy and log-probabilities along a sample agree with a teacher-forced pass over it.
    const ids = batch.samples[1]!;
    const full = await engine.score([...context, ...ids]);
    const V = full.dims[1]!;
    ids.forEach((id, k) => {
      const r = full.data.subarray((context.length - 1 + k) * V, (context.length + k) * V);
      expect(batch.entropies[1]![k]).toBeCloseTo(refEntropy(r, 1), 4);
      const m = Math.max(...r);
      const lse = m + Math.log(Array.from(r).reduce((s, v) => s + Math.exp(v - m), 0));
      expect(batch.logps[1]![k]).toBeCloseTo(r[id]! - lse, 4);
    });
  });

  it('entropies and log-probabilities at T ≠ 1 match an independent computation', async () => {
    const r = await sampleBatch(engine, context, 0.7, 0, { samples: 3, maxTokens: 4, seed: 3, stopIds: [] });
    const ids = r.samples[2]!;
    const full = await engine.score([...context, ...ids]);
    const V = full.dims[1]!;
    ids.forEach((id, k) => {
      const row = full.data.subarray((context.length - 1 + k) * V, (context.length + k) * V);
      expect(r.entropies[2]![k]).toBeCloseTo(refEntropy(row, 0.7), 4);
      const m = Math.max(...row);
      const lse = m + Math.log(Array.from(row).reduce((s, v) => s + Math.exp(v - m), 0));
      expect(r.logps[2]![k]).toBeCloseTo(row[id]! - lse, 4); // at T = 1, whatever T sampled
    });
  });

  it('T → 0 gives the greedy completion', async () => {
    const greedy = await generate(engine, context, { maxTokens: 10 });
    const cold = await sampleBatch(engine, context, 0, 0, { samples: 3, maxTokens: 10, seed: 1 });
    for (const s of cold.samples) expect(s).toEqual(greedy.ids);
    const nearZero = await sampleBatch(engine, context, 1e-4, 0, { samples: 2, maxTokens: 10, seed: 1 });
    for (const s of nearZero.samples) expect(s).toEqual(greedy.ids);
  });

  it('a whole sweep keeps the order of the temperatures', async () => {
    const r = await sweep(engine, context, [1.5, 0.5], { samples: 3, maxTokens: 5, seed: 2 });
    expect(r.exact.map((e) => e.temperature)).toEqual([1.5, 0.5]);
    expect(r.runs.map((x) => x.temperature)).toEqual([1.5, 0.5]);
    expect(r.runs[0]!.samples).toHaveLength(3);
  });

  it("each model's own answers: the T = 1 samples, with the rows a teacher-forced pass gives", async () => {
    const own = await ownAnswers(engine, context, { samples: 3, maxTokens: 5, seed: 4 });
    const mine = await sampleBatch(engine, context, 1, -2, { samples: 3, maxTokens: 5, seed: 4 });
    expect(own.samples).toEqual(mine.samples);
    expect(own.rows).toHaveLength(mine.samples.reduce((s, x) => s + x.length, 0));
    // The sampler's entropies at T = 1 equal the kept rows' entropies, position by position.
    mine.entropies.flat().forEach((h, i) => expect(refEntropy(own.rows[i]!, 1)).toBeCloseTo(h, 4));
  });
});
