import { beforeAll, describe, expect, it } from 'vitest';
import type { LabEngine } from '../engine/engine';
import type { Engine } from '../engine/types';
import { DEFAULT_SAMPLING } from './distributions';
import { drawUniform, lookupToken, Loom, parsePath, rankBucket, sameTokenizer, serializePath, stepDistribution } from './loom';
import { useLabPair } from './testing/lab-pair';

/** log-softmax in float64, written here independently of src/lab. */
function refLogSoftmax(row: ArrayLike<number>): number[] {
  const xs = Array.from(row);
  const m = Math.max(...xs);
  const lse = m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
  return xs.map((x) => x - lse);
}

/** Calls into an engine, by method, and the token counts of every forward pass. */
interface Counter {
  calls: Record<string, number>;
  /** Tokens fed per forward pass (score, createSequence, step, stepBatch). */
  passes: number[];
  reset(): void;
}

function counted(engine: Engine): { engine: Engine; counter: Counter } {
  const counter: Counter = {
    calls: {},
    passes: [],
    reset() {
      this.calls = {};
      this.passes = [];
    },
  };
  const proxy = new Proxy(engine, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        const name = String(key);
        counter.calls[name] = (counter.calls[name] ?? 0) + 1;
        if (name === 'score' || name === 'createSequence') counter.passes.push((args[0] as number[]).length);
        if (name === 'step') counter.passes.push((args[1] as number[]).length);
        if (name === 'stepBatch') counter.passes.push(Math.max(...(args[1] as number[][]).map((r) => r.length)));
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { engine: proxy, counter };
}

describe('by hand', () => {
  it('serialises and parses the chosen path', () => {
    expect(serializePath([12, 7, 301])).toBe('12.7.301');
    expect(parsePath('12.7.301')).toEqual([12, 7, 301]);
    expect(parsePath('')).toEqual([]);
    expect(parsePath(null)).toBeNull();
    expect(parsePath('1.x.3')).toBeNull();
    expect(parsePath('1..3')).toBeNull();
    expect(parsePath('-1')).toBeNull();
    expect(parsePath('4096', 4096)).toBeNull();
    expect(parsePath('4095', 4096)).toEqual([4095]);
  });

  it('puts ranks in GLTR buckets', () => {
    expect([1, 2, 10, 11, 100, 101, 5000].map(rankBucket)).toEqual(['top1', 'top10', 'top10', 'top100', 'top100', 'beyond', 'beyond']);
  });

  it('draws reproducible uniforms in [0, 1)', () => {
    expect(drawUniform(7, 3, 0)).toBe(drawUniform(7, 3, 0));
    expect(drawUniform(7, 3, 0)).not.toBe(drawUniform(7, 3, 1));
    expect(drawUniform(7, 3, 0)).not.toBe(drawUniform(8, 3, 0));
    for (let i = 0; i < 100; i++) {
      const u = drawUniform(i, i % 7, i % 3);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
    }
  });

  it('summarises a step: raw and processed, entropy, mass outside, any token', () => {
    const logits = Float32Array.from([2, 1, 0, -1, 3]);
    const lp = refLogSoftmax(logits);
    const p = lp.map(Math.exp);
    const d = stepDistribution(logits, { temperature: 1, topK: 2, topP: 1, minP: 0 }, 3);
    expect(d.rows.map((r) => r.id)).toEqual([4, 0, 1]);
    expect(d.rows.map((r) => r.rank)).toEqual([1, 2, 3]);
    d.rows.forEach((r) => {
      expect(r.prob).toBeCloseTo(p[r.id]!, 12);
      expect(r.logprob).toBeCloseTo(lp[r.id]!, 12);
    });
    // top-2 keeps ids 4 and 0, renormalised.
    expect(d.rows[0]!.processedProb).toBeCloseTo(p[4]! / (p[4]! + p[0]!), 12);
    expect(d.rows[2]!.processedProb).toBe(0);
    expect(d.kept).toBe(2);
    expect(d.entropy).toBeCloseTo(-p.reduce((s, x) => s + x * Math.log(x), 0), 12);
    expect(d.massOutside).toBeCloseTo(p[2]! + p[3]!, 12);
    expect(d.processedMassOutside).toBeCloseTo(0, 12);
    const q = [p[4]! / (p[4]! + p[0]!), p[0]! / (p[4]! + p[0]!)];
    expect(d.processedEntropy).toBeCloseTo(-q.reduce((s, x) => s + x * Math.log(x), 0), 12);
    const t = lookupToken(logits, DEFAULT_SAMPLING, 3);
    expect(t.rank).toBe(5);
    expect(t.prob).toBeCloseTo(p[3]!, 12);
    expect(t.processedProb).toBeCloseTo(p[3]!, 12);
  });
});

describe('the loom on the lab pair', () => {
  let tuned: LabEngine;
  let base: LabEngine;
  let prompt: number[];

  useLabPair((p) => ({ base, tuned } = p));
  beforeAll(async () => {
    prompt = await tuned.encode('The old man looked at the', 'none');
  });

  /** Next-token logits after `ids` from one teacher-forced scoring pass. */
  async function scored(engine: Engine, ids: number[]): Promise<Float32Array> {
    const { data, dims } = await engine.score(ids);
    const V = dims[1]!;
    return data.slice((ids.length - 1) * V, ids.length * V);
  }

  function maxDiff(a: Float32Array, b: Float32Array): number {
    let d = 0;
    for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
    return d;
  }

  it('adds, backtracks and switches branches; path probability = product of edge probabilities', async () => {
    const loom = await Loom.create([tuned], prompt);
    try {
      const rootLogits = await loom.logits(0);
      const [first, second] = [...rootLogits.keys()].sort((a, b) => rootLogits[b]! - rootLogits[a]!);
      const a = await loom.choose(first!);
      expect(loom.cursor.id).toBe(a.id);
      expect(a.parent).toBe(0);
      const aLogits = await loom.logits(0);
      const next = [...aLogits.keys()].sort((x, y) => aLogits[y]! - aLogits[x]!)[2]!;
      const b = await loom.choose(next);
      expect(loom.pathTokens()).toEqual([first, next]);
      expect(loom.context()).toEqual([...prompt, first, next]);
      expect(b.edges[0]!.rank).toBe(3);

      // Backtrack to the root and take the second token: a sibling branch.
      expect((await loom.back())!.id).toBe(a.id);
      expect((await loom.back())!.id).toBe(0);
      expect(await loom.back()).toBeNull();
      const c = await loom.choose(second!);
      expect(loom.siblings().map((n) => n.id)).toEqual([a.id, c.id]);
      expect((await loom.switchBranch(-1))!.id).toBe(a.id);
      expect(await loom.switchBranch(-1)).toBeNull();
      expect((await loom.switchBranch(1))!.id).toBe(c.id);
      // Choosing an existing token reuses its node.
      await loom.goto(0);
      expect((await loom.choose(first!)).id).toBe(a.id);
      expect(loom.nodes).toHaveLength(4);

      // Edge probabilities against an independent softmax of score(); path = product of edges.
      const full = [...prompt, first!, next];
      const { data, dims } = await tuned.score(full);
      const V = dims[1]!;
      let product = 1;
      let sum = 0;
      for (const [i, node] of [a, b].entries()) {
        const lp = refLogSoftmax(data.subarray((prompt.length - 1 + i) * V, (prompt.length + i) * V));
        const edge = node.edges[0]!;
        expect(Math.abs(edge.prob - Math.exp(lp[node.token!]!))).toBeLessThan(1e-4);
        expect(edge.processedProb).toBeCloseTo(edge.prob, 12); // default settings: processed = raw
        product *= edge.prob;
        sum += edge.logprob;
      }
      expect(b.edges[0]!.pathLogprob).toBeCloseTo(sum, 10);
      expect(loom.pathLogprob(0, b.id)).toBeCloseTo(sum, 10);
      expect(Math.exp(loom.pathLogprob(0, b.id))).toBeCloseTo(product, 12);
      // The processed probability uses the node's settings.
      await loom.goto(a.id);
      const hot = await loom.choose(next === 0 ? 1 : 0, { temperature: 2, topK: 0, topP: 1, minP: 0 });
      const lpHot = refLogSoftmax(Array.from(aLogits, (x) => x / 2));
      expect(hot.edges[0]!.processedProb).toBeCloseTo(Math.exp(lpHot[hot.token!]!), 6);
    } finally {
      await loom.dispose();
    }
  });

  it("a node's next-token logits equal score(path) at its last position (forks reuse the KV state)", async () => {
    const loom = await Loom.create([tuned], prompt);
    try {
      for (let i = 0; i < 4; i++) await loom.sample(0, DEFAULT_SAMPLING, 3);
      const deep = loom.cursor.id;
      await loom.back();
      await loom.back();
      const other = (await loom.logits(0)).indexOf(Math.min(...(await loom.logits(0))));
      await loom.choose(other);
      for (const id of [deep, loom.cursor.id, loom.cursor.parent!]) {
        const mine = await loom.logits(0, id);
        expect(maxDiff(mine, await scored(tuned, loom.context(id)))).toBeLessThan(1e-4);
      }
    } finally {
      await loom.dispose();
    }
  });

  it('a step after a backtrack is exactly one forward pass of one token; the prefix is never re-run', async () => {
    const { engine, counter } = counted(tuned);
    const loom = await Loom.create([engine], prompt);
    try {
      for (let i = 0; i < 6; i++) await loom.sample(0, DEFAULT_SAMPLING, 11);
      counter.reset();
      await loom.back();
      await loom.back();
      expect(counter.passes).toEqual([]); // going back reads kept logits
      const logits = await loom.logits(0);
      const taken = loom.cursor.children.map((c) => loom.node(c).token);
      const alt = [...logits.keys()].find((t) => !taken.includes(t))!;
      await loom.choose(alt);
      expect(counter.passes).toEqual([1]);
      expect(counter.calls['fork']).toBe(1);
      expect(counter.calls['score'] ?? 0).toBe(0);
      expect(counter.calls['createSequence'] ?? 0).toBe(0);
      // Switching back to the other branch and continuing it: again one pass of one token.
      counter.reset();
      await loom.switchBranch(-1);
      await loom.sample(0, DEFAULT_SAMPLING, 11);
      expect(counter.passes).toEqual([1]);
      // Typed text: one multi-token step.
      counter.reset();
      const typed = await tuned.encodeContinuation(' and then the dog');
      await loom.extend(typed);
      expect(counter.passes).toEqual([typed.length]);
      expect(maxDiff(await loom.logits(0), await scored(tuned, loom.context()))).toBeLessThan(1e-4);
    } finally {
      await loom.dispose();
    }
  });

  it('keeps the live sequences bounded and re-creates a dropped state from its nearest live ancestor', async () => {
    const { engine, counter } = counted(tuned);
    const before = await tuned.liveSequences();
    const loom = await Loom.create([engine], prompt, { maxLive: 4, maxLogits: 6 });
    try {
      for (let i = 0; i < 20; i++) {
        await loom.sample(0, { temperature: 1, topK: 5, topP: 1, minP: 0 }, 5);
        expect((await tuned.liveSequences()) - before).toBeLessThanOrEqual(4);
        expect(loom.liveSequences(0)).toBeLessThanOrEqual(4);
      }
      // Node 3's state and logits were dropped long ago: going there steps its 3 tokens from the root.
      counter.reset();
      const third = loom.path()[2]!;
      await loom.goto(third.id);
      expect(counter.passes).toEqual([3]);
      expect(counter.calls['createSequence'] ?? 0).toBe(0);
      expect(maxDiff(await loom.logits(0), await scored(tuned, loom.context()))).toBeLessThan(1e-4);
      // Branching there needs no more re-creation: one pass of one token.
      counter.reset();
      const logits = await loom.logits(0);
      const alt = [...logits.keys()].find((t) => t !== loom.path(loom.nodes.length - 1)[3]?.token && !loom.cursor.children.some((c) => loom.node(c).token === t))!;
      await loom.choose(alt);
      expect(counter.passes).toEqual([1]);
      expect((await tuned.liveSequences()) - before).toBeLessThanOrEqual(4);
    } finally {
      await loom.dispose();
    }
    expect(await tuned.liveSequences()).toBe(before);
  });

  it('samples reproducibly from the processed distribution (greedy at T = 0)', async () => {
    const run = async (seed: number) => {
      const loom = await Loom.create([tuned], prompt);
      try {
        for (let i = 0; i < 5; i++) await loom.sample(0, { temperature: 0.8, topK: 20, topP: 0.95, minP: 0 }, seed);
        for (const n of loom.path()) {
          expect(n.source).toBe('sampled');
          expect(n.edges[0]!.processedProb).toBeGreaterThan(0);
          expect(n.edges[0]!.rank).toBeLessThanOrEqual(20);
        }
        return loom.pathTokens();
      } finally {
        await loom.dispose();
      }
    };
    expect(await run(42)).toEqual(await run(42));
    const loom = await Loom.create([tuned], prompt);
    try {
      const logits = await loom.logits(0);
      const greedy = await loom.sample(0, { ...DEFAULT_SAMPLING, temperature: 0 }, 1);
      expect(greedy.edges[0]!.rank).toBe(1);
      expect(greedy.token).toBe(logits.indexOf(Math.max(...logits)));
      expect(greedy.edges[0]!.processedProb).toBe(1);
    } finally {
      await loom.dispose();
    }
  });

  it('keeps both models on one token path, each with its own states and probabilities', async () => {
    expect(await sameTokenizer(base, tuned)).toBe(true);
    const loom = await Loom.create([base, tuned], prompt);
    try {
      await loom.sample(1, DEFAULT_SAMPLING, 9);
      await loom.sample(0, DEFAULT_SAMPLING, 9);
      await loom.back();
      const alt = (await loom.logits(1)).indexOf(Math.min(...(await loom.logits(1))));
      await loom.choose(alt);
      const ctx = loom.context();
      for (const [m, engine] of [base, tuned].entries()) {
        expect(maxDiff(await loom.logits(m), await scored(engine, ctx))).toBeLessThan(1e-4);
        const edge = loom.cursor.edges[m]!;
        const lp = refLogSoftmax(await scored(engine, ctx.slice(0, -1)));
        expect(Math.abs(edge.logprob - lp[alt]!)).toBeLessThan(1e-4);
        expect(edge.pathLogprob).toBeCloseTo(loom.pathLogprob(m), 10);
      }
      expect(loom.cursor.edges[0]!.prob).not.toBe(loom.cursor.edges[1]!.prob);
      expect(loom.liveSequences(0)).toBe(loom.liveSequences(1));
    } finally {
      await loom.dispose();
    }
  });

  it('rejects token ids outside the vocabulary and an empty prompt', async () => {
    await expect(Loom.create([tuned], [])).rejects.toThrow(/no tokens/);
    const loom = await Loom.create([tuned], prompt);
    try {
      await expect(loom.extend([4096])).rejects.toThrow(/outside the vocabulary/);
      expect(loom.nodes).toHaveLength(1);
    } finally {
      await loom.dispose();
    }
  });
});
