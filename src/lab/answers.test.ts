import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEngine } from '../engine/engine';
import { createNodeEngine } from '../engine/node';
import { ambiguityWarnings, answersAt, normalizedShares, normalizedStats, parseChoices, scoreAnswers } from './answers';

/** Independent log-softmax: plain numbers, max-shifted, no shared code with distributions.ts. */
function refLogProb(row: Float32Array, id: number, t = 1): number {
  let m = -Infinity;
  for (const v of row) m = Math.max(m, v / t);
  let s = 0;
  for (const v of row) s += Math.exp(v / t - m);
  return row[id]! / t - m - Math.log(s);
}

describe('candidate specs and statistics', () => {
  it('parses ranges and lists', () => {
    expect(parseChoices('1..6')).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(parseChoices('A..D')).toEqual(['A', 'B', 'C', 'D']);
    expect(parseChoices('yes, no , it depends')).toEqual(['yes', 'no', 'it depends']);
    expect(parseChoices('Yes\nNo\n\nIt depends\n')).toEqual(['Yes', 'No', 'It depends']);
    expect(() => parseChoices('6..1')).toThrow(/empty range/);
    expect(() => parseChoices('a, a')).toThrow(/twice/);
    expect(() => parseChoices(' , ')).toThrow(/no candidates/);
  });
  it('computes entropy, KL to uniform and χ² per sample by hand', () => {
    const uniform = normalizedStats([{ text: 'a', logp: Math.log(0.1) }, { text: 'b', logp: Math.log(0.1) }]);
    expect(uniform.entropy).toBeCloseTo(Math.log(2), 12);
    expect(uniform.kl_uniform).toBeCloseTo(0, 12);
    expect(uniform.chi2).toBeCloseTo(0, 12);
    const skewed = normalizedStats([{ text: 'a', logp: Math.log(0.3) }, { text: 'b', logp: Math.log(0.1) }]);
    // renormalised: 0.75 / 0.25
    expect(skewed.top1).toEqual({ text: 'a', prob: expect.closeTo(0.75, 12) });
    expect(skewed.entropy).toBeCloseTo(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)), 12);
    expect(skewed.kl_uniform).toBeCloseTo(Math.log(2) - skewed.entropy, 12);
    expect(skewed.chi2).toBeCloseTo(2 * (0.75 ** 2 + 0.25 ** 2) - 1, 12);
  });
  it('renormalises shares over the set, also for very small probabilities', () => {
    expect(normalizedShares([{ logp: Math.log(0.3) }, { logp: Math.log(0.1) }]).map((x) => x.toFixed(12))).toEqual(['0.750000000000', '0.250000000000']);
    const tiny = normalizedShares([{ logp: -2000 }, { logp: -2000 - Math.log(3) }]);
    expect(tiny[0]).toBeCloseTo(0.75, 12);
    expect(tiny[1]).toBeCloseTo(0.25, 12);
  });
  it('warns when a candidate is a prefix of another', () => {
    const w = ambiguityWarnings(['1', '10', '2'], [[5], [5, 9], [6]]);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/"1" is also the start of "10"/);
    expect(ambiguityWarnings(['1.', '10.'], [[5, 3], [5, 9, 3]])).toEqual([]);
  });
});

describe('exact answer distributions on the lab pair', () => {
  let engine: LabEngine;
  beforeAll(async () => {
    engine = createNodeEngine('node');
    await engine.load(resolve('models/lab-sft'));
  });
  afterAll(() => engine.dispose());

  it('match an independent teacher-forced computation, at T = 1 and re-tempered', async () => {
    const context = await engine.encode('Simulate a six-sided die roll.', 'chat');
    const choices = ['1', '2', '3', '4', '5', '6', 'It depends', 'Sure! Here is a number: 7'];
    const scores = await scoreAnswers(engine, context, choices, { suffix: '<|im_end|>', batchSize: 3 });
    for (const t of [1, 0.5, 2]) {
      const r = answersAt(scores, t);
      for (const c of r.choices) {
        const full = await engine.score([...context, ...c.ids]);
        const V = full.dims[1]!;
        let ref = 0;
        c.ids.forEach((id, k) => {
          const at = context.length - 1 + k;
          ref += refLogProb(full.data.subarray(at * V, (at + 1) * V), id, t);
        });
        expect(c.logp).toBeCloseTo(ref, 4);
        expect(c.prob).toBeCloseTo(Math.exp(ref), 6);
      }
      expect(r.mass).toBeCloseTo(r.choices.reduce((s, c) => s + Math.exp(c.logp), 0), 12);
      expect(r.mass).toBeLessThanOrEqual(1 + 1e-9);
    }
    expect(await engine.liveSequences()).toBe(0);
  });

  it('a single-token candidate set covers the same mass as the next-token distribution restricted to it', async () => {
    const context = await engine.encode('Pick a number:', 'none');
    const ids = Array.from({ length: 10 }, (_, i) => i * 37 + 100);
    const texts = await engine.tokenTexts(ids);
    // Keep candidates whose text re-encodes to exactly their one token.
    const single: string[] = [];
    const singleIds: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const enc = await engine.encodeContinuation(texts[i]!);
      if (enc.length === 1 && enc[0] === ids[i] && !single.includes(texts[i]!)) {
        single.push(texts[i]!);
        singleIds.push(ids[i]!);
      }
    }
    expect(single.length).toBeGreaterThan(3);
    const r = answersAt(await scoreAnswers(engine, context, single));
    const full = await engine.score(context);
    const V = full.dims[1]!;
    const last = full.data.subarray((context.length - 1) * V, context.length * V);
    const restricted = singleIds.reduce((s, id) => s + Math.exp(refLogProb(last, id)), 0);
    expect(r.mass).toBeCloseTo(restricted, 6);
  });
});
