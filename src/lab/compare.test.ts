import { describe, expect, it } from 'vitest';
import type { LabEngine } from '../engine/engine';
import { seededRandom } from './distributions';
import { compare, compareJson, comparePositionsCsv, contextText, fitGamma, neutralControls, shiftClass, urialContext } from './compare';
import { NEUTRAL_PASSAGES } from './neutral-text';
import { useLabPair } from './testing/lab-pair';

/** Independent computations from raw logits (plain loops, no shared helpers). */
function logProbs(row: Float32Array): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return Array.from(row, (v) => v - lse);
}

describe('classes and sharpening', () => {
  it('URIAL classes change at ranks 1 | 2–3 | 4+', () => {
    expect(shiftClass(1)).toBe('unshifted');
    expect(shiftClass(2)).toBe('marginal');
    expect(shiftClass(3)).toBe('marginal');
    expect(shiftClass(4)).toBe('shifted');
    expect(shiftClass(1000)).toBe('shifted');
  });
  it('fits γ exactly when the tuned logits are the base logits times a constant', () => {
    const rnd = seededRandom(11);
    const base = Array.from({ length: 6 }, () => Float32Array.from({ length: 300 }, () => (rnd() - 0.5) * 6));
    const tuned = base.map((r) => r.map((x) => x * 2.5));
    const { gamma, meanKl } = fitGamma(tuned, base);
    expect(gamma).toBeCloseTo(2.5, 2);
    expect(meanKl).toBeLessThan(1e-6);
  });
  it('writes the URIAL frame', () => {
    expect(urialContext('Are bugs real?')).toBe('# Query:\n```\nAre bugs real?\n```\n\n# Answer:\n```\n');
  });
});

describe('compare on the lab pair', () => {
  let base: LabEngine;
  let tuned: LabEngine;
  useLabPair((p) => ({ base, tuned } = p));

  it('every figure matches an independent computation from raw logits', async () => {
    const prompt = 'Are bugs real?';
    const response = " That's a great question! It depends on how you look at it.";
    const r = await compare({ base, tuned, prompt, response, baseTemplate: 'urial', tunedTemplate: 'chat', samples: 0 });
    expect(r.contexts.tuned).toEqual(await tuned.encode(prompt, 'chat'));
    expect(r.contexts.base).toEqual(await base.encode(urialContext(prompt)));
    const resp = await tuned.encodeContinuation(response);
    expect(r.response_tokens.map((t) => t.id)).toEqual(resp);
    const fb = await base.score([...r.contexts.base, ...resp]);
    const ft = await tuned.score([...r.contexts.tuned, ...resp]);
    const V = fb.dims[1]!;
    let klSum = 0;
    const counts = { unshifted: 0, marginal: 0, shifted: 0 };
    resp.forEach((id, k) => {
      const b = fb.data.subarray((r.contexts.base.length - 1 + k) * V, (r.contexts.base.length + k) * V);
      const t = ft.data.subarray((r.contexts.tuned.length - 1 + k) * V, (r.contexts.tuned.length + k) * V);
      const lb = logProbs(b);
      const lt = logProbs(t);
      const p = r.positions[k]!;
      expect(p.logp_base).toBeCloseTo(lb[id]!, 6);
      expect(p.logp_tuned).toBeCloseTo(lt[id]!, 6);
      const rankB = 1 + lb.filter((x) => x > lb[id]!).length;
      expect(p.rank_base).toBe(rankB);
      expect(p.rank_tuned).toBe(1 + lt.filter((x) => x > lt[id]!).length);
      const kl = lt.reduce((s, x, i) => s + Math.exp(x) * (x - lb[i]!), 0);
      expect(p.kl_tuned_base).toBeCloseTo(kl, 6);
      expect(p.kl_tuned_base).toBeGreaterThanOrEqual(0);
      expect(p.entropy_base).toBeCloseTo(-lb.reduce((s, x) => s + Math.exp(x) * x, 0), 6);
      expect(p.entropy_tuned).toBeCloseTo(-lt.reduce((s, x) => s + Math.exp(x) * x, 0), 6);
      expect(p.top1_base.id).toBe(lb.indexOf(Math.max(...lb)));
      expect(p.top1_tuned.id).toBe(lt.indexOf(Math.max(...lt)));
      // Top-5 alternatives of each model: the 5 largest probabilities, in order, with their texts.
      for (const [alts, lp] of [
        [p.top_base, lb],
        [p.top_tuned, lt],
      ] as const) {
        const order = lp.map((x, i) => [x, i] as const).sort((x, y) => y[0] - x[0] || x[1] - y[1]);
        expect(alts).toHaveLength(5);
        alts.forEach((a, j) => {
          expect(a.prob).toBeCloseTo(Math.exp(order[j]![0]), 6);
          expect(a.prob).toBeCloseTo(Math.exp(lp[a.id]!), 9);
        });
      }
      expect(p.top_base[0]!.id).toBe(p.top1_base.id);
      expect(p.top_tuned[0]!.text).toBe(p.top1_tuned.text);
      const cls = rankB === 1 ? 'unshifted' : rankB <= 3 ? 'marginal' : 'shifted';
      expect(p.class).toBe(cls);
      counts[cls]++;
      klSum += kl;
    });
    const n = resp.length;
    expect(r.summary.unshifted).toBeCloseTo(counts.unshifted / n, 12);
    expect(r.summary.marginal).toBeCloseTo(counts.marginal / n, 12);
    expect(r.summary.shifted).toBeCloseTo(counts.shifted / n, 12);
    expect(r.summary.unshifted + r.summary.marginal + r.summary.shifted).toBeCloseTo(1, 12);
    expect(r.summary.mean_kl).toBeCloseTo(klSum / n, 6);
    const meanH = r.positions.reduce((s, p) => s + p.entropy_tuned, 0) / n;
    expect(r.summary.branching_factor_tuned).toBeCloseTo(Math.exp(meanH), 6);
    expect(r.summary.mean_kl_sharpened).toBeLessThanOrEqual(r.summary.mean_kl + 1e-9);
    expect(r.summary.sharpening_explains).toBeGreaterThanOrEqual(-1e-9);
    expect(r.shifted_tokens.reduce((s, t) => s + t.count, 0)).toBe(counts.shifted);

    // Exports: the CLI's JSON shape, and one CSV line per position with the same numbers.
    const json = compareJson(r);
    expect(Object.keys(json)).toEqual(['contexts', 'response_tokens', 'positions', 'summary', 'shifted_tokens', 'by_position']);
    expect(json.positions[0]).toEqual(expect.objectContaining({ id: resp[0], logp_base: r.positions[0]!.logp_base, class: r.positions[0]!.class }));
    const csv = comparePositionsCsv(r).trimEnd().split('\n');
    expect(csv).toHaveLength(n + 1);
    expect(csv[0]).toBe('pos,id,token,p_base,p_tuned,rank_base,rank_tuned,kl_tuned_base,entropy_base,entropy_tuned,class,kl_tuned_sharpened');
    expect(Number(csv[1]!.split(',').at(-1))).toBe(r.positions[0]!.kl_tuned_sharpened);
  });

  it('quotes token texts with commas, quotes or newlines in the CSV', async () => {
    const r = await compare({ base, tuned, prompt: 'Say', response: ' "a,b"\nc', baseTemplate: 'none', tunedTemplate: 'none', alternatives: 2, samples: 0 });
    expect(r.positions[0]!.top_base).toHaveLength(2);
    const lines = comparePositionsCsv(r);
    // Parse it back with a minimal CSV reader and recover every token text.
    const rows: string[][] = [];
    let field = '';
    let row: string[] = [];
    let quoted = false;
    for (let i = 0; i < lines.length; i++) {
      const ch = lines[i]!;
      if (quoted) {
        if (ch === '"' && lines[i + 1] === '"') (field += '"'), i++;
        else if (ch === '"') quoted = false;
        else field += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ',') row.push(field), (field = '');
      else if (ch === '\n') row.push(field), rows.push(row), (row = []), (field = '');
      else field += ch;
    }
    expect(rows.slice(1).map((x) => x[2])).toEqual(r.positions.map((p) => p.text));
    expect(rows.every((x) => x.length === 12)).toBe(true);
  });

  it('KL is 0 and nothing is explained away when both sides are the same model', async () => {
    const r = await compare({ base, tuned: base, prompt: 'The jury said', response: ' that the city was', baseTemplate: 'none', tunedTemplate: 'none', samples: 0 });
    for (const p of r.positions) {
      expect(p.kl_tuned_base).toBeCloseTo(0, 9);
      expect(p.logp_base).toBe(p.logp_tuned);
      expect(p.rank_base).toBe(p.rank_tuned);
    }
    expect(r.summary.mean_kl).toBeCloseTo(0, 9);
    expect(r.summary.gamma).toBeCloseTo(1, 2);
  });

  it('without a response the tuned model answers greedily, and cross-scoring adds up', async () => {
    const r = await compare({ base, tuned, prompt: 'Are bugs real?', baseTemplate: 'chat', maxTokens: 12, crossScore: true, samples: 0 });
    expect(r.positions.length).toBeGreaterThan(0);
    expect(r.positions.every((p) => p.rank_tuned === 1)).toBe(true); // greedy: each token is the tuned top-1
    expect(r.cross!.tuned_greedy.ids).toEqual(r.response_tokens.map((t) => t.id));
    const sum = r.positions.reduce((s, p) => s + p.logp_tuned, 0);
    expect(r.cross!.tuned_greedy.logp_tuned).toBeCloseTo(sum, 4);
    expect(r.cross!.tuned_greedy.logp_base).toBeCloseTo(r.positions.reduce((s, p) => s + p.logp_base, 0), 4);
  });

  it('the none template puts a newline between prompt and response', async () => {
    expect(await contextText(base, 'Are bugs real?', 'none')).toBe('Are bugs real?\n');
    const r = await compare({ base, tuned, prompt: 'Are bugs real?', response: 'Yes.', baseTemplate: 'none', samples: 0 });
    expect(r.contexts.base).toEqual(await base.encode('Are bugs real?\n'));
  });

  it('leaves the tuned end-of-turn token out of the classes and the mean KL', async () => {
    const eos = (await tuned.info()).eosTokenIds;
    expect(eos.length).toBeGreaterThan(0);
    const words = await tuned.encodeContinuation(' It depends on how you look at it.');
    const r = await compare({ base, tuned, prompt: 'Are bugs real?', responseIds: [...words, eos[0]!], baseTemplate: 'urial', samples: 0 });
    expect(r.positions.map((p) => p.counted)).toEqual([...words.map(() => true), false]);
    // Independently: the classes over the word tokens only, from a scoring pass without the end token.
    const fb = await base.score([...r.contexts.base, ...words]);
    const ft = await tuned.score([...r.contexts.tuned, ...words]);
    const V = fb.dims[1]!;
    let shifted = 0;
    let kl = 0;
    words.forEach((id, k) => {
      const lb = logProbs(fb.data.subarray((r.contexts.base.length - 1 + k) * V, (r.contexts.base.length + k) * V));
      const lt = logProbs(ft.data.subarray((r.contexts.tuned.length - 1 + k) * V, (r.contexts.tuned.length + k) * V));
      if (1 + lb.filter((x) => x > lb[id]!).length > 3) shifted++;
      kl += lt.reduce((s, x, i) => s + Math.exp(x) * (x - lb[i]!), 0);
    });
    expect(r.summary.shifted).toBeCloseTo(shifted / words.length, 12);
    expect(r.summary.unshifted + r.summary.marginal + r.summary.shifted).toBeCloseTo(1, 12);
    expect(r.summary.mean_kl).toBeCloseTo(kl / words.length, 5);
    expect(r.shifted_tokens.reduce((s, t) => s + t.count, 0)).toBe(shifted);
  });

  it('the neutral-text controls match a brute-force pass over the held-out passages', async () => {
    const c = await neutralControls(base, tuned);
    const counts = [0, 0, 0];
    let kl = 0;
    let n = 0;
    for (const { text } of NEUTRAL_PASSAGES) {
      const ids = await base.encode(text);
      const fb = await base.score(ids);
      const ft = await tuned.score(ids);
      const V = fb.dims[1]!;
      for (let k = 1; k < ids.length; k++) {
        const lb = logProbs(fb.data.subarray((k - 1) * V, k * V));
        const lt = logProbs(ft.data.subarray((k - 1) * V, k * V));
        const rank = 1 + lb.filter((x) => x > lb[ids[k]!]!).length;
        counts[rank === 1 ? 0 : rank <= 3 ? 1 : 2]!++;
        kl += lt.reduce((s, x, i) => s + Math.exp(x) * (x - lb[i]!), 0);
        n++;
      }
    }
    expect(n).toBeGreaterThan(300);
    expect(c.tokens).toBe(n);
    expect(c.unshifted_on_neutral_text).toBeCloseTo(counts[0]! / n, 12);
    expect(c.marginal_on_neutral_text).toBeCloseTo(counts[1]! / n, 12);
    expect(c.shifted_on_neutral_text).toBeCloseTo(counts[2]! / n, 12);
    expect(c.mean_kl_on_neutral_text).toBeCloseTo(kl / n, 5);
    // The same model on both sides: no KL, whatever the classes.
    expect((await neutralControls(base, base)).mean_kl_on_neutral_text).toBeCloseTo(0, 9);
    // compare() reports them unchanged, also in its JSON.
    const r = await compare({ base, tuned, prompt: 'Are bugs real?', response: ' Yes.', samples: 0 });
    expect(compareJson(r).summary.controls).toEqual(c);
  });

  it("on-policy branching factors (Yang & Holtzman) and nudging match teacher-forced entropies of the samples", async () => {
    const r = await compare({ base, tuned, prompt: 'Are bugs real?', baseTemplate: 'urial', maxTokens: 10, samples: 4, seed: 3 });
    const op = r.on_policy!;
    expect(op.base).toHaveLength(4);
    expect(op.tuned).toHaveLength(4);
    // Each model's own samples at T = 1: mean per-position entropy (pooled), then exp.
    const meanH = async (engine: LabEngine, ctx: number[], samples: number[][]) => {
      let s = 0;
      let n = 0;
      for (const ids of samples) {
        const out = await engine.score([...ctx, ...ids]);
        const V = out.dims[1]!;
        for (let k = 0; k < ids.length; k++) {
          const lp = logProbs(out.data.subarray((ctx.length - 1 + k) * V, (ctx.length + k) * V));
          s -= lp.reduce((a, x) => a + Math.exp(x) * x, 0);
          n++;
        }
      }
      return s / n;
    };
    expect(r.summary.bf_on_policy_base!).toBeCloseTo(Math.exp(await meanH(base, r.contexts.base, op.base)), 3);
    expect(r.summary.bf_on_policy_tuned!).toBeCloseTo(Math.exp(await meanH(tuned, r.contexts.tuned, op.tuned)), 3);
    expect(r.summary.bf_nudged_base!).toBeCloseTo(Math.exp(await meanH(base, r.contexts.base, op.tuned)), 3);
    // The samples are the models' own: same seed, same samples; without samples, no figure.
    const again = await compare({ base, tuned, prompt: 'Are bugs real?', baseTemplate: 'urial', maxTokens: 10, samples: 4, seed: 3 });
    expect(again.on_policy).toEqual(op);
    const none = await compare({ base, tuned, prompt: 'Are bugs real?', response: ' Yes.', samples: 0 });
    expect(none.summary.bf_on_policy_base).toBeNull();
  });
});
