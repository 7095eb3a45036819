import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEngine } from '../engine/engine';
import { createNodeEngine } from '../engine/node';
import { injectTrace, recoveryHeatmap, recoveryStep, sampledTraces, traceBand } from './inject';

function refLogProbs(row: Float32Array): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(Array.from(row).reduce((s, v) => s + Math.exp(v - m), 0));
  return Array.from(row, (v) => v - lse);
}

describe('recovery step', () => {
  it('is the first step from which KL stays below the threshold', () => {
    expect(recoveryStep([0.5, 0.05, 0.3, 0.02, 0.01], 0.1)).toBe(3);
    expect(recoveryStep([0.05, 0.02], 0.1)).toBe(0);
    expect(recoveryStep([0.05, 0.5], 0.1)).toBeNull();
    expect(recoveryStep([], 0.1)).toBeNull();
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

  it('KL is 0 for an empty injection', async () => {
    const r = await injectTrace(engine, context, { afterTokens: 4, injection: '', steps: 6 });
    for (const p of r.trace) expect(p.kl).toBeCloseTo(0, 9);
    expect(r.recovery_step).toBe(0);
    expect(r.injected.continuation).toEqual(r.clean.continuation.slice(4, 10));
  });

  it('every trace value matches an independent computation', async () => {
    const K = 5;
    const N = 6;
    const r = await injectTrace(engine, context, { afterTokens: K, injection: ' You are a murderer.', steps: N, threshold: 0.5 });
    const inj = await engine.encodeContinuation(' You are a murderer.');
    expect(r.clean.continuation.length).toBeGreaterThanOrEqual(K + N);
    expect(r.injected.context).toEqual([...context, ...r.clean.continuation.slice(0, K), ...inj]);
    const cleanFull = await engine.score([...context, ...r.clean.continuation]);
    const injFull = await engine.score([...r.injected.context, ...r.injected.continuation]);
    const V = cleanFull.dims[1]!;
    const eos = (await engine.info()).eosTokenIds;
    for (let t = 0; t < N; t++) {
      const c = cleanFull.data.subarray((context.length - 1 + K + t) * V, (context.length + K + t) * V);
      const i = injFull.data.subarray((r.injected.context.length - 1 + t) * V, (r.injected.context.length + t) * V);
      const lc = refLogProbs(c);
      const li = refLogProbs(i);
      const kl = li.reduce((s, x, v) => s + Math.exp(x) * (x - lc[v]!), 0);
      // float32 logits from two different passes (incremental vs teacher-forced): 1e-4 relative
      expect(Math.abs(r.trace[t]!.kl - kl)).toBeLessThan(1e-4 * Math.max(1, Math.abs(kl)));
      expect(Math.abs(r.trace[t]!.logp_clean_next - li[r.clean.continuation[K + t]!]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(li[r.clean.continuation[K + t]!]!)));
      expect(r.trace[t]!.p_end).toBeCloseTo(eos.reduce((s, id) => s + Math.exp(li[id]!), 0), 6);
      // greedy: the injected run's token is the top-1 of its own distribution
      expect(li[r.injected.continuation[t]!]).toBe(Math.max(...li));
    }
    const expected = recoveryStep(r.trace.map((p) => p.kl), 0.5);
    expect(r.recovery_step).toBe(expected);
  });

  it('sampled traces are reproducible and summarised per step', async () => {
    const o = { afterTokens: 3, injection: ' You are a murderer.', steps: 4, seed: 3, runs: 3 };
    const a = await sampledTraces(engine, context, o);
    const b = await sampledTraces(engine, context, o);
    expect(a.runs.map((r) => r.injected.continuation)).toEqual(b.runs.map((r) => r.injected.continuation));
    a.band.forEach((s, t) => {
      const xs = a.runs.map((r) => r.trace[t]!.kl);
      expect(s.mean).toBeCloseTo(xs.reduce((x, y) => x + y, 0) / xs.length, 12);
      expect(s.min).toBe(Math.min(...xs));
      expect(s.max).toBe(Math.max(...xs));
      expect(s.sd).toBeCloseTo(Math.sqrt(xs.reduce((acc, x) => acc + (x - s.mean) ** 2, 0) / xs.length), 12);
    });
    const lp = traceBand(a.runs, 'logp_clean_next');
    lp.forEach((s, t) => {
      const xs = a.runs.map((r) => r.trace[t]!.logp_clean_next);
      expect(s.mean).toBeCloseTo(xs.reduce((x, y) => x + y, 0) / xs.length, 12);
      expect(s.min).toBe(Math.min(...xs));
    });
    expect(traceBand([], 'kl')).toEqual([]);
  });

  it('a heatmap covers every injection point × text', async () => {
    const h = await recoveryHeatmap(engine, context, [2, 4], ['', ' You are a murderer.'], { steps: 3, threshold: 0.1 });
    expect(h.recovery).toHaveLength(2);
    expect(h.recovery[0]).toEqual([0, 0]); // empty injection recovers at once
    expect(h.mean_kl[0]!.every((x) => Math.abs(x) < 1e-9)).toBe(true);
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
