/**
 * Every experiment on every stand-in, on every backend (issue #12, point 4): next token, loom, compare,
 * sweep, inject and answers, each through the library function the page and the CLI call (the kind's
 * runner in src/lab/experiments/, and the loom's `Loom` class for branching), on onnxruntime-node,
 * onnxruntime-web's WASM build and WebGPU (Dawn + SwiftShader in Node, as standins-webgpu.test.ts), and
 * every number checked against an independent computation written here in float64 from plain full
 * forward passes (`score`, no KV cache, no batch) on the same backend, and against the node backend.
 *
 * The stand-ins are read from disk (every folder of models/standins/ with a reference.json); siblings
 * (`<family>-base-<style>` next to `<family>-<style>`) run as one pair (base, tuned), a stand-in without
 * a sibling runs as base = tuned. One variant per stand-in, the one standins-webgpu.test.ts runs on
 * WebGPU (fp32 for a tuned or single stand-in, q4 for a base), on all three backends: float16 variants
 * are refused on SwiftShader (no shader-f16), and the float16 tolerances are covered by standins.test.ts.
 *
 * Tolerances (max |Δ|, logits spanning about ±18–31):
 * - against the PyTorch reference (next token, and the loom's branch along the reference ids): 1e-4
 *   (fp32 and q4 compute in float32 on the reference's own weights); on WebGPU 5e-3 for the optimum graphs,
 *   whose RoPE runs WGSL's approximate sin/cos at run time (justified in standins-webgpu.test.ts and the
 *   README: measured 2.4e-3 over 12 positions, growing with the position; prompts here stay ≤ 12 tokens).
 * - an incremental result (KV-cache step, fork, batched rows) vs a full pass on the same backend: 1e-4 in
 *   logits, 2e-4 in log-probabilities (log-softmax moves by at most twice the logits' error).
 * - against the node backend: twice the reference bound in logits (both sides are within it), four
 *   times in a log-probability per token.
 * Sampled tokens (sweep) are drawn by inverse CDF with one uniform per draw; a token can differ between
 * two computations only where the uniform lies within the probability error of a CDF boundary (a logit
 * error δ moves each probability by a factor of at most e^{±2δ}, so the CDF by at most 2δ·(e^{2δ})): where
 * the margin is larger, the tokens must be equal, else the test says so (logged) and stops comparing that
 * sample.
 *
 * Gemma 3 on WebGPU: the engine caps the context at the sliding window (4 tokens: see
 * standins-webgpu.test.ts), so there every experiment runs on a prompt that fits (the next-token and the
 * loom's root on the first reference ids, the others on `x` = [<bos>, x]), with settings that fit (answers:
 * candidates of at most 3 tokens; inject: K = 0, W = 1, 1 step; sweep: 2 tokens), and the refusals are
 * asserted: the next-token runner refuses the 12 reference ids (a RangeError in its side's `errors`, from
 * its own room check), the loom's step past the window throws ContextOverflowError (the engine), and the
 * sweep runner refuses 3 tokens after a 2-token prompt (its room check, a RangeError naming the room).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersRunner, answersSpec } from '../lab/experiments/answers';
import { compareRunner, compareSpec } from '../lab/experiments/compare';
import { injectRunner, injectSpec } from '../lab/experiments/inject';
import { loomRunner, type LoomSpec } from '../lab/experiments/loom';
import { runNextToken, type NextTokenSpec } from '../lab/experiments/next-token';
import { runSweep, sweepSpec } from '../lab/experiments/sweep';
import type { ModelRef } from '../lab/experiments/types';
import { Loom } from '../lab/loom';
import { seededRandom } from '../lab/distributions';
import { sampleSeed } from '../lab/sweep';
import { ContextOverflowError } from './errors';
import type { LabEngine } from './engine';
import { createNodeEngine } from './node';
import type { Dtype } from './types';

type Backend = 'node' | 'wasm' | 'webgpu';
type Side = 'base' | 'tuned';

const ROOT = resolve('models/standins');

interface Standin {
  name: string;
  folder: string;
  dtype: Dtype;
  /** Optimum graphs compute RoPE's cos/sin at run time (WGSL approximations on WebGPU). */
  ropeAtRunTime: boolean;
  ref: { ids: number[]; logits: Float32Array; V: number };
}

function standin(name: string): Standin {
  const folder = join(ROOT, name);
  const meta = JSON.parse(readFileSync(join(folder, 'reference.json'), 'utf8')) as { input_ids: number[]; variants: Record<string, { file: string; dims: [number, number] }> };
  // the variant standins-webgpu.test.ts runs on WebGPU: q4 for a base stand-in, fp32 otherwise
  const dtype: Dtype = name.includes('-base-') ? 'q4' : 'fp32';
  const v = meta.variants[dtype];
  if (!v) throw new Error(`${name} has no ${dtype} reference`);
  const buf = readFileSync(join(folder, v.file));
  return {
    name,
    folder,
    dtype,
    ropeAtRunTime: name.endsWith('-optimum'),
    ref: { ids: meta.input_ids, logits: new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)), V: v.dims[1] },
  };
}

/** The stand-ins on disk, as pairs: a `-base-` folder with its tuned sibling, or one stand-in alone. */
const NAMES = readdirSync(ROOT)
  .filter((n) => existsSync(join(ROOT, n, 'reference.json')))
  .sort();
interface Group {
  label: string;
  base: Standin;
  tuned: Standin;
  /** base and tuned are one stand-in (one engine on both sides). */
  single: boolean;
}
const GROUPS: Group[] = [];
for (const n of NAMES) {
  if (n.includes('-base-')) continue;
  const sibling = n.replace(/^(.*)-([a-z]+)$/, '$1-base-$2');
  if (sibling !== n && NAMES.includes(sibling)) GROUPS.push({ label: `${sibling} + ${n}`, base: standin(sibling), tuned: standin(n), single: false });
  else GROUPS.push({ label: n, base: standin(n), tuned: standin(n), single: true });
}
for (const n of NAMES) {
  // a base stand-in whose tuned sibling is missing still runs, alone
  if (n.includes('-base-') && !NAMES.includes(n.replace('-base-', '-'))) GROUPS.push({ label: n, base: standin(n), tuned: standin(n), single: true });
}

// ————————————————————————————————————————————— independent arithmetic (float64)

function logSoftmax64(row: ArrayLike<number>, t = 1): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < row.length; i++) m = Math.max(m, row[i]! / t);
  let z = 0;
  for (let i = 0; i < row.length; i++) z += Math.exp(row[i]! / t - m);
  const lse = m + Math.log(z);
  const out = new Float64Array(row.length);
  for (let i = 0; i < row.length; i++) out[i] = row[i]! / t - lse;
  return out;
}

function entropy64(lp: Float64Array): number {
  let h = 0;
  for (const l of lp) if (l > -Infinity) h -= Math.exp(l) * l;
  return h;
}

function kl64(lp: Float64Array, lq: Float64Array): number {
  let s = 0;
  for (let i = 0; i < lp.length; i++) s += Math.exp(lp[i]!) * (lp[i]! - lq[i]!);
  return s;
}

function argmax(x: ArrayLike<number>): number {
  let b = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[b]!) b = i;
  return b;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Next-token logits after `ids`: one fresh full forward pass. */
async function lastRow(e: LabEngine, ids: number[]): Promise<Float32Array> {
  const out = await e.score(ids);
  const V = out.dims[1]!;
  return out.data.slice((ids.length - 1) * V, ids.length * V);
}

/** Inverse CDF in id order (the lab's sampler draws so) with float64 probabilities; also how far `u` is
 *  from the chosen token's interval ends (how much the CDF may move before another token is drawn). */
function draw(lp: Float64Array, u: number): { id: number; margin: number } {
  let cum = 0;
  for (let i = 0; i < lp.length; i++) {
    const p = Math.exp(lp[i]!);
    if (p <= 0) continue;
    if (u < cum + p) return { id: i, margin: Math.min(u - cum, cum + p - u) };
    cum += p;
  }
  return { id: lp.length - 1, margin: 0 };
}

// ————————————————————————————————————————————— engines

/**
 * Two onnxruntime-web engines in one Node process share one WASM instance, and two runs in flight at once
 * (the loom's and compare's Promise.all over base and tuned) never return: measured here with the SmolLM2
 * pair on WASM (Loom.create hung with no CPU use; one engine at a time it runs). The page is not affected
 * (one worker, so one WASM instance, per model); in Node the calls of the onnxruntime-web engines go
 * through one queue. (The CLI with `--backend wasm|webgpu` and two models is exposed to it: reported.)
 */
let webQueue: Promise<unknown> = Promise.resolve();
function oneAtATime(e: LabEngine): LabEngine {
  return new Proxy(e, {
    get(target, k) {
      const v = Reflect.get(target, k, target) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        const run = webQueue.then(() => (v as (...a: unknown[]) => unknown).apply(target, args));
        webQueue = run.catch(() => undefined);
        return run;
      };
    },
  });
}

/** One node engine per stand-in for the cross-backend checks (cheap on the CPU), loaded on first use. */
const nodeEngines = new Map<string, Promise<LabEngine>>();
function nodeEngine(s: Standin): Promise<LabEngine> {
  let p = nodeEngines.get(s.name);
  if (!p) {
    p = (async () => {
      const e = createNodeEngine('node');
      await e.load(s.folder, { dtype: s.dtype });
      return e;
    })();
    nodeEngines.set(s.name, p);
  }
  return p;
}
afterAll(async () => {
  for (const p of nodeEngines.values()) await (await p).dispose();
});

const ref = (s: Standin, backend: Backend): ModelRef => ({ repo: s.folder, revision: null, dtype: s.dtype, backend });

/** The widest gap seen per check, for the README. */
const worst = new Map<string, number>();
function note(key: string, v: number): void {
  worst.set(key, Math.max(worst.get(key) ?? 0, v));
}
afterAll(() => {
  const rows = [...worst].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `  ${k}: ${v.toExponential(2)}`);
  if (rows.length) console.log(`max |Δ| per check:\n${rows.join('\n')}`);
});

const BACKENDS: Backend[] = ['node', 'wasm', 'webgpu'];
/** SwiftShader compiles every new kernel shape slowly: generous time per test there. */
const TIME: Record<Backend, number> = { node: 60_000, wasm: 120_000, webgpu: 900_000 };

for (const backend of BACKENDS) {
  for (const g of GROUPS) {
    describe(`${g.label} ${g.base === g.tuned ? g.base.dtype : `${g.base.dtype}/${g.tuned.dtype}`} on ${backend}`, () => {
      const engines = {} as Record<Side, LabEngine>;
      const members: { side: Side; s: Standin }[] = g.single ? [{ side: 'tuned', s: g.tuned }] : [{ side: 'base', s: g.base }, { side: 'tuned', s: g.tuned }];
      const sides: Side[] = members.map((m) => m.side);
      /** The context the engine trusts (WebGPU Gemma: the sliding window). */
      let holds = Infinity;
      const tolRef = (s: Standin) => (backend === 'webgpu' && s.ropeAtRunTime ? 5e-3 : 1e-4);
      const tolNode = (s: Standin) => 2 * tolRef(s);
      const SAME = 1e-4;
      /** A batched step's logits are within 1e-5 of a full pass (measured below 1e-5 here and in
       *  standins.test.ts), so each probability within a factor e^{±2e-5} and the CDF within 2e-5: a
       *  uniform farther than 4e-5 from the chosen token's interval ends must draw the same token. */
      const TIGHT = 4e-5;
      const node = async (side: Side): Promise<LabEngine> => (backend === 'node' ? engines[side] : nodeEngine(side === 'base' ? g.base : g.tuned));
      const key = (check: string, s: Standin) => `${check} ${backend}${backend === 'webgpu' && s.ropeAtRunTime ? ' (RoPE at run time)' : ''}`;
      /** A short prompt that fits everywhere. */
      const capped = () => holds < 16;
      const PROMPT = () => (capped() ? 'x' : 'The capital');

      beforeAll(async () => {
        const make = () => (backend === 'node' ? createNodeEngine('node') : oneAtATime(createNodeEngine(backend)));
        engines.base = make();
        await engines.base.load(g.base.folder, { dtype: g.base.dtype });
        if (g.single) engines.tuned = engines.base;
        else {
          engines.tuned = make();
          await engines.tuned.load(g.tuned.folder, { dtype: g.tuned.dtype });
        }
        for (const side of ['base', 'tuned'] as const) {
          const info = await engines[side].info();
          expect(info.backend).toBe(backend);
          holds = Math.min(holds, info.contextLength);
        }
      }, TIME[backend]);
      afterAll(async () => {
        await engines.base?.dispose();
        if (!g.single) await engines.tuned?.dispose();
      });

      it('next token: the runner gives every logit of the PyTorch reference (the reference ids as prompt + appended tokens)', async () => {
        for (const { side, s } of members) {
          const e = engines[side];
          // the page's way to reach a token context: a prompt, then tokens appended from the table
          const head = await e.encode('', 'none');
          expect(s.ref.ids.slice(0, head.length)).toEqual(head);
          const L = Math.min(s.ref.ids.length, holds);
          const spec: NextTokenSpec = {
            kind: 'next-token',
            version: 1,
            models: { [side]: ref(s, backend) },
            prompt: '',
            seed: 0,
            settings: { template: 'none', k: s.ref.V, appended: s.ref.ids.slice(head.length, L).map((id) => ({ side, id, text: '' })) },
          };
          const r = await runNextToken(spec, { engines: { [side]: e } }, { rethrow: true });
          const d = r.data.sides[side]!;
          expect(d.backend).toBe(backend);
          expect(d.tokens.map((t) => t.id)).toEqual(s.ref.ids.slice(0, L));
          const want = s.ref.logits.subarray((L - 1) * s.ref.V, L * s.ref.V);
          const got = new Float32Array(s.ref.V).fill(NaN);
          for (const row of d.next.top) got[row.id] = row.logit;
          const dl = maxAbsDiff(got, want);
          note(key('next-token logits vs reference', s), dl);
          expect(dl).toBeLessThan(tolRef(s));
          const lp = logSoftmax64(want);
          const dlp = Math.max(...d.next.top.map((row) => Math.abs(row.logprob - lp[row.id]!)));
          expect(dlp).toBeLessThan(2 * tolRef(s));
          expect(Math.abs(d.next.entropy - entropy64(lp))).toBeLessThan(2 * tolRef(s));
          // the control: the reference's previous row is far off
          expect(maxAbsDiff(got, s.ref.logits.subarray((L - 2) * s.ref.V, (L - 1) * s.ref.V))).toBeGreaterThan(1);
          if (L < s.ref.ids.length) {
            // WebGPU Gemma: 12 tokens do not fit the window; the runner's room check refuses them (its side's error)
            const all = { ...spec, settings: { ...spec.settings, appended: s.ref.ids.slice(head.length).map((id) => ({ side, id, text: '' })) } };
            const refused = await runNextToken(all, { engines: { [side]: e } });
            expect(refused.data.errors[side]).toMatchObject({ name: 'RangeError', message: expect.stringMatching(new RegExp(`holds ${holds}`)) });
          }
        }
      }, TIME[backend]);

      it('loom: branches forked from one prefix, stepped, dropped and re-grown equal fresh full passes, the node backend and the reference', async () => {
        const models = members.map((m) => engines[m.side]);
        const s0 = members[0]!.s;
        const R = capped() ? 2 : 6;
        const root = s0.ref.ids.slice(0, R);
        // two live sequences per model: stepping into a third branch drops one, and going back to it
        // re-grows it from the nearest live ancestor (fork + one multi-token step)
        const live = await Promise.all(models.map((e) => e.liveSequences())); // the next-token view keeps its last context
        const loom = await Loom.create(models, root, { maxLive: 2 });
        try {
          const first = await loom.logits(0);
          const order = Array.from(first.keys()).sort((a, b) => first[b]! - first[a]!);
          const refTok = s0.ref.ids[R]!;
        let refused: number | null = null;
          const others = order.filter((t) => t !== refTok);
          const a = await loom.choose(refTok); // the reference's branch
          const a2 = await loom.choose(others[0]!); // one deeper on it
          await loom.back();
          await loom.back();
          const b = await loom.choose(others[0]!); // a second branch
          await loom.back();
          const c = await loom.choose(others[4]!); // a third
          expect(loom.siblings(c.id).map((n) => n.id)).toEqual([a.id, b.id, c.id]);
          if (capped()) {
            // one more token fills the window (4); a fifth is refused by the engine
            const c2 = await loom.choose(others[1]!);
            await expect(loom.choose(others[2]!)).rejects.toBeInstanceOf(ContextOverflowError);
            refused = loom.nodes.length - 1; // the node that was to hold the fifth token
            await loom.goto(c2.id);
          } else {
            await loom.choose(others[1]!);
            await loom.choose(others[2]!);
          }
          // back to the first branch's child: its sequence was dropped, so it is re-grown
          await loom.goto(a2.id, true);
          for (const n of loom.nodes) {
            const ctx = loom.context(n.id);
            if (n.id === refused) {
              expect(ctx.length).toBe(holds + 1);
              continue;
            }
            for (let m = 0; m < members.length; m++) {
              const { side, s } = members[m]!;
              const got = await loom.logits(m, n.id);
              const full = await lastRow(models[m]!, ctx);
              const dSame = maxAbsDiff(got, full);
              note(key('loom branch vs full pass, same backend', s), dSame);
              expect(dSame, `node ${n.id} ${side}`).toBeLessThan(SAME);
              const dNode = maxAbsDiff(got, await lastRow(await node(side), ctx));
              note(key('loom branch vs node backend', s), dNode);
              expect(dNode, `node ${n.id} ${side} vs onnxruntime-node`).toBeLessThan(tolNode(s));
              if (n.parent !== null) {
                const lp = logSoftmax64(await lastRow(models[m]!, ctx.slice(0, -1)));
                expect(Math.abs(n.edges[m]!.logprob - lp[n.token!]!)).toBeLessThan(2 * SAME);
              }
            }
          }
          // the reference's branch equals the PyTorch forward
          for (let m = 0; m < members.length; m++) {
            const s = members[m]!.s;
            const want = s.ref.logits.subarray(R * s.ref.V, (R + 1) * s.ref.V);
            const d = maxAbsDiff(await loom.logits(m, a.id), want);
            note(key('loom branch vs reference', s), d);
            expect(d).toBeLessThan(tolRef(s));
          }
        } finally {
          await loom.dispose();
        }
        for (const [m, e] of models.entries()) expect(await e.liveSequences()).toBe(live[m]);

        // the stored form of one path (the loom runner): every number from independent full passes
        const path = s0.ref.ids.slice(R, R + 2);
        const spec: LoomSpec = {
          kind: 'loom',
          version: 1,
          models: Object.fromEntries(members.map((m) => [m.side, ref(m.s, backend)])),
          prompt: PROMPT(),
          seed: 0,
          settings: { template: 'none', path, sampling: { temperature: 1, topK: 0, topP: 1, minP: 0 }, k: 5, drive: 'tuned' },
        };
        const r = await loomRunner.run(spec, { engines: Object.fromEntries(members.map((m) => [m.side, engines[m.side]])) });
        const prompt = r.data.prompt_tokens.map((t) => t.id);
        for (let i = 0; i <= path.length; i++) {
          const lps: Partial<Record<Side, Float64Array>> = {};
          for (const { side } of members) {
            const lp = logSoftmax64(await lastRow(engines[side], [...prompt, ...path.slice(0, i)]));
            lps[side] = lp;
            const st = r.data.steps[i]!.sides[side]!;
            expect(Math.abs(st.entropy - entropy64(lp))).toBeLessThan(2 * SAME);
            for (const row of st.top) expect(Math.abs(row.logprob - lp[row.id]!)).toBeLessThan(2 * SAME);
            if (i < path.length) expect(Math.abs(st.chosen!.logprob - lp[path[i]!]!)).toBeLessThan(2 * SAME);
          }
          if (!g.single) expect(Math.abs(r.data.steps[i]!.kl_tuned_base! - kl64(lps.tuned!, lps.base!))).toBeLessThan(4 * SAME);
        }
      }, TIME[backend]);

      it('compare: per-token log-probabilities of both models equal full passes, and the node backend', async () => {
        const spec = compareSpec(
          { base: ref(g.base, backend), tuned: ref(g.tuned, backend) },
          PROMPT(),
          0,
          { templates: { base: 'none', tuned: 'none' }, response_source: 'typed', response: capped() ? 'A' : ' Paris, A', samples: 0, cross: false, alternatives: 3, max_tokens: 8 },
        );
        const r = await compareRunner.run(spec, { engines: { base: engines.base, tuned: engines.tuned } });
        const rn = backend === 'node' ? r : await compareRunner.run(spec, { engines: { base: await node('base'), tuned: await node('tuned') } });
        const resp = r.data.positions.map((p) => p.id);
        expect(resp.length).toBeGreaterThan(capped() ? 0 : 1);
        expect(rn.data.positions.map((p) => p.id)).toEqual(resp);
        for (const side of ['base', 'tuned'] as const) {
          const s = side === 'base' ? g.base : g.tuned;
          const ctx = r.data.contexts[side];
          const out = await engines[side].score([...ctx, ...resp]);
          const V = out.dims[1]!;
          resp.forEach((id, k) => {
            const lp = logSoftmax64(out.data.subarray((ctx.length - 1 + k) * V, (ctx.length + k) * V));
            const p = r.data.positions[k]!;
            const got = side === 'base' ? p.logp_base : p.logp_tuned;
            note(key('compare log-prob vs full pass, same backend', s), Math.abs(got - lp[id]!));
            expect(Math.abs(got - lp[id]!)).toBeLessThan(2 * SAME);
            expect(Math.abs((side === 'base' ? p.entropy_base : p.entropy_tuned) - entropy64(lp))).toBeLessThan(2 * SAME);
            const pn = rn.data.positions[k]!;
            const dn = Math.abs(got - (side === 'base' ? pn.logp_base : pn.logp_tuned));
            note(key('compare log-prob vs node backend', s), dn);
            expect(dn).toBeLessThan(2 * tolNode(s));
          });
        }
        if (g.single) for (const p of r.data.positions) expect(p.logp_base).toBe(p.logp_tuned);
        else expect(r.data.positions.some((p) => Math.abs(p.logp_base - p.logp_tuned) > 0.05)).toBe(true);
      }, TIME[backend]);

      it('sweep: a 4-sample batched sweep equals 4 single-sample runs with the same seeds, and the node backend', async () => {
        const maxTokens = capped() ? 2 : 3;
        const spec = sweepSpec(Object.fromEntries(members.map((m) => [m.side, ref(m.s, backend)])), PROMPT(), 11, {
          sides,
          templates: { base: 'none', tuned: 'none' },
          grid: [1],
          temperatures: [1],
          samples: 4,
          max_tokens: maxTokens,
          reference: capped() ? 'x' : ' A',
          grouping: { by: 'words', words: 1 },
        });
        const eng = Object.fromEntries(members.map((m) => [m.side, engines[m.side]]));
        const r = await runSweep(spec, { engines: eng });
        const rn = backend === 'node' ? r : await runSweep(spec, { engines: Object.fromEntries(await Promise.all(members.map(async (m) => [m.side, await node(m.side)] as const))) });
        if (capped()) {
          // 3 tokens after the 2-token prompt do not fit the 4-token window: the runner's room check says so
          await expect(runSweep({ ...spec, settings: { ...spec.settings, max_tokens: 3 } }, { engines: eng })).rejects.toThrow(/leaves room for 2/);
        }
        for (const { side, s } of members) {
          const e = engines[side];
          const d = r.data[side]!;
          const run = d.runs[0]!;
          expect(run.samples).toHaveLength(4);
          const stop = new Set((await e.info()).eosTokenIds);
          let lpSum = 0;
          let hSum = 0;
          let n = 0;
          let compared = 0;
          for (let i = 0; i < 4; i++) {
            // sample i alone: its own seeded stream, one full pass per token, inverse CDF at T = 1
            const u = seededRandom(sampleSeed(11, 0, i));
            const mine: number[] = [];
            let tight = false;
            for (let k = 0; k < maxTokens; k++) {
              const lp = logSoftmax64(await lastRow(e, [...d.context, ...mine]));
              const { id, margin } = draw(lp, u());
              if (margin < TIGHT) tight = true; // the batched step's rounding could move a boundary past u
              mine.push(id);
              lpSum += lp[id]!;
              hSum += entropy64(lp);
              n++;
              if (stop.has(id)) break;
            }
            if (tight) console.log(`${s.name} ${backend}: sample ${i} drew within ${TIGHT} of a CDF boundary; not compared`);
            else {
              expect(run.samples[i]!.ids, `sample ${i}`).toEqual(mine);
              compared++;
            }
            // across backends: equal unless a uniform lies within the logits' error of a boundary
            const other = rn.data[side]!.runs[0]!.samples[i]!.ids;
            if (backend !== 'node' && other.join() !== mine.join()) {
              const bound = 4 * tolNode(s);
              let safe = true;
              const u2 = seededRandom(sampleSeed(11, 0, i));
              const seq: number[] = [];
              for (let k = 0; k < mine.length; k++) {
                const { margin } = draw(logSoftmax64(await lastRow(e, [...d.context, ...seq])), u2());
                if (margin < bound) safe = false;
                seq.push(mine[k]!);
                if (mine[k] !== other[k]) break;
              }
              console.log(`${s.name} ${backend}: sample ${i} differs from onnxruntime-node (${mine.join()} vs ${other.join()}); a uniform within ${bound} of a CDF boundary: ${!safe}`);
              expect(safe, `sample ${i} differs from the node backend's though no draw was near a boundary`).toBe(false);
            }
          }
          expect(compared, 'samples compared token for token').toBeGreaterThanOrEqual(2);
          // the metrics average every drawn token (a sample's stop token included)
          expect(Math.abs(run.metrics.mean_logprob - lpSum / n)).toBeLessThan(2 * SAME);
          expect(Math.abs(run.metrics.mean_entropy - hSum / n)).toBeLessThan(2 * SAME);
          // the exact curve at T = 1 after the prompt
          const first = logSoftmax64(await lastRow(e, d.context));
          expect(Math.abs(d.exact[0]!.entropy_first - entropy64(first))).toBeLessThan(2 * SAME);
          expect(Math.abs(d.entropy_first_at_T1 - rn.data[side]!.entropy_first_at_T1)).toBeLessThan(4 * tolNode(s));
        }
      }, TIME[backend]);

      it('inject: the clean run is greedy and every trace number equals KLs of full passes, and the node backend', async () => {
        const c = capped();
        const settings = {
          sides,
          templates: Object.fromEntries(sides.map((x) => [x, 'none' as const])),
          after_tokens: c ? 0 : 1,
          injection: 'x',
          steps: c ? 1 : 3,
          threshold: 0.1,
          rel_threshold: 0.1,
          window: c ? 1 : 2,
          run: c ? 1 : 2,
          mode: 'greedy' as const,
          runs: 1,
          temperature: 1,
          heatmap: null,
        };
        const spec = injectSpec({ models: Object.fromEntries(members.map((m) => [m.side, ref(m.s, backend)])), prompt: PROMPT(), seed: 0, settings });
        const r = await injectRunner.run(spec, { engines: Object.fromEntries(members.map((m) => [m.side, engines[m.side]])) });
        const rn = backend === 'node' ? r : await injectRunner.run(spec, { engines: Object.fromEntries(await Promise.all(members.map(async (m) => [m.side, await node(m.side)] as const))) });
        for (const { side, s } of members) {
          const e = engines[side];
          const d = r.data[side]!;
          const K = d.after_tokens;
          const cleanAll = [...d.clean.context, ...d.clean.continuation];
          const injAll = [...d.injected.context, ...d.injected.continuation];
          /** Log-softmax rows after `from` … `from + count - 1` tokens of `ids`, from one full pass. */
          const rowsOf = async (ids: number[], from: number, count: number) => {
            const out = await e.score(ids.slice(0, from + count - 1));
            const V = out.dims[1]!;
            return Array.from({ length: count }, (_, j) => logSoftmax64(out.data.subarray((from - 1 + j) * V, (from + j) * V)));
          };
          // Q_j: after j clean tokens (a row after the last one too, unless the run stopped there); P_t: after
          // t injected tokens
          const cleanRows = d.clean.continuation.length + (d.clean_ended_step === null ? 1 : 0);
          const Q = await rowsOf(cleanAll, d.clean.context.length, cleanRows);
          const P = await rowsOf(injAll, d.injected.context.length, d.injected.continuation.length);
          d.clean.continuation.forEach((id, j) => expect(Q[j]![id]!).toBeGreaterThan(Q[j]![argmax(Q[j]!)]! - SAME));
          d.injected.continuation.forEach((id, t) => expect(P[t]![id]!).toBeGreaterThan(P[t]![argmax(P[t]!)]! - SAME));
          const nd = rn.data[side]!;
          const sameTokens = nd.clean.continuation.join() === d.clean.continuation.join() && nd.injected.continuation.join() === d.injected.continuation.join();
          if (backend !== 'node' && !sameTokens) console.log(`${s.name} ${backend}: the greedy runs differ from onnxruntime-node's (a near tie), not compared`);
          expect(d.trace).toHaveLength(d.injected.continuation.length);
          d.trace.forEach((pt, t) => {
            const j = K + t;
            const want = j < Q.length ? kl64(P[t]!, Q[j]!) : null;
            if (want === null) expect(pt.kl).toBeNull();
            else {
              note(key('inject KL vs full passes, same backend', s), Math.abs(pt.kl! - want));
              expect(Math.abs(pt.kl! - want)).toBeLessThan(4 * SAME);
              expect(Math.abs(pt.logp_clean_next! - P[t]![d.clean.continuation[j]!]!)).toBeLessThan(2 * SAME);
            }
            let best = Infinity;
            for (let dd = -d.window; dd <= d.window; dd++) if (K + t + dd >= 0 && K + t + dd < Q.length) best = Math.min(best, kl64(P[t]!, Q[K + t + dd]!));
            expect(Math.abs(pt.kl_aligned! - best)).toBeLessThan(4 * SAME);
            expect(Math.abs(pt.p_end - d.stop_ids.reduce((a, id) => a + Math.exp(P[t]![id]!), 0))).toBeLessThan(2 * SAME);
            if (backend !== 'node' && sameTokens && pt.kl !== null) {
              const dn = Math.abs(pt.kl - nd.trace[t]!.kl!);
              note(key('inject KL vs node backend', s), dn);
              expect(dn).toBeLessThan(8 * tolNode(s));
            }
          });
          const meanH = Q.slice(K, K + settings.steps).reduce((a, q) => a + entropy64(q), 0) / Math.min(settings.steps, Q.length - K);
          expect(Math.abs(d.threshold.mean_entropy - meanH)).toBeLessThan(2 * SAME);
        }
      }, TIME[backend]);

      it('answers: every candidate\'s log-probability (and its re-tempered share) equals full passes, and the node backend', async () => {
        const sideTemplates = Object.fromEntries(sides.map((x) => [x, 'none' as const]));
        const spec = answersSpec({
          models: Object.fromEntries(members.map((m) => [m.side, ref(m.s, backend)])),
          prompt: PROMPT(),
          seed: 0,
          settings: {
            sides,
            templates: sideTemplates,
            choices: 'A, B, robot',
            prefix: ' ',
            suffixes: Object.fromEntries(sides.map((x) => [x, ''])),
            frames: Object.fromEntries(sides.map((x) => [x, { mode: 'typed' as const, text: '' }])),
            temperature: 1,
            temperatures: [2],
            free: null,
            preset: null,
          },
        });
        const r = await answersRunner.run(spec, { engines: Object.fromEntries(members.map((m) => [m.side, engines[m.side]])) });
        const rn = backend === 'node' ? r : await answersRunner.run(spec, { engines: Object.fromEntries(await Promise.all(members.map(async (m) => [m.side, await node(m.side)] as const))) });
        for (const { side, s } of members) {
          const d = r.data[side]!;
          expect(d.choices.some((ch) => ch.ids.length > 1)).toBe(true); // multi-token candidates: batched forks
          const probs2: number[] = [];
          for (const [ci, ch] of d.choices.entries()) {
            const out = await engines[side].score([...d.context, ...ch.ids.slice(0, -1)]); // the last token is only read
            const V = out.dims[1]!;
            let lp = 0;
            let lp2 = 0;
            ch.ids.forEach((id, k) => {
              const rowK = out.data.subarray((d.context.length - 1 + k) * V, (d.context.length + k) * V);
              lp += logSoftmax64(rowK)[id]!;
              lp2 += logSoftmax64(rowK, 2)[id]!;
            });
            note(key('answers log-prob vs full pass, same backend', s), Math.abs(ch.logp - lp));
            expect(Math.abs(ch.logp - lp)).toBeLessThan(2 * SAME * ch.ids.length);
            const dn = Math.abs(ch.logp - rn.data[side]!.choices[ci]!.logp);
            note(key('answers log-prob vs node backend', s), dn);
            expect(dn).toBeLessThan(2 * tolNode(s) * ch.ids.length);
            probs2.push(Math.exp(lp2));
          }
          // none of the three is a prefix of another: the share at T = 2 is the plain renormalisation
          const z = probs2.reduce((a, b) => a + b, 0);
          d.tempered[0]!.share.forEach((sh, i) => expect(Math.abs(sh - probs2[i]! / z)).toBeLessThan(1e-4));
        }
      }, TIME[backend]);
    });
  }
}
