/**
 * The next-token and loom runners against the lab-grown pair (onnxruntime-node): results equal what the
 * existing next-token code gives and independent softmax / entropy / KL computed here from the engine's
 * logits; validators reject bad input with a JSON path; results survive a JSON round trip.
 */
import { describe, expect, it } from 'vitest';
import type { LabEngine } from '../../engine/engine';
import { nextTokenView } from '../next-token';
import { forgetPrefix } from '../next-token';
import { useLabPair } from '../testing/lab-pair';
import { parseJsonText } from './json-safety';
import { loomRunner, type LoomSpec } from './loom';
import { nextTokenRunner, runNextToken, type NextTokenSpec } from './next-token';
import { runnerFor } from './registry';
import { ExperimentDataError, type ModelRef } from './types';

let base: LabEngine;
let tuned: LabEngine;
const ref = (repo: string): ModelRef => ({ repo, revision: null, dtype: 'fp32', backend: 'node' });
const PROMPT = 'The old man looked at the';

useLabPair((p) => ({ base, tuned } = p));

/** log-softmax in float64, written here independently of src/lab. */
function logSoftmax64(row: ArrayLike<number>): number[] {
  const xs = Array.from(row);
  const m = Math.max(...xs);
  const lse = m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
  return xs.map((x) => x - lse);
}

function entropy64(lp: number[]): number {
  return -lp.reduce((s, l) => s + Math.exp(l) * l, 0);
}

/** Next-token logits after `ids`: one fresh full forward pass (no KV cache). */
async function logitsAfter(engine: LabEngine, ids: number[]): Promise<Float32Array> {
  const { data, dims } = await engine.score(ids);
  const V = dims[1]!;
  return data.slice((ids.length - 1) * V, ids.length * V);
}

function nextSpec(settings: Partial<NextTokenSpec['settings']> = {}, models: NextTokenSpec['models'] = { base: ref('models/lab-base'), tuned: ref('models/lab-sft') }): NextTokenSpec {
  return { kind: 'next-token', version: 1, models, prompt: PROMPT, seed: 0, settings: { template: 'none', k: 10, appended: [], ...settings } };
}

describe('next-token runner', () => {
  it('gives per side what nextTokenView gives for the same context, appended tokens included', async () => {
    const ids = await base.encode(PROMPT, 'none');
    const first = await nextTokenView(base, ids, 5);
    const chosen = first.top[1]!;
    const spec = nextSpec({ k: 7, appended: [{ side: 'base', id: chosen.id, text: chosen.text }] });
    const r = await nextTokenRunner.run(spec, { engines: { base, tuned } });
    expect(r.kind).toBe('next-token');
    expect(r.data.same_tokenizer).toBe(true);
    expect(r.data.errors).toEqual({});
    for (const [side, engine] of [['base', base], ['tuned', tuned]] as const) {
      const want = await nextTokenView(engine, [...ids, chosen.id], 7);
      const got = r.data.sides[side]!;
      expect(got.tokens).toEqual(want.tokens);
      expect(got.next.top.map((t) => t.id)).toEqual(want.top.map((t) => t.id));
      got.next.top.forEach((t, i) => {
        expect(t.text).toBe(want.top[i]!.text);
        expect(Math.abs(t.logit - want.top[i]!.logit)).toBeLessThan(1e-4);
        expect(Math.abs(t.prob - want.top[i]!.prob)).toBeLessThan(1e-6);
      });
      expect(Math.abs(got.next.entropy - want.entropy)).toBeLessThan(1e-6);
      expect(Math.abs(got.next.mass_outside - want.massOutside)).toBeLessThan(1e-6);
      // and against an independent softmax of a fresh full pass
      const lp = logSoftmax64(await logitsAfter(engine, [...ids, chosen.id]));
      expect(Math.abs(got.next.entropy - entropy64(lp))).toBeLessThan(1e-4);
      got.next.top.forEach((t) => expect(Math.abs(t.logprob - lp[t.id]!)).toBeLessThan(1e-4));
      expect(got.backend).toBe('node');
      expect(got.dtype).toBe('fp32');
    }
    await forgetPrefix(base);
    await forgetPrefix(tuned);
    expect(await base.liveSequences()).toBe(0);
  });

  it('reuses the previous context when the next one extends it (one token run), and gives the same numbers', async () => {
    const ids = await base.encode(PROMPT, 'none');
    const a = await runNextToken(nextSpec({}, { base: ref('b') }), { engines: { base } });
    const top = a.data.sides.base!.next.top[0]!;
    const b = await runNextToken(nextSpec({ appended: [{ side: 'base', id: top.id, text: top.text }] }, { base: ref('b') }), { engines: { base } });
    expect(await base.liveSequences()).toBe(1);
    const fresh = await nextTokenView(base, [...ids, top.id], 10);
    b.data.sides.base!.next.top.forEach((t, i) => expect(Math.abs(t.logit - fresh.top[i]!.logit)).toBeLessThan(1e-3));
    await forgetPrefix(base);
  });

  it('records a side whose model fails in `errors` (the other side still runs); rethrow throws it as it came', async () => {
    const broken = new Proxy(tuned, {
      get(t, k, r) {
        if (k === 'createSequence' || k === 'step') return () => Promise.reject(Object.assign(new Error('1 of 4096 logits are NaN'), { name: 'NumericalError', problem: 'nan' }));
        const v = Reflect.get(t, k, r) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
    const r = await runNextToken(nextSpec(), { engines: { base, tuned: broken } });
    expect(r.data.errors.tuned).toEqual({ name: 'NumericalError', message: '1 of 4096 logits are NaN' });
    expect(r.data.sides.tuned).toBeUndefined();
    expect(r.data.sides.base!.next.top).toHaveLength(10);
    await expect(runNextToken(nextSpec(), { engines: { base, tuned: broken } }, { rethrow: true })).rejects.toMatchObject({ name: 'NumericalError', problem: 'nan' });
    await forgetPrefix(base);
  });

  it('stops on an aborted signal with a LabAbortError', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(nextTokenRunner.run(nextSpec(), { engines: { base, tuned }, signal: abort.signal })).rejects.toMatchObject({ name: 'LabAbortError' });
  });

  it('validates specs and results strictly, naming the path; a JSON round trip is identical', async () => {
    const spec = nextSpec({ appended: [{ side: 'tuned', id: 5, text: ' x' }] });
    expect(nextTokenRunner.validateSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
    const bad = (mut: (s: Record<string, any>) => void, path: string) => {
      const s = JSON.parse(JSON.stringify(spec)) as Record<string, any>;
      mut(s);
      let err: unknown;
      try {
        nextTokenRunner.validateSpec(s);
      } catch (e) {
        err = e;
      }
      expect(err, path).toBeInstanceOf(ExperimentDataError);
      expect((err as ExperimentDataError).path).toBe(path);
    };
    bad((s) => (s['settings'].k = 0), 'spec.settings.k');
    bad((s) => (s['settings'].k = 2.5), 'spec.settings.k');
    bad((s) => (s['settings'].template = 'urial'), 'spec.settings.template');
    bad((s) => (s['settings'].appended[0].side = 'other'), 'spec.settings.appended[0].side');
    bad((s) => (s['settings'].appended[0].id = -1), 'spec.settings.appended[0].id');
    bad((s) => delete s['settings'].appended, 'spec.settings.appended');
    bad((s) => (s['models'] = {}), 'spec.models');
    bad((s) => (s['kind'] = 'loom'), 'spec.kind');
    bad((s) => (s['version'] = 99), 'spec.version');
    expect(() => nextTokenRunner.validateSpec(parseJsonText('{"__proto__": {"x": 1}, "kind": "next-token"}'))).toThrow(/__proto__/);

    const r = await nextTokenRunner.run(nextSpec({ k: 3 }), { engines: { base, tuned } });
    const back = nextTokenRunner.validateResult(JSON.parse(JSON.stringify(r)));
    expect(back).toEqual(r);
    const badResult = (mut: (d: Record<string, any>) => void, path: string) => {
      const x = JSON.parse(JSON.stringify(r)) as Record<string, any>;
      mut(x['data']);
      expect(() => nextTokenRunner.validateResult(x)).toThrow(new RegExp(`^${path.replace(/[.[\]]/g, '\\$&')}:`));
    };
    badResult((d) => (d['sides'].base.next.top[1].prob = 2), 'result.data.sides.base.next.top[1].prob');
    badResult((d) => (d['sides'].base.next.entropy = 'x'), 'result.data.sides.base.next.entropy');
    badResult((d) => (d['sides'].other = d['sides'].base), 'result.data.sides.other');
    badResult((d) => ((d['sides'] = {}), (d['errors'] = {})), 'result.data.sides');
    expect(nextTokenRunner.title(nextSpec())).toBe('next token · lab-base vs lab-sft · “The old man looked at the”');
    expect(nextTokenRunner.headline(r.data)['entropy_base']).toBe(r.data.sides.base!.next.entropy);
    expect(runnerFor('next-token')).toBe(nextTokenRunner);
    await forgetPrefix(base);
    await forgetPrefix(tuned);
  });
});

function loomSpec(path: number[], settings: Partial<LoomSpec['settings']> = {}, models: LoomSpec['models'] = { base: ref('models/lab-base'), tuned: ref('models/lab-sft') }): LoomSpec {
  return {
    kind: 'loom',
    version: 1,
    models,
    prompt: PROMPT,
    seed: 0,
    settings: { template: 'none', path, sampling: { temperature: 0.8, topK: 20, topP: 0.9, minP: 0 }, k: 8, drive: 'tuned', ...settings },
  };
}

describe('loom runner', () => {
  it('gives per step both models’ distributions equal to an independent softmax, entropy and KL of the engine logits', async () => {
    const prompt = await base.encode(PROMPT, 'none');
    // A path: the tuned model's top token, then the base model's 3rd, then the tuned model's 2nd.
    const path: number[] = [];
    const l0 = await logitsAfter(tuned, prompt);
    path.push(Array.from(l0.keys()).sort((a, b) => l0[b]! - l0[a]!)[0]!);
    const l1 = await logitsAfter(base, [...prompt, ...path]);
    path.push(Array.from(l1.keys()).sort((a, b) => l1[b]! - l1[a]!)[2]!);
    const l2 = await logitsAfter(tuned, [...prompt, ...path]);
    path.push(Array.from(l2.keys()).sort((a, b) => l2[b]! - l2[a]!)[1]!);

    let progress = 0;
    const r = await loomRunner.run(loomSpec(path), { engines: { base, tuned }, onProgress: (p) => (progress = p.done) });
    expect(progress).toBe(path.length + 1);
    expect(r.data.steps).toHaveLength(path.length + 1);
    expect(r.data.path.map((t) => t.id)).toEqual(path);
    expect(r.data.prompt_tokens.map((t) => t.id)).toEqual(prompt);
    const logp: Record<'base' | 'tuned', number> = { base: 0, tuned: 0 };
    for (let i = 0; i <= path.length; i++) {
      const ctx = [...prompt, ...path.slice(0, i)];
      const step = r.data.steps[i]!;
      expect(step.token).toBe(i < path.length ? path[i] : null);
      const lps: Record<'base' | 'tuned', number[]> = { base: [], tuned: [] };
      for (const [side, engine] of [['base', base], ['tuned', tuned]] as const) {
        const logits = await logitsAfter(engine, ctx);
        const lp = logSoftmax64(logits);
        lps[side] = lp;
        const s = step.sides[side]!;
        expect(Math.abs(s.entropy - entropy64(lp)), `step ${i} ${side} entropy`).toBeLessThan(1e-4);
        const order = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]! || a - b);
        expect(s.top).toHaveLength(8);
        const rowTexts = await engine.tokenTexts(s.top.map((row) => row.id));
        s.top.forEach((row, j) => {
          expect(row.rank).toBe(j + 1);
          expect(row.text).toBe(rowTexts[j]);
          if (row.id !== order[j]) expect(Math.abs(logits[order[j]!]! - logits[row.id]!)).toBeLessThan(1e-4);
          expect(Math.abs(row.prob - Math.exp(lp[row.id]!))).toBeLessThan(1e-5);
        });
        const listed = s.top.reduce((a, row) => a + Math.exp(lp[row.id]!), 0);
        expect(Math.abs(s.mass_outside - (1 - listed))).toBeLessThan(1e-5);
        // Processed (T 0.8, top-k 20, top-p 0.9): computed here from scratch.
        const scaled = logSoftmax64(Array.from(logits, (x) => x / 0.8));
        const byProb = Array.from(scaled.keys()).sort((a, b) => scaled[b]! - scaled[a]! || a - b).slice(0, 20);
        const keep: number[] = [];
        let cum = 0;
        // (top-p accumulates the probabilities at the temperature, not renormalised after top-k: the
        // lab's processedProbs does so; see the report.)
        for (const id of byProb) {
          keep.push(id);
          cum += Math.exp(scaled[id]!);
          if (cum >= 0.9) break;
        }
        const z = keep.reduce((a, id) => a + Math.exp(scaled[id]!), 0);
        for (const row of s.top) {
          const want = keep.includes(row.id) ? Math.exp(scaled[row.id]!) / z : 0;
          expect(Math.abs(row.processed_prob - want), `step ${i} ${side} processed p of ${row.id}`).toBeLessThan(1e-5);
        }
        expect(s.kept).toBe(keep.length);
        if (i < path.length) {
          const t = path[i]!;
          expect(s.chosen!.id).toBe(t);
          expect(Math.abs(s.chosen!.prob - Math.exp(lp[t]!))).toBeLessThan(1e-5);
          expect(s.chosen!.rank).toBe(order.indexOf(t) + 1);
          logp[side] += lp[t]!;
        } else expect(s.chosen).toBeNull();
      }
      // KL(tuned ‖ base), independently
      const kl = lps.tuned.reduce((a, l, j) => a + Math.exp(l) * (l - lps.base[j]!), 0);
      expect(Math.abs(step.kl_tuned_base! - kl), `step ${i} KL`).toBeLessThan(1e-4);
    }
    expect(Math.abs(r.data.path_logprob.base! - logp.base)).toBeLessThan(1e-4);
    expect(Math.abs(r.data.path_logprob.tuned! - logp.tuned)).toBeLessThan(1e-4);
    expect(await base.liveSequences()).toBe(0);
    expect(await tuned.liveSequences()).toBe(0);

    // JSON round trip
    expect(loomRunner.validateResult(JSON.parse(JSON.stringify(r)))).toEqual(r);
    const h = loomRunner.headline(r.data);
    expect(h['path_tokens']).toBe(3);
    expect(h['mean_kl']).toBeCloseTo(r.data.steps.reduce((a, s) => a + s.kl_tuned_base!, 0) / 4, 12);
  });

  it('runs one model alone (no KL) and refuses a token outside the vocabulary with its path', async () => {
    const r = await loomRunner.run(loomSpec([5, 6], {}, { tuned: ref('t') }), { engines: { tuned } });
    expect(Object.keys(r.data.steps[0]!.sides)).toEqual(['tuned']);
    expect(r.data.steps[0]!.kl_tuned_base).toBeNull();
    const V = (await tuned.info()).vocabSize;
    await expect(loomRunner.run(loomSpec([5, V], {}, { tuned: ref('t') }), { engines: { tuned } })).rejects.toMatchObject({ path: 'spec.settings.path[1]' });
  });

  it('validates specs and results strictly, naming the path', async () => {
    const spec = loomSpec([1, 2, 3]);
    expect(loomRunner.validateSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
    const bad = (mut: (s: Record<string, any>) => void, path: string) => {
      const s = JSON.parse(JSON.stringify(spec)) as Record<string, any>;
      mut(s);
      expect(() => loomRunner.validateSpec(s), path).toThrow(new RegExp(`^${path.replace(/[.[\]]/g, '\\$&')}:`));
    };
    bad((s) => (s['settings'].path[1] = 1.5), 'spec.settings.path[1]');
    bad((s) => (s['settings'].path = 'x'), 'spec.settings.path');
    bad((s) => (s['settings'].sampling.temperature = 9), 'spec.settings.sampling.temperature');
    bad((s) => (s['settings'].sampling.topP = 0), 'spec.settings.sampling.topP');
    bad((s) => (s['settings'].sampling.minP = 1), 'spec.settings.sampling.minP');
    bad((s) => (s['settings'].k = 501), 'spec.settings.k');
    bad((s) => (s['settings'].drive = 'both'), 'spec.settings.drive');
    bad((s) => (s['models'] = {}), 'spec.models');
    const r = await loomRunner.run(loomSpec([7]), { engines: { base, tuned } });
    const badResult = (mut: (d: Record<string, any>) => void, path: string) => {
      const x = JSON.parse(JSON.stringify(r)) as Record<string, any>;
      mut(x['data']);
      expect(() => loomRunner.validateResult(x), path).toThrow(new RegExp(`^${path.replace(/[.[\]]/g, '\\$&')}:`));
    };
    badResult((d) => d['steps'].pop(), 'result.data.steps');
    badResult((d) => (d['steps'][0].token = 8), 'result.data.steps[0].token');
    badResult((d) => (d['steps'][1].sides.base.top[0].prob = -0.1), 'result.data.steps[1].sides.base.top[0].prob');
    badResult((d) => (d['steps'][0].kl_tuned_base = -1), 'result.data.steps[0].kl_tuned_base');
    expect(loomRunner.title(spec)).toBe('loom path · lab-base vs lab-sft · “The old man looked at the” + 3 tokens');
  });
});
