import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEngine } from '../engine/engine';
import { createNodeEngine } from '../engine/node';
import type { Engine, ModelInfo } from '../engine/types';
import { seededRandom } from './distributions';
import { alignTokens, CleanRunEndedError, continuationDiff, controlSeed, injectTrace, recoveryAt, recoveryHeatmap, sampledTraces, stopIdsFor, traceBand, type InjectResult, type TracePoint } from './inject';

// ------------------------------------------------------------------------------------------------
// Independent reference computations (plain number arrays, no code shared with inject.ts).

function refLogProbs(row: ArrayLike<number>): number[] {
  const xs = Array.from(row);
  const m = Math.max(...xs);
  const lse = m + Math.log(xs.reduce((s, v) => s + Math.exp(v - m), 0));
  return xs.map((v) => v - lse);
}
const refKl = (lp: number[], lq: number[]) => lp.reduce((s, x, v) => s + Math.exp(x) * (x - lq[v]!), 0);
const refEntropy = (lp: number[]) => -lp.reduce((s, x) => s + Math.exp(x) * x, 0);
/** Inverse CDF over the vocabulary in id order. */
function refDraw(lp: number[], u: number): number {
  let c = 0;
  for (let i = 0; i < lp.length; i++) {
    c += Math.exp(lp[i]!);
    if (u < c) return i;
  }
  return lp.length - 1;
}

/** Brute force: every offset's KL per step, the argmin (smallest |d|, then negative), and the recovery test. */
function refTrace(cleanRows: number[][], injRows: number[][], K: number, W: number, tau: number, R: number, injEnded: boolean, cleanIds: number[], injIds: number[], stop: number[]) {
  const kls = injRows.map((lp, t) => {
    const m = new Map<number, number>();
    for (let d = -W; d <= W; d++) if (K + t + d >= 0 && K + t + d < cleanRows.length) m.set(d, refKl(lp, cleanRows[K + t + d]!));
    return m;
  });
  const aligned = kls.map((m) => {
    let best: [number, number] | null = null;
    for (const [d, v] of m) if (!best || v < best[1] - 1e-12 || (Math.abs(v - best[1]) <= 1e-12 && (Math.abs(d) < Math.abs(best[0]) || (Math.abs(d) === Math.abs(best[0]) && d < best[0])))) best = [d, v];
    return best;
  });
  let recovery: [number, number] | null = null;
  const L = injRows.length;
  outer: for (let t = 0; t < L; t++) {
    const ds = [...Array(2 * W + 1).keys()].map((i) => i - W).sort((a, b) => Math.abs(a) - Math.abs(b) || a - b);
    for (const d of ds) {
      const steps = [...Array(R).keys()].map((i) => t + i);
      const inRun = steps.filter((s) => s < L);
      if (inRun.length < R && !(injEnded && stop.includes(cleanIds[K + L - 1 + d] ?? -1) && stop.includes(injIds[L - 1]!))) continue;
      if (inRun.every((s) => (kls[s]!.get(d) ?? Infinity) < tau)) {
        recovery = [t, d];
        break outer;
      }
    }
  }
  return { kls, aligned, recovery };
}

// ------------------------------------------------------------------------------------------------
// A fake engine whose logits we control: a first-order chain. The next-token distribution depends on
// the last token that is not a no-op: logit 5 on next(last), 2 on (next + 7) mod V, −30 on the stop ids
// otherwise, 0 elsewhere.

const V = 32;
const STOP = 2;
const NOOP = 25;

class ChainEngine {
  private seqs = new Map<number, number[]>();
  private id = 0;
  constructor(private readonly next: (last: number) => number) {}
  logitsFor(ids: number[]): Float32Array {
    const last = [...ids].reverse().find((x) => x !== NOOP)!;
    const peak = this.next(last);
    const row = new Float32Array(V);
    row[0] = row[STOP] = -30; // the stop ids only where the chain puts them
    row[(peak + 7) % V] = 2;
    row[peak] = 5;
    return row;
  }
  async info(): Promise<ModelInfo> {
    return { eosTokenIds: [STOP, 0], vocabSize: V } as ModelInfo;
  }
  async encodeContinuation(text: string): Promise<number[]> {
    return text.trim().split(/\s+/).map(Number);
  }
  async createSequence(ids: number[]) {
    const seq = ++this.id;
    this.seqs.set(seq, [...ids]);
    return { seq, logits: { data: this.logitsFor(ids), dims: [1, V] } };
  }
  async step(seq: number, ids: number[]) {
    const s = this.seqs.get(seq)!;
    s.push(...ids);
    return { data: this.logitsFor(s), dims: [1, V] };
  }
  async release(seq: number) {
    this.seqs.delete(seq);
  }
  async liveSequences() {
    return this.seqs.size;
  }
}

/** Chain 1 → 3 → 4 → … → 20 → STOP; detour 21 → 22 → `rejoin`; a loop 28 ⇄ 29 off the chain. */
function chain(rejoin = 11): Engine {
  return new ChainEngine((last) => {
    if (last === 1) return 3;
    if (last >= 3 && last < 20) return last + 1;
    if (last === 20) return STOP;
    if (last === 21) return 22;
    if (last === 22) return rejoin;
    if (last === 28) return 29;
    if (last === 29) return 28;
    return 3;
  }) as unknown as Engine;
}

describe('recovery test', () => {
  const row = (vals: Record<number, number>, W: number) => Array.from({ length: 2 * W + 1 }, (_, i) => vals[i - W] ?? null);
  it('needs one offset below the threshold for a run of consecutive steps', () => {
    const W = 1;
    const kls = [row({ 0: 0.5, 1: 0.5 }, W), row({ 0: 0.05, 1: 0.5 }, W), row({ 0: 0.3, 1: 0.01 }, W), row({ 0: 0.02, 1: 0.5 }, W), row({ 0: 0.01 }, W)];
    // offset 0 dips at 1 and from 3 on, but the run of 2 from step 3 needs two steps: 3, 4
    expect(recoveryAt(kls, W, 0.1, 2, null)).toEqual({ step: 3, offset: 0 });
    // a run of 3 is never reached: one late dip does not count
    expect(recoveryAt(kls, W, 0.1, 3, null)).toBeNull();
    // alternating offsets do not make a run
    expect(recoveryAt([row({ 0: 0.01, 1: 1 }, W), row({ 0: 1, 1: 0.01 }, W)], W, 0.1, 2, null)).toBeNull();
    // ended: a short final run counts only if the clean run ended at the aligned position too
    expect(recoveryAt([row({ 1: 1 }, W), row({ 1: 0.01 }, W)], W, 0.1, 4, () => true)).toEqual({ step: 1, offset: 1 });
    expect(recoveryAt([row({ 1: 1 }, W), row({ 1: 0.01 }, W)], W, 0.1, 4, () => false)).toBeNull();
    expect(recoveryAt([], W, 0.1, 2, null)).toBeNull();
  });
});

describe('alignTokens', () => {
  it('is a longest-common-subsequence diff', () => {
    const a = [5, 6, 7, 8, 9, 10];
    const b = [1, 2, 8, 9, 10, 11];
    const ops = alignTokens(a, b);
    expect(ops.filter((o) => o.op === 'same').map((o) => (o as { clean: number }).clean)).toEqual([3, 4, 5]);
    // every token of each side appears once, in order
    expect(ops.flatMap((o) => ('clean' in o ? [o.clean] : []))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(ops.flatMap((o) => ('injected' in o ? [o.injected] : []))).toEqual([0, 1, 2, 3, 4, 5]);
    // brute-force LCS length on random sequences
    const rnd = seededRandom(9);
    for (let n = 0; n < 30; n++) {
      const x = Array.from({ length: Math.floor(rnd() * 8) }, () => Math.floor(rnd() * 3));
      const y = Array.from({ length: Math.floor(rnd() * 8) }, () => Math.floor(rnd() * 3));
      const lcs = (i: number, j: number): number => (i === x.length || j === y.length ? 0 : x[i] === y[j] ? 1 + lcs(i + 1, j + 1) : Math.max(lcs(i + 1, j), lcs(i, j + 1)));
      const d = alignTokens(x, y);
      expect(d.filter((o) => o.op === 'same').length).toBe(lcs(0, 0));
      for (const o of d) if (o.op === 'same') expect(x[o.clean]).toBe(y[o.injected]);
    }
  });
});

describe('injection on a chain model whose logits we control', () => {
  const K = 4;
  it('a run that rejoins the clean text k tokens early is recovered with offset k (same-offset KL stays high)', async () => {
    for (const k of [1, 3, 5]) {
      const engine = chain(3 + K + 1 + k); // after the detour 21 → 22, the chain resumes where the clean run is k tokens later
      const r = await injectTrace(engine, [1], { afterTokens: K, injection: '21', steps: 8, window: 8, run: 4 });
      expect(r.clean.continuation.slice(0, 6)).toEqual([3, 4, 5, 6, 7, 8]);
      expect(r.injected.continuation.slice(0, 3)).toEqual([22, 3 + K + 1 + k, 3 + K + 2 + k]);
      expect(r.outcome).toBe('recovered');
      expect(r.recovery_step).toBe(1);
      expect(r.recovery_offset).toBe(k);
      for (const p of r.trace.slice(1)) {
        expect(p.aligned_offset).toBe(k);
        expect(p.kl_aligned).toBeLessThan(1e-9);
        if (p.kl !== null) expect(p.kl).toBeGreaterThan(1);
      }
      expect(r.trace[0]!.kl_aligned).toBeGreaterThan(1);
      // the diff shows the rejoin: the injected run's tokens from step 1 are the clean run's from K + 1 + k
      const diff = continuationDiff(r);
      const same = diff.filter((o) => o.op === 'same') as { clean: number; injected: number }[];
      expect(same.length).toBeGreaterThanOrEqual(5);
      for (const o of same) expect(o.clean - o.injected).toBe(k);
    }
  });

  it('a run outside the window is not recovered; a loop off the chain diverges', async () => {
    const far = await injectTrace(chain(3 + K + 1 + 6), [1], { afterTokens: K, injection: '21', steps: 8, window: 4 });
    expect(far.recovery_step).toBeNull();
    expect(far.outcome).toBe('diverged');
    const loop = await injectTrace(chain(), [1], { afterTokens: K, injection: '28', steps: 8 });
    expect(loop.outcome).toBe('diverged');
    expect(loop.ended_step).toBeNull();
    expect(loop.injected.continuation).toEqual([29, 28, 29, 28, 29, 28, 29, 28]);
  });

  it('runs stop at end-of-turn; a run that closes its turn off the trajectory has ended, with the step and p(end)', async () => {
    const engine = chain();
    const r = await injectTrace(engine, [1], { afterTokens: K, injection: '20', steps: 8, window: 8 });
    // clean: 3 … 20 then the stop id, and no further
    expect(r.clean.continuation).toEqual([...Array.from({ length: 18 }, (_, i) => 3 + i), STOP]);
    expect(r.clean_ended_step).toBe(18);
    expect(r.injected.continuation).toEqual([STOP]);
    expect(r.outcome).toBe('ended');
    expect(r.ended_step).toBe(0);
    expect(r.trace).toHaveLength(1);
    const lp = refLogProbs((engine as unknown as ChainEngine).logitsFor([1, 3, 4, 5, 6, 20]));
    expect(r.trace[0]!.p_end).toBeCloseTo(Math.exp(lp[STOP]!) + Math.exp(lp[0]!), 12);
    // the clean stop is 14 positions ahead: outside ±8, so not "ended together"
    expect(r.trace[0]!.kl_aligned).toBeGreaterThan(1);
    // within a window that reaches it, both runs end together: recovered
    const wide = await injectTrace(engine, [1], { afterTokens: K, injection: '20', steps: 8, window: 14 });
    expect(wide.outcome).toBe('recovered');
    expect([wide.recovery_step, wide.recovery_offset, wide.ended_step]).toEqual([0, 14, 0]);
    // the injection point must lie before the clean run's end
    await expect(injectTrace(engine, [1], { afterTokens: 19, injection: '5', steps: 2 })).rejects.toThrow(/stopped after 19 tokens/);
    expect(await engine.liveSequences()).toBe(0);
  });

  it('an empty injection is the clean run: KL 0 and recovery at step 0, greedy and sampled, also when it ends', async () => {
    let ended = 0;
    for (const seed of [undefined, 0, 1, 2]) {
      for (const [k, n] of seed === undefined ? ([[4, 8], [14, 8]] as const) : ([[4, 8], [4, 24]] as const)) {
        const r = await injectTrace(chain(), [1], { afterTokens: k, injection: '', steps: n, ...(seed !== undefined ? { seed } : {}) });
        expect(r.injected.continuation).toEqual(r.clean.continuation.slice(k, k + n));
        for (const p of r.trace) expect([p.kl, p.kl_aligned, p.aligned_offset]).toEqual([0, 0, 0]);
        expect([r.outcome, r.recovery_step, r.recovery_offset]).toEqual(['recovered', 0, 0]);
        if (r.ended_step !== null) ended++;
      }
    }
    expect(ended).toBeGreaterThanOrEqual(2); // the ending case is exercised, greedy and sampled
  });

  it('sampled mode uses common random numbers: a no-op injection leaves the sampled run identical', async () => {
    const engine = chain() as unknown as ChainEngine;
    let differs = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = await injectTrace(engine as unknown as Engine, [1], { afterTokens: K, injection: String(NOOP), steps: 10, seed, window: 8 });
      // independent: draw every clean token with u_i and every injected token with u_{K+t}
      const u = (() => {
        const g = seededRandom(seed);
        return Array.from({ length: 40 }, () => g());
      })();
      const clean: number[] = [];
      for (let i = 0; clean.length < r.clean.continuation.length; i++) clean.push(refDraw(refLogProbs(engine.logitsFor([1, ...clean])), u[i]!));
      expect(r.clean.continuation).toEqual(clean);
      const inj: number[] = [];
      const ctx = [1, ...clean.slice(0, K), NOOP];
      for (let t = 0; inj.length < r.injected.continuation.length; t++) inj.push(refDraw(refLogProbs(engine.logitsFor([...ctx, ...inj])), u[K + t]!));
      expect(r.injected.continuation).toEqual(inj);
      expect(r.injected.continuation).toEqual(clean.slice(K, K + r.injected.continuation.length));
      expect(r.outcome).toBe('recovered');
      expect(r.recovery_step).toBe(0);
      // the control: same first K tokens, an independent stream
      const v = (() => {
        const g = seededRandom(controlSeed(seed));
        return Array.from({ length: 40 }, () => g());
      })();
      const ctl: number[] = [];
      for (let t = 0; ctl.length < r.control!.continuation.length; t++) ctl.push(refDraw(refLogProbs(engine.logitsFor([1, ...clean.slice(0, K), ...ctl])), v[K + t]!));
      expect(r.control!.continuation).toEqual(ctl);
      expect(r.control!.seed).toBe(controlSeed(seed));
      if (ctl.join() !== clean.slice(K, K + ctl.length).join()) differs++;
    }
    // the control's own stream does leave the clean trajectory (p(chain) ≈ 0.8 per step)
    expect(differs).toBeGreaterThan(0);
  });
});

describe('sampled runs whose clean run ends before the injection point', () => {
  it('are skipped and listed, the others kept; all skipped throws', async () => {
    const engine = chain();
    const o = { afterTokens: 15, injection: '28', steps: 2, seed: 0, runs: 12 };
    const r = await sampledTraces(engine, [1], o);
    expect(r.skipped.length).toBeGreaterThan(0);
    expect(r.runs.length).toBeGreaterThan(0);
    expect(r.runs.length + r.skipped.length).toBe(12);
    for (const x of r.skipped) {
      await expect(injectTrace(engine, [1], { ...o, seed: x.seed })).rejects.toBeInstanceOf(CleanRunEndedError);
      expect(x.clean_length).toBeLessThanOrEqual(15);
    }
    for (const x of r.runs) expect(r.skipped.map((k) => k.seed)).not.toContain(x.seed);
    // a model that closes its turn at once (p ≈ 0.83 each step): 40 tokens before it never happen
    const closer = new ChainEngine(() => STOP) as unknown as Engine;
    await expect(sampledTraces(closer, [1], { ...o, afterTokens: 40, runs: 3 })).rejects.toThrow(/before the injection point K = 40/);
  });
});

describe('injection traces on the lab pair', () => {
  let engine: LabEngine;
  let context: number[];
  beforeAll(async () => {
    engine = createNodeEngine('node');
    await engine.load(resolve('models/lab-sft'));
    context = await engine.encode("Write a toast for my best friend's wedding.", 'chat');
  });
  afterAll(() => engine.dispose());

  async function check(r: InjectResult, o: { K: number; N: number; W: number; R: number; injection: string }) {
    const inj = await engine.encodeContinuation(o.injection);
    expect(r.injected.context).toEqual([...context, ...r.clean.continuation.slice(0, o.K), ...inj]);
    const cleanFull = await engine.score([...context, ...r.clean.continuation]);
    const injFull = await engine.score([...r.injected.context, ...r.injected.continuation]);
    const Vv = cleanFull.dims[1]!;
    const rowsOf = (data: Float32Array, from: number, n: number) => Array.from({ length: n }, (_, t) => refLogProbs(data.subarray((from + t) * Vv, (from + t + 1) * Vv)));
    const stop = (await engine.info()).eosTokenIds;
    const cleanStopped = stop.includes(r.clean.continuation.at(-1)!);
    const cleanRows = rowsOf(cleanFull.data, context.length - 1, r.clean.continuation.length + (cleanStopped ? 0 : 1));
    const injRows = rowsOf(injFull.data, r.injected.context.length - 1, r.injected.continuation.length);
    const injEnded = stop.includes(r.injected.continuation.at(-1)!);
    // the entropy-relative threshold
    const H = cleanRows.slice(o.K, o.K + o.N).map(refEntropy);
    expect(r.threshold.mean_entropy).toBeCloseTo(H.reduce((a, b) => a + b, 0) / H.length, 4);
    expect(r.threshold.effective).toBeCloseTo(Math.max(r.threshold.nats, r.threshold.relative * r.threshold.mean_entropy), 12);
    const ref = refTrace(cleanRows, injRows, o.K, o.W, r.threshold.effective, Math.min(o.R, o.N), injEnded, r.clean.continuation, r.injected.continuation, stop);
    expect(r.trace).toHaveLength(injRows.length);
    const close = (a: number | null, b: number | undefined) => {
      if (b === undefined) return expect(a).toBeNull();
      expect(a).not.toBeNull();
      // float32 logits from two different passes (incremental vs teacher-forced): 1e-4 relative
      expect(Math.abs(a! - b)).toBeLessThan(1e-4 * Math.max(1, Math.abs(b)));
    };
    r.trace.forEach((p: TracePoint, t) => {
      close(p.kl, ref.kls[t]!.get(0));
      close(p.kl_aligned, ref.aligned[t]?.[1]);
      // the argmin can only differ where two offsets are equally good within float noise
      if (p.aligned_offset !== ref.aligned[t]![0]) expect(Math.abs(ref.kls[t]!.get(p.aligned_offset!)! - ref.aligned[t]![1])).toBeLessThan(1e-4);
      expect(p.p_end).toBeCloseTo(stop.reduce((s, id) => s + Math.exp(injRows[t]![id]!), 0), 6);
      if (p.logp_clean_next !== null) close(p.logp_clean_next, injRows[t]![r.clean.continuation[o.K + t]!]);
    });
    expect([r.recovery_step, r.recovery_offset]).toEqual(ref.recovery ?? [null, null]);
    expect(r.outcome).toBe(ref.recovery ? 'recovered' : injEnded ? 'ended' : 'diverged');
    expect(r.ended_step).toBe(injEnded ? r.injected.continuation.length - 1 : null);
    return { cleanRows, injRows };
  }

  it('runs stop at the EOS ids, and with the chat template at its end-of-turn token, for the base model too', async () => {
    const base = createNodeEngine('node');
    try {
      await base.load(resolve('models/lab-base'));
      for (const e of [engine, base]) {
        const eos = (await e.info()).eosTokenIds;
        expect(await stopIdsFor(e, 'none')).toEqual(eos);
        // independently: the text after an assistant message in the rendered chat starts with the special token
        const rendered = await e.renderChat([{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }], false);
        const after = rendered.slice(rendered.lastIndexOf('b') + 1);
        const special = (await e.encodeContinuation(after))[0]!;
        expect(await e.decode([special], { skipSpecial: true })).toBe('');
        expect(after.startsWith(await e.decode([special]))).toBe(true);
        expect(new Set(await stopIdsFor(e, 'chat'))).toEqual(new Set([...eos, special]));
      }
    } finally {
      await base.dispose();
    }
  });

  it('every trace value matches an independent computation (greedy)', async () => {
    const o = { K: 5, N: 10, W: 8, R: 4, injection: ' You are a murderer.' };
    const r = await injectTrace(engine, context, { afterTokens: o.K, injection: o.injection, steps: o.N, threshold: 0.5 });
    expect([r.window, r.run, r.threshold.nats, r.threshold.relative, r.seed, r.control]).toEqual([8, 4, 0.5, 0.1, null, null]);
    const { injRows } = await check(r, o);
    // greedy: the injected run's token is the top-1 of its own distribution
    r.injected.continuation.forEach((id, t) => expect(injRows[t]![id]).toBe(Math.max(...injRows[t]!)));
  });

  it('every trace value matches an independent computation (sampled, common random numbers, control)', async () => {
    const o = { K: 6, N: 8, W: 3, R: 2, injection: ' You are a murderer.' };
    const r = await injectTrace(engine, context, { afterTokens: o.K, injection: o.injection, steps: o.N, window: o.W, run: o.R, threshold: 0.2, relThreshold: 0.3, seed: 11 });
    const { cleanRows, injRows } = await check(r, o);
    const g = seededRandom(11);
    const u = Array.from({ length: o.K + o.N + o.W }, () => g());
    r.clean.continuation.forEach((id, i) => expect(id).toBe(refDraw(cleanRows[i]!, u[i]!)));
    r.injected.continuation.forEach((id, t) => expect(id).toBe(refDraw(injRows[t]!, u[o.K + t]!)));
    // the control: a clean run from the same K tokens with the control seed, traced like the injected run
    const c = r.control!;
    const ctlFull = await engine.score([...context, ...r.clean.continuation.slice(0, o.K), ...c.continuation]);
    const Vv = ctlFull.dims[1]!;
    const ctlRows = c.continuation.map((_, t) => refLogProbs(ctlFull.data.subarray((context.length + o.K - 1 + t) * Vv, (context.length + o.K + t) * Vv)));
    const gv = seededRandom(controlSeed(11));
    const v = Array.from({ length: o.K + o.N }, () => gv());
    c.continuation.forEach((id, t) => expect(id).toBe(refDraw(ctlRows[t]!, v[o.K + t]!)));
    const stop = (await engine.info()).eosTokenIds;
    const ref = refTrace(cleanRows, ctlRows, o.K, o.W, r.threshold.effective, o.R, stop.includes(c.continuation.at(-1)!), r.clean.continuation, c.continuation, stop);
    c.trace.forEach((p, t) => expect(Math.abs(p.kl_aligned! - ref.aligned[t]![1])).toBeLessThan(1e-4 * Math.max(1, ref.aligned[t]![1])));
    expect([c.recovery_step, c.recovery_offset]).toEqual(ref.recovery ?? [null, null]);
  });

  it('an empty injection gives KL 0 and recovery at step 0, greedy and sampled', async () => {
    for (const seed of [undefined, 4]) {
      const r = await injectTrace(engine, context, { afterTokens: 4, injection: '', steps: 6, ...(seed !== undefined ? { seed } : {}) });
      for (const p of r.trace) expect([p.kl, p.kl_aligned, p.aligned_offset]).toEqual([0, 0, 0]);
      expect([r.outcome, r.recovery_step]).toEqual(['recovered', 0]);
      expect(r.injected.continuation).toEqual(r.clean.continuation.slice(4, 4 + r.injected.continuation.length));
    }
  });

  it('sampled traces are reproducible and summarised per step, with the control band', async () => {
    const o = { afterTokens: 3, injection: ' You are a murderer.', steps: 4, seed: 3, runs: 3 };
    const a = await sampledTraces(engine, context, o);
    const b = await sampledTraces(engine, context, o);
    expect(a.runs.map((r) => r.injected.continuation)).toEqual(b.runs.map((r) => r.injected.continuation));
    const summary = (xs: number[]) => {
      const mean = xs.reduce((x, y) => x + y, 0) / xs.length;
      return { mean, min: Math.min(...xs), max: Math.max(...xs), sd: Math.sqrt(xs.reduce((acc, x) => acc + (x - mean) ** 2, 0) / xs.length) };
    };
    for (const [band, traces] of [[a.band, a.runs.map((r) => r.trace)], [a.control_band, a.runs.map((r) => r.control!.trace)]] as const) {
      band.forEach((s) => {
        const xs = traces.map((tr) => tr[s.step]?.kl_aligned).filter((x): x is number => typeof x === 'number');
        const e = summary(xs);
        expect(s.n).toBe(xs.length);
        expect(s.mean).toBeCloseTo(e.mean, 12);
        expect(s.min).toBe(e.min);
        expect(s.max).toBe(e.max);
        expect(s.sd).toBeCloseTo(e.sd, 12);
      });
    }
    expect(traceBand([], 'kl')).toEqual([]);
  });

  it('a heatmap covers every injection point × text', async () => {
    const h = await recoveryHeatmap(engine, context, [2, 4], ['', ' You are a murderer.'], { steps: 3, threshold: 0.1 });
    expect(h.recovery).toHaveLength(2);
    expect(h.recovery[0]).toEqual([0, 0]); // empty injection recovers at once
    expect(h.outcome[0]).toEqual(['recovered', 'recovered']);
    expect(h.mean_kl[0]!.every((x) => x === 0)).toBe(true);
    expect(await engine.liveSequences()).toBe(0);
  });

  it('reports progress and stops on abort, releasing its sequences', async () => {
    const seen: [number, number][] = [];
    await recoveryHeatmap(engine, context, [1, 2], ['', ' Hello.'], { steps: 2, threshold: 0.1, onProgress: (d, t) => seen.push([d, t]) });
    expect(seen).toEqual([[1, 4], [2, 4], [3, 4], [4, 4]]);
    const ac = new AbortController();
    const p = recoveryHeatmap(engine, context, [1, 2], ['', ' Hello.'], { steps: 2, threshold: 0.1, signal: ac.signal, onProgress: (d) => d === 1 && ac.abort() });
    await expect(p).rejects.toMatchObject({ name: 'LabAbortError' });
    const runs: number[] = [];
    await sampledTraces(engine, context, { afterTokens: 1, injection: ' Hi.', steps: 2, seed: 1, runs: 2, onProgress: (d) => runs.push(d) });
    expect(runs).toEqual([1, 2]);
    const aborted = new AbortController();
    aborted.abort();
    await expect(injectTrace(engine, context, { afterTokens: 1, injection: ' Hi.', steps: 2, signal: aborted.signal })).rejects.toMatchObject({ name: 'LabAbortError' });
    expect(await engine.liveSequences()).toBe(0);
  });
});
