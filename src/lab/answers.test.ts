import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEngine } from '../engine/engine';
import { createNodeEngine } from '../engine/node';
import { ambiguityWarnings, ANSWER_PRESETS, answersAt, classifyAnswer, exclusiveLogps, findFrame, freeAnswers, LOW_MASS, normalizedShares, normalizedStats, parseChoices, scoreAnswers, type AnswerScores } from './answers';
import { sampleBatch } from './sweep';

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

describe('exclusive probabilities, shares, mass and the low-mass warning', () => {
  it('subtracts each candidate\'s direct extensions, so the mass is the union of the paths', () => {
    // Paths: a=[1], ab=[1,2], abc=[1,2,3], ad=[1,4], e=[5]; probabilities chosen by hand.
    const ids = [[1], [1, 2], [1, 2, 3], [1, 4], [5]];
    const p = [0.5, 0.2, 0.05, 0.1, 0.3];
    const got = exclusiveLogps(ids, p.map(Math.log)).map(Math.exp);
    const want = [0.5 - 0.2 - 0.1, 0.2 - 0.05, 0.05, 0.1, 0.3];
    got.forEach((x, i) => expect(x).toBeCloseTo(want[i]!, 12));
    // The union of the paths: a's path (which holds ab, abc, ad) plus e's.
    expect(got.reduce((s, x) => s + x, 0)).toBeCloseTo(0.5 + 0.3, 12);
  });

  it('shares are the exclusive probabilities renormalised; below 50% mass a warning comes first', () => {
    // Hand-made scores over a 4-token vocabulary: uniform logits, every candidate one token.
    const flat = Float32Array.from([0, 0, 0, 0]);
    const scores = (ids: number[][]): AnswerScores => ({ context: [0], frame: [], texts: ids.map((x) => x.join('-')), ids, rows: ids.map((x) => x.map(() => flat)), warnings: [] });
    const half = answersAt(scores([[0], [1]]));
    expect(half.mass).toBeCloseTo(0.5, 12);
    expect(half.warnings).toEqual([]);
    half.choices.forEach((c) => {
      expect(c.prob).toBeCloseTo(0.25, 12);
      expect(c.share).toBeCloseTo(0.5, 12);
    });
    const quarter = answersAt(scores([[0]]));
    expect(quarter.mass).toBeCloseTo(0.25, 12);
    expect(quarter.mass).toBeLessThan(LOW_MASS);
    expect(quarter.warnings[0]).toMatch(/^Low mass: the candidates cover only 25\.0% /);
    // Two-token paths: [0] and [0,1] overlap; [0] keeps 0.25 − 0.0625.
    const nested = answersAt(scores([[0], [0, 1], [2]]));
    expect(nested.choices.map((c) => c.prob_exclusive)).toEqual([expect.closeTo(0.1875, 12), expect.closeTo(0.0625, 12), expect.closeTo(0.25, 12)]);
    expect(nested.mass).toBeCloseTo(0.5, 12);
    expect(nested.choices.reduce((s, c) => s + c.share, 0)).toBeCloseTo(1, 12);
  });

  it('classifies free answers by exact match or by a regex capture', () => {
    const c = ['1', '2', 'It depends'];
    expect(classifyAnswer(' 2.', c)).toBe('2');
    expect(classifyAnswer('It depends!', c)).toBe('It depends');
    expect(classifyAnswer('Sure! How about 2?', c)).toBeNull();
    expect(classifyAnswer('Sure! How about 2?', c, /(\d+)/u)).toBe('2');
    expect(classifyAnswer('Sure! How about 7?', c, /(\d+)/u)).toBeNull();
    expect(classifyAnswer('No number', c, /(\d+)/u)).toBeNull();
  });

  it('every preset names its frames, and shows the full published rows (raw probabilities)', () => {
    const byId = Object.fromEntries(ANSWER_PRESETS.map((p) => [p.id, p]));
    const rows = (id: string) => byId[id]!.published!.rows.map((r) => `${r.model} ${r.answer} ${(r.prob * 100).toFixed(2)}%`);
    expect(rows('random-integer')).toEqual(['davinci 42 3.99%', 'text-davinci-002 97 20.90%']);
    expect(rows('d100')).toEqual(['davinci 1 4.38%', 'text-davinci-002 100 10.56%']);
    expect(rows('think-number')).toEqual(['davinci 42 9.18%', 'text-davinci-002 42 66.14%']);
    expect(rows('d6')).toEqual(['davinci 3 10.82%', 'text-davinci-002 6 73.19%']);
    for (const p of ANSWER_PRESETS) expect(typeof p.frames.base === 'string' && typeof p.frames.tuned === 'string').toBe(true);
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

  it('a frame is scored after the context, like typing it into the model\'s turn', async () => {
    const context = await engine.encode('Roll a 100-sided die.', 'chat');
    const frame = await engine.encodeContinuation('Sure! You rolled a');
    const r = answersAt(await scoreAnswers(engine, context, ['4', '17', 'six'], { prefix: ' ', frame }));
    expect(r.frame).toEqual(frame);
    for (const c of r.choices) {
      const full = await engine.score([...context, ...frame, ...c.ids]);
      const V = full.dims[1]!;
      let ref = 0;
      c.ids.forEach((id, k) => {
        const at = context.length + frame.length - 1 + k;
        ref += refLogProb(full.data.subarray(at * V, (at + 1) * V), id);
      });
      expect(c.logp).toBeCloseTo(ref, 4);
    }
  });

  it("finds the model's own opener: the cut of its greedy answer where the candidates' first tokens weigh most", async () => {
    const context = await engine.encode('Tell me a random integer between 1 and 100.', 'chat');
    const choices = parseChoices('1..100');
    const f = await findFrame(engine, context, choices, { prefix: ' ', maxTokens: 16 });
    const firsts = new Set<number>();
    for (const c of choices) firsts.add((await engine.encodeContinuation(' ' + c))[0]!);
    // Brute force: one separate pass per cut of the greedy answer.
    let best = -1;
    let bestK = -1;
    for (let k = 0; k <= f.greedy.length; k++) {
      const ctx = [...context, ...f.greedy.slice(0, k)];
      const out = await engine.score(ctx);
      const V = out.dims[1]!;
      const last = out.data.subarray((ctx.length - 1) * V, ctx.length * V);
      let m = 0;
      for (const id of firsts) m += Math.exp(refLogProb(last, id));
      if (m > best + 1e-9) (best = m), (bestK = k);
    }
    expect(f.frame).toEqual(f.greedy.slice(0, bestK));
    expect(f.firstTokenMass).toBeCloseTo(best, 6);
    expect(f.text).toBe(await engine.decode(f.frame));
  });

  it('free answers: the batch\'s own samples, each counted once, as a candidate or as other', async () => {
    const context = await engine.encode('Tell me a random integer between 1 and 100.', 'chat');
    const choices = parseChoices('1..100');
    const regex = /(\d+)/u;
    const r = await freeAnswers(engine, context, choices, { samples: 8, maxTokens: 12, seed: 5, regex });
    const raw = await sampleBatch(engine, context, 1, 0, { samples: 8, maxTokens: 12, seed: 5 });
    const texts = await Promise.all(raw.samples.map((ids) => engine.decode(ids, { skipSpecial: true })));
    expect(r.samples.map((s) => s.text)).toEqual(texts);
    const counts = new Map<string, number>();
    let other = 0;
    for (const t of texts) {
      const m = /(\d+)/u.exec(t);
      if (m && choices.includes(m[1]!)) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
      else other++;
    }
    expect(r.other).toBe(other);
    for (const c of r.counts) expect(c.count).toBe(counts.get(c.text) ?? 0);
    expect(r.counts.reduce((s, c) => s + c.count, 0) + r.other).toBe(8);
  });
});
