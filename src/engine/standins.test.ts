/**
 * The engine on the hub-faithful stand-ins (models/standins/<family>-<style>, built by
 * models/standins/build.py): per stand-in × variant × backend (onnxruntime-node; onnxruntime-web's WASM
 * build in Node), logits of a plain forward
 * equal an independent PyTorch forward of the same weights (reference-<dtype>.bin), a 4-sample batched
 * step (different past and new lengths) equals 4 one-at-a-time runs, and compare and answers run on it
 * and agree with plain full passes.
 *
 * Tolerances (max |Δlogit|, logits span about ±18):
 * - fp32, q4: the graph computes in float32 on exactly the weights the reference uses (q4 dequantized,
 *   no activation quantization at accuracy_level 0), so only float32 rounding differs: 1e-4 (the issue's
 *   bound; measured below 2e-5).
 * - fp16, q4f16: activations are rounded to fp16 (unit roundoff 4.9e-4) at every op through 2 layers;
 *   errors of ~1e-3 relative on logits of size ~18 give a few 1e-2: bound 0.1.
 * - q8, int8, uint8: DynamicQuantizeLinear rounds each activation tensor to 256 levels (step = range/255),
 *   the reference does the same in float64 (with each file's int8 or uint8 weights and zero point); a
 *   rounding tie that lands differently moves one activation by one step: bound 0.05 (measured ≤ 5.7e-6).
 * - bnb4: MatMulBnb4 dequantizes to float32 (code-book level × block absmax, exactly the reference's weights)
 *   and multiplies in float32, as q4: 1e-4 (measured ≤ 7.6e-6).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startHubServer } from '../../e2e/hub-server';
import { CATALOG } from './catalog';
import { main } from '../cli/main';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare } from '../lab/compare';
import { answersAt, scoreAnswers } from '../lab/answers';
import { injectTrace } from '../lab/inject';
import { sampleBatch } from '../lab/sweep';
import { logSoftmax } from '../lab/distributions';
import { LabEngine } from './engine';
import { createNodeEngine, nodeRuntime, nodeSource } from './node';
import { LabTokenizer } from './tokenizer';
import type { Dtype } from './types';

interface RefMeta {
  input_ids: number[];
  vocab_size: number;
  variants: Record<string, { file: string; dims: [number, number] }>;
}

const TOL: Record<string, number> = { fp32: 1e-4, q4: 1e-4, bnb4: 1e-4, fp16: 0.1, q4f16: 0.1, q8: 0.05, int8: 0.05, uint8: 0.05 };
/** The dynamically quantized variants (DynamicQuantizeLinear + MatMulInteger): q8 and int8 (int8 weights), uint8
 *  (uint8 weights with a zero point). */
const dynamic = (d: string) => d === 'q8' || d === 'int8' || d === 'uint8';
/** batched = one at a time: the same graph on the same weights agrees to float32 (fp16: to fp16 rounding of
 *  the padded rows' shapes). q8 graphs run one row per pass (DynamicQuantizeLinear takes one scale per
 *  activation tensor, so padded batches moved logits by up to 0.7 and changed the top token), so batched
 *  equals one at a time; but a 5-token cached step is still quantized with another range than a 12-token
 *  full pass, so a step against the reference is checked on probabilities (see `close`). */
const BATCH_TOL: Record<string, number> = { fp32: 1e-4, q4: 1e-4, bnb4: 1e-4, fp16: 2e-2, q4f16: 2e-2, q8: 1e-4, int8: 1e-4, uint8: 1e-4 };
/** q8/int8/uint8, a call split differently (5 + 7 tokens vs 12 at once): the largest change of any token's
 *  probability (measured up to 0.04 over the int8-weight variants, 0.061 for qwen2.5-optimum uint8, whose
 *  full pass is 9.5e-7 from the reference and whose batched rows equal single ones exactly), and the top
 *  token must be the same. */
const Q8_MAX_DP = 0.08;

function softmax(x: ArrayLike<number>): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) m = Math.max(m, x[i]!);
  const out = new Float64Array(x.length);
  let z = 0;
  for (let i = 0; i < x.length; i++) z += out[i] = Math.exp(x[i]! - m);
  for (let i = 0; i < x.length; i++) out[i]! /= z;
  return out;
}

function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

/** Rows of width V agree: within BATCH_TOL in logits, or for q8 within Q8_MAX_DP in probability with the
 *  same top token. Returns the measured gap (logits, or probability for q8). */
function close(dtype: string, a: Float32Array, b: Float32Array, V: number, probs = false): number {
  expect(a.length).toBe(b.length);
  if (!probs) {
    const d = maxAbsDiff(a, b);
    expect(d).toBeLessThan(BATCH_TOL[dtype]!);
    return d;
  }
  let worst = 0;
  for (let r = 0; r < a.length / V; r++) {
    const ra = a.subarray(r * V, (r + 1) * V);
    const rb = b.subarray(r * V, (r + 1) * V);
    expect(argmax(ra)).toBe(argmax(rb));
    worst = Math.max(worst, maxAbsDiff(softmax(ra), softmax(rb)));
  }
  expect(worst).toBeLessThan(Q8_MAX_DP);
  return worst;
}

/** Per stand-in: its variants, how the engine must batch it, and the KV dtype its graph takes per variant. */
const STANDINS: { folder: string; dtypes: Dtype[]; batching: 'padded' | 'one-row-per-pass'; kv16: Dtype[]; wasmRefused?: Dtype[] }[] = [
  // optimum + quantize.py (keep_io_types): float32 KV in every variant, padded batches work
  // (+ quantize.py's int8 / uint8 / bnb4, which onnx-community/Qwen2.5-0.5B-Instruct lists)
  { folder: 'models/standins/qwen2.5-optimum', dtypes: ['fp32', 'fp16', 'q4', 'q4f16', 'q8', 'int8', 'uint8', 'bnb4'], batching: 'padded', kv16: [] },
  // optimum with float16 KV (SmolLM2's kv_cache_dtype) and num_logits_to_keep
  { folder: 'models/standins/smollm2-optimum', dtypes: ['fp32', 'fp16', 'q4', 'q4f16', 'q8'], batching: 'padded', kv16: ['fp16', 'q4f16'] },
  // its base (convert.py, keep_io_types): float32 KV in every variant
  { folder: 'models/standins/smollm2-base-optimum', dtypes: ['fp32', 'fp16', 'q4', 'q4f16', 'q8'], batching: 'padded', kv16: [] },
  // its base (onnx-community/Qwen2.5-0.5B): the same export, other weights, eos <|endoftext|>
  { folder: 'models/standins/qwen2.5-base-optimum', dtypes: ['fp32', 'fp16', 'q4', 'q4f16', 'q8', 'int8', 'uint8', 'bnb4'], batching: 'padded', kv16: [] },
  // an old optimum merged decoder: use_cache_branch (bool [1]) selects an If branch (with / without past)
  // (its q8 is refused on WASM, which runs it wrong: see 'merged decoders' below)
  { folder: 'models/standins/qwen2.5-merged-optimum', dtypes: ['fp32', 'q8'], batching: 'padded', kv16: [], wasmRefused: ['q8'] },
  // custom Gemma-3 script: GQA (mask as lengths), no position_ids, external data, float16 KV, float32 logits
  { folder: 'models/standins/gemma-3-custom', dtypes: ['fp32', 'fp16', 'q4', 'q4f16'], batching: 'one-row-per-pass', kv16: ['fp16', 'q4f16'] },
  // its base (onnx-community/gemma-3-270m-ONNX): the same script, other weights, stops at <eos> only
  { folder: 'models/standins/gemma-3-base-custom', dtypes: ['fp32', 'fp16', 'q4', 'q4f16'], batching: 'one-row-per-pass', kv16: ['fp16', 'q4f16'] },
  // genai builder: SSLN, GQA, no position_ids, float16 logits and KV in fp16/q4f16
  { folder: 'models/standins/qwen3-genai', dtypes: ['fp32', 'fp16', 'q4', 'q4f16'], batching: 'one-row-per-pass', kv16: ['fp16', 'q4f16'] },
];

function reference(folder: string, dtype: string): { ids: number[]; logits: Float32Array; dims: [number, number] } {
  const meta = JSON.parse(readFileSync(join(folder, 'reference.json'), 'utf8')) as RefMeta;
  const v = meta.variants[dtype]!;
  const buf = readFileSync(join(folder, v.file));
  return { ids: meta.input_ids, logits: new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)), dims: v.dims };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

for (const backend of ['node', 'wasm'] as const) {
for (const { folder, dtypes, batching, kv16, wasmRefused } of STANDINS) {
  for (const dtype of dtypes) {
    if (backend === 'wasm' && wasmRefused?.includes(dtype)) continue;
    describe(`${folder.split('/').pop()} ${dtype} (${backend === 'node' ? 'onnxruntime-node' : 'onnxruntime-web WASM'})`, () => {
      let engine: LabEngine;
      const ref = reference(resolve(folder), dtype);
      beforeAll(async () => {
        engine = createNodeEngine(backend);
        await engine.load(resolve(folder), { dtype });
      });
      afterAll(async () => {
        await engine.dispose();
      });

      it('reports how it batches and what its graph takes', async () => {
        const info = await engine.info();
        // q8 (DynamicQuantizeLinear) runs one row per pass too: its per-call activation scale would make a
        // row's result depend on the rest of its batch (measured: the top token changed)
        expect(info.batching).toBe(dynamic(dtype) ? 'one-row-per-pass' : batching);
        expect(info.graphNotes!.includes('KV cache in float16')).toBe(kv16.includes(dtype));
      });

      it(`logits equal the PyTorch reference within ${TOL[dtype]}`, async () => {
        const out = await engine.score(ref.ids);
        expect(out.dims).toEqual(ref.dims);
        const d = maxAbsDiff(out.data, ref.logits);
        console.log(`${folder} ${dtype} ${backend}: max |Δlogit| vs reference ${d.toExponential(2)}`);
        expect(d).toBeLessThan(TOL[dtype]!);
        // the control: the comparison can fail (the logits are far from constant)
        expect(maxAbsDiff(out.data.subarray(0, ref.dims[1]), ref.logits.subarray(ref.dims[1], 2 * ref.dims[1]))).toBeGreaterThan(1);
      });

      it('a KV-cache step equals the full forward', async () => {
        const { seq } = await engine.createSequence(ref.ids.slice(0, 7));
        const step = await engine.step(seq, ref.ids.slice(7), { all: true });
        await engine.release(seq);
        const V = ref.dims[1];
        if (dynamic(dtype)) close(dtype, step.data, ref.logits.subarray(7 * V), V, true);
        else expect(maxAbsDiff(step.data, ref.logits.subarray(7 * V))).toBeLessThan(TOL[dtype]!);
      });

      it('a 4-sample batched step (different past and new lengths) equals 4 one-at-a-time runs', async () => {
        const ids = ref.ids;
        const pasts = [ids.slice(0, 3), ids.slice(0, 6), ids.slice(2, 4), ids.slice(1, 9)];
        const news = [ids.slice(3, 5), ids.slice(6, 7), ids.slice(4, 9), ids.slice(9, 12)];
        const single: Float32Array[] = [];
        for (let b = 0; b < 4; b++) {
          const { seq } = await engine.createSequence(pasts[b]!);
          single.push((await engine.step(seq, news[b]!)).data.slice());
          await engine.release(seq);
        }
        // the batch: pasts created together (padded), then one step with different widths
        const created = [];
        for (let b = 0; b < 4; b++) created.push((await engine.createSequence(pasts[b]!)).seq);
        const root = await engine.createSequence(ids.slice(0, 1));
        const out = await engine.stepBatch(created, news);
        const V = out.dims[1]!;
        let worst = 0;
        for (let b = 0; b < 4; b++) worst = Math.max(worst, close(dtype, out.data.subarray(b * V, (b + 1) * V), single[b]!, V));
        console.log(`${folder} ${dtype} ${backend}: batched vs one at a time max |Δlogit| ${worst.toExponential(2)}`);
        // a second batched step on the (now padded) rows still equals single runs
        const more = [[ids[0]!], [ids[1]!], [ids[2]!], [ids[3]!]];
        const out2 = await engine.stepBatch(created, more);
        for (let b = 0; b < 4; b++) {
          const { seq } = await engine.createSequence([...pasts[b]!, ...news[b]!]);
          const s = await engine.step(seq, more[b]!);
          await engine.release(seq);
          // (q8: the reference run here feeds past + new in one call, the batch fed them in two)
          close(dtype, out2.data.subarray(b * V, (b + 1) * V), s.data, V, dynamic(dtype));
        }
        for (const s of created) await engine.release(s);
        await engine.release(root.seq);
      });

      it('answers: each candidate log-probability equals a plain full pass', async () => {
        const context = ref.ids.slice(0, 5);
        const choices = ['the', 'capital', 'of France', 'robot who'];
        const scores = await scoreAnswers(engine, context, choices, { prefix: ' ', batchSize: 4 });
        const res = answersAt(scores);
        for (const c of res.choices) {
          // q8 quantizes each call's activations with their own range: compare with the same calls made by
          // hand (context, then the candidate as one cached step); the others with one full pass
          const full =
            dynamic(dtype)
              ? await (async () => {
                  const { seq, logits: first } = await engine.createSequence(context);
                  const rest = c.ids.length > 1 ? await engine.step(seq, c.ids.slice(0, -1), { all: true }) : null;
                  await engine.release(seq);
                  const V = first.dims[1]!;
                  const data = new Float32Array((context.length + c.ids.length) * V);
                  data.set(first.data, (context.length - 1) * V);
                  if (rest) data.set(rest.data, context.length * V);
                  return { data, dims: [context.length + c.ids.length, V] };
                })()
              : await engine.score([...context, ...c.ids]);
          const V = full.dims[1]!;
          let logp = 0;
          c.ids.forEach((id, k) => {
            logp += logSoftmax(full.data.subarray((context.length - 1 + k) * V, (context.length + k) * V))[id]!;
          });
          expect(Math.abs(c.logp - logp)).toBeLessThan(BATCH_TOL[dtype]! * 4 + 1e-4);
        }
      });

      it('compare runs (base = tuned = this model: every position unshifted, KL 0)', async () => {
        const chat = (await engine.info()).hasChatTemplate; // the base stand-ins have no template, as the real bases
        const r = await compare({ base: engine, tuned: engine, prompt: 'The capital of France is', baseTemplate: chat ? 'chat' : 'none', tunedTemplate: chat ? 'chat' : 'none', response: ' Paris.' });
        expect(r.positions.length).toBeGreaterThan(0);
        for (const p of r.positions) {
          expect(p.rank_base).toBe(p.rank_tuned);
          expect(Math.abs(p.logp_base - p.logp_tuned)).toBeLessThan(1e-5);
        }
      });
    });
  }
}
}

describe('stand-ins: tokenizer, special tokens, templates, stop ids (the real families\' behaviour)', () => {
  const load = async (folder: string) => {
    const e = createNodeEngine('node');
    await e.load(resolve(folder), { dtype: 'fp32' });
    return e;
  };

  it('Gemma-3: a plain prompt gets <bos>; the chat template writes it once; stop ids [1, 106]', async () => {
    const e = await load('models/standins/gemma-3-custom');
    const info = await e.info();
    expect(info.eosTokenIds).toEqual([1, 106]);
    expect(info.bosTokenId).toBe(2);
    const plain = await e.encode('The capital of France is');
    expect(plain[0]).toBe(2);
    expect(plain.filter((t) => t === 2)).toHaveLength(1);
    const chat = await e.encode('The capital of France is', 'chat');
    expect(chat.slice(0, 2)).toEqual([2, 105]);
    expect(chat.filter((t) => t === 2)).toHaveLength(1);
    expect(await e.renderChat([{ role: 'user', content: 'Hi' }], true)).toBe('<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n');
    expect(await e.decode(await e.encodeContinuation(' the capital'))).toBe(' the capital');
    await e.dispose();
  });

  it('Qwen2.5: no <bos> on plain prompts; default system prompt; stop ids [<|im_end|>, <|endoftext|>]', async () => {
    const e = await load('models/standins/qwen2.5-optimum');
    const info = await e.info();
    const [imEnd, eot] = [(await e.findTokens('<|im_end|>', 1))[0]!, (await e.findTokens('<|endoftext|>', 1))[0]!];
    expect(info.eosTokenIds).toEqual([imEnd, eot]);
    const plain = await e.encode('The capital');
    expect(plain).not.toContain(eot);
    expect(await e.renderChat([{ role: 'user', content: 'Hi' }], true)).toBe(
      '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
    );
    await e.dispose();
  });

  it('the base stand-ins: Qwen2.5 base stops at <|endoftext|> only, gemma-3 pt at <eos> only (and still gets <bos>)', async () => {
    const q = await load('models/standins/qwen2.5-base-optimum');
    expect((await q.info()).eosTokenIds).toEqual([(await q.findTokens('<|endoftext|>', 1))[0]!]);
    await q.dispose();
    const g = await load('models/standins/gemma-3-base-custom');
    expect((await g.info()).eosTokenIds).toEqual([1]);
    expect((await g.encode('The capital'))[0]).toBe(2);
    await g.dispose();
  });

  it('SmolLM2-Instruct: eos 2 (<|im_end|>), SmolLM default system prompt', async () => {
    const e = await load('models/standins/smollm2-optimum');
    expect((await e.info()).eosTokenIds).toEqual([2]);
    expect(await e.renderChat([{ role: 'user', content: 'Hi' }], true)).toBe(
      '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
    );
    await e.dispose();
  });

  it('Qwen3: the real template renders in transformers.js, with and without enable_thinking', async () => {
    const folder = resolve('models/standins/qwen3-genai');
    const tok = await LabTokenizer.create(
      JSON.parse(readFileSync(join(folder, 'tokenizer.json'), 'utf8')),
      JSON.parse(readFileSync(join(folder, 'tokenizer_config.json'), 'utf8')),
      null,
    );
    const msgs = [{ role: 'user', content: 'Hi' }];
    const render = (extra: Record<string, unknown>) =>
      tok.inner.apply_chat_template(msgs as never, { tokenize: false, add_generation_prompt: true, ...extra } as never) as unknown as string;
    expect(render({})).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
    expect(render({ enable_thinking: false })).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n');
    // a past assistant turn's reasoning is dropped from history, the last one keeps it
    const two = tok.inner.apply_chat_template(
      [...msgs, { role: 'assistant', content: '<think>\nhm\n</think>\n\nHello' }] as never,
      { tokenize: false } as never,
    ) as unknown as string;
    expect(two).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\nhm\n</think>\n\nHello<|im_end|>\n');
  });
});

describe('stand-ins under the catalog\'s repo ids, through a hub stand-in on 127.0.0.1', () => {
  // each stand-in served as the catalog's tuned repo of its family (revision as the catalog pins it)
  const served: { family: string; folder: string; dtype: Dtype }[] = [
    { family: 'gemma-3-270m', folder: 'models/standins/gemma-3-custom', dtype: 'q4f16' }, // external data
    { family: 'qwen3-0.6b', folder: 'models/standins/qwen3-genai', dtype: 'fp16' }, // float16 logits
    { family: 'qwen2.5-0.5b', folder: 'models/standins/qwen2.5-optimum', dtype: 'q4' },
    { family: 'smollm2-135m', folder: 'models/standins/smollm2-optimum', dtype: 'fp16' }, // float16 KV
  ];
  it('smollm2-135m base: loads by the catalog\'s base repo id', async () => {
    const repo = CATALOG.find((c) => c.id === 'smollm2-135m')!.base!;
    const folder = resolve('models/standins/smollm2-base-optimum');
    const hub = await startHubServer({ [repo.repo]: folder });
    try {
      const e = createNodeEngine('node', { endpoint: hub.endpoint, cacheDir: mkdtempSync(join(tmpdir(), 'wpl-standins-')) });
      await e.load(repo.revision === 'main' ? repo.repo : `${repo.repo}@${repo.revision}`, { dtype: 'fp16' });
      const ref = reference(folder, 'fp16');
      expect(maxAbsDiff((await e.score(ref.ids)).data, ref.logits)).toBeLessThan(TOL['fp16']!);
      expect((await e.info()).eosTokenIds).toEqual([0]);
      await e.dispose();
    } finally {
      await hub.close();
    }
  });
  for (const { family, folder, dtype } of served) {
    it(`${family}: loads by hub id and gives the reference logits`, async () => {
      const entry = CATALOG.find((c) => c.id === family)!;
      const repo = entry.tuned!;
      const hub = await startHubServer({ [repo.repo]: resolve(folder) });
      try {
        const e = createNodeEngine('node', { endpoint: hub.endpoint, cacheDir: mkdtempSync(join(tmpdir(), 'wpl-standins-')) });
        const id = repo.revision === 'main' ? repo.repo : `${repo.repo}@${repo.revision}`;
        await e.load(id, { dtype });
        const ref = reference(resolve(folder), dtype);
        const out = await e.score(ref.ids);
        expect(maxAbsDiff(out.data, ref.logits)).toBeLessThan(TOL[dtype]!);
        expect(hub.requests.some((r) => r.endsWith('.onnx'))).toBe(true);
        await e.dispose();
      } finally {
        await hub.close();
      }
    });
  }
});

describe('the CLI on the stand-ins', () => {
  it('lab logits --dtype loads the variant, lists the graph notes, and gives the engine\'s numbers', async () => {
    const lines: string[] = [];
    const ctx = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(`ERR ${l}`) };
    const folder = resolve('models/standins/gemma-3-custom');
    expect(await main(['logits', '--model', folder, '--dtype', 'q4f16', '--text', 'The capital', '--top', '3', '--json'], ctx)).toBe(0);
    const j = (JSON.parse(lines.at(-1)!) as { sides: { base: { dtype: string; batching: string; graph_notes: string[]; tokens: { id: number }[]; next: { top: { id: number; logit: number }[] } } } }).sides.base;
    expect(j.dtype).toBe('q4f16');
    expect(j.batching).toBe('one-row-per-pass');
    expect(j.graph_notes).toContain('KV cache in float16');
    // the same numbers from the engine directly
    const e = createNodeEngine('node');
    await e.load(folder, { dtype: 'q4f16' });
    const ids = await e.encode('The capital');
    expect(j.tokens.map((t) => t.id)).toEqual(ids);
    const { seq, logits } = await e.createSequence(ids);
    await e.release(seq);
    expect(Math.abs(j.next.top[0]!.logit - logits.data[j.next.top[0]!.id]!)).toBeLessThan(1e-6);
    await e.dispose();
    expect(await main(['logits', '--model', folder, '--dtype', 'q9', '--text', 'x'], ctx)).toBe(2);
  });
});

describe('controls: each adaptation matters (turned off, the stand-in shows the failure it prevents)', () => {
  type Internals = { loaded: { graph: { rowsOneAtATime: boolean }; session: { run: (f: Record<string, unknown>) => Promise<Record<string, { dims: readonly number[] }>> } } };

  it('GQA graphs: a padded batch would be refused or wrong, so rows run one per pass', async () => {
    const e = createNodeEngine('node');
    await e.load(resolve('models/standins/gemma-3-custom'), { dtype: 'fp32' });
    const ids = reference(resolve('models/standins/gemma-3-custom'), 'fp32').ids;
    const a = (await e.createSequence(ids.slice(0, 3))).seq;
    const b = (await e.createSequence(ids.slice(0, 6))).seq;
    (e as unknown as Internals).loaded.graph.rowsOneAtATime = false;
    await expect(e.stepBatch([a, b], [ids.slice(3, 5), ids.slice(6, 7)])).rejects.toThrow(/batch_size must be 1/);
    await e.dispose();
  });

  for (const standin of ['gemma-3-custom', 'qwen3-genai'] as const) {
    for (const backend of ['node', 'wasm'] as const) {
      it(`GQA graphs (${standin}, ${backend}): one-token steps of rows with the same unpadded past run as one pass, equal to one row at a time`, async () => {
        const folder = resolve('models/standins', standin);
        const ids = reference(folder, 'fp32').ids;
        const e = createNodeEngine(backend);
        try {
          await e.load(folder, { dtype: 'fp32' });
          const session = (e as unknown as Internals).loaded.session;
          const run = session.run.bind(session);
          const batches: number[] = [];
          session.run = async (feeds) => {
            batches.push((feeds['input_ids'] as unknown as { dims: number[] }).dims[0]!);
            return run(feeds);
          };
          // a sweep's shape: 4 forks of one prompt, then 2 one-token steps with different tokens per row
          const { seq: root } = await e.createSequence(ids.slice(0, 5));
          const rows = [root];
          for (let i = 1; i < 4; i++) rows.push(await e.fork(root));
          batches.length = 0;
          const first = await e.stepBatch(rows, [[ids[5]!], [ids[6]!], [ids[7]!], [ids[8]!]]);
          const second = await e.stepBatch(rows, [[ids[9]!], [ids[10]!], [ids[11]!], [ids[2]!]]);
          expect(batches).toEqual([4, 4]); // one pass per step, not one per row
          const V = first.dims[1]!;
          let worst = 0;
          for (let b = 0; b < 4; b++) {
            const alone = await e.score([...ids.slice(0, 5), ids[5 + b]!, [ids[9]!, ids[10]!, ids[11]!, ids[2]!][b]!]);
            const n = alone.dims[0]!;
            worst = Math.max(worst, maxAbsDiff(first.data.subarray(b * V, (b + 1) * V), alone.data.subarray((n - 2) * V, (n - 1) * V)));
            worst = Math.max(worst, maxAbsDiff(second.data.subarray(b * V, (b + 1) * V), alone.data.subarray((n - 1) * V)));
          }
          expect(worst).toBeLessThan(1e-4);
          // rows whose pasts differ in length still run one per pass (a padded batch would be wrong here)
          const { seq: other } = await e.createSequence(ids.slice(0, 3));
          batches.length = 0;
          await e.stepBatch([rows[0]!, other], [[ids[3]!], [ids[3]!]]);
          expect(batches).toEqual([1, 1]);
          for (const s of [...rows, other]) await e.release(s);
        } finally {
          await e.dispose();
        }
      });
    }
  }

  it('q8 graphs: in a padded batch a row depends on its batch mates, so rows run one per pass', async () => {
    const folder = resolve('models/standins/smollm2-optimum');
    const e = createNodeEngine('node');
    await e.load(folder, { dtype: 'q8' });
    const ids = reference(folder, 'q8').ids;
    const run = async () => {
      const a = (await e.createSequence(ids.slice(0, 4))).seq;
      const b = (await e.createSequence(ids.slice(2, 9))).seq;
      const out = await e.stepBatch([a, b], [ids.slice(4, 6), ids.slice(9, 12)]);
      await e.release(a);
      await e.release(b);
      return out.data.slice(0, out.dims[1]!);
    };
    const alone = await run();
    (e as unknown as Internals).loaded.graph.rowsOneAtATime = false;
    const padded = await run();
    expect(maxAbsDiff(alone, padded)).toBeGreaterThan(1e-2);
    await e.dispose();
  });

  it('num_logits_to_keep: declared by the SmolLM2 stand-in, sent as 1 for a last-position step, 0 for all', async () => {
    const e = createNodeEngine('node');
    await e.load(resolve('models/standins/smollm2-optimum'), { dtype: 'fp32' });
    const session = (e as unknown as Internals).loaded.session;
    const run = session.run.bind(session);
    const seen: { keep: bigint; logitsRows: number }[] = [];
    session.run = async (feeds) => {
      const out = await run(feeds);
      const keep = (feeds['num_logits_to_keep'] as { data: BigInt64Array }).data[0]!;
      seen.push({ keep, logitsRows: out['logits']!.dims[1]! });
      return out;
    };
    const { seq } = await e.createSequence([5, 6, 7, 8]);
    await e.step(seq, [9, 10], { all: true });
    expect(seen).toEqual([
      { keep: 1n, logitsRows: 1 },
      { keep: 0n, logitsRows: 2 },
    ]);
    await e.dispose();
  });
});

describe('compare on a stand-in pair whose KV dtypes differ (SmolLM2 base float32 KV, instruct float16 KV)', () => {
  it('per-token log-probabilities equal independent full passes of each model', async () => {
    const base = createNodeEngine('node');
    const tuned = createNodeEngine('wasm');
    await base.load(resolve('models/standins/smollm2-base-optimum'), { dtype: 'fp16' });
    await tuned.load(resolve('models/standins/smollm2-optimum'), { dtype: 'fp16' });
    expect((await base.info()).graphNotes).not.toContain('KV cache in float16');
    expect((await tuned.info()).graphNotes).toContain('KV cache in float16');
    const prompt = 'The capital of France is';
    const r = await compare({ base, tuned, prompt, response: ' Paris, the city.' });
    const response = r.positions.map((p) => p.id);
    // compare's own contexts (the `none` template ends the prompt with a newline)
    const ctxB = r.contexts.base;
    const ctxT = r.contexts.tuned;
    expect(ctxT).toEqual(await tuned.encode(prompt, 'chat'));
    const sb = await base.score([...ctxB, ...response]);
    const st = await tuned.score([...ctxT, ...response]);
    const V = sb.dims[1]!;
    response.forEach((id, k) => {
      const lb = logSoftmax(sb.data.subarray((ctxB.length - 1 + k) * V, (ctxB.length + k) * V))[id]!;
      const lt = logSoftmax(st.data.subarray((ctxT.length - 1 + k) * V, (ctxT.length + k) * V))[id]!;
      expect(Math.abs(r.positions[k]!.logp_base - lb)).toBeLessThan(1e-5);
      expect(Math.abs(r.positions[k]!.logp_tuned - lt)).toBeLessThan(1e-5);
    });
    // the two models really differ (different weights): the control
    expect(r.positions.some((p) => Math.abs(p.logp_base - p.logp_tuned) > 0.1)).toBe(true);
    await base.dispose();
    await tuned.dispose();
  });
});

describe('sweep and inject on the stand-ins (padded, row-per-pass, float16-logits, bnb4 and merged graphs)', () => {
  const cases: { folder: string; dtype: Dtype }[] = [
    { folder: 'models/standins/qwen2.5-optimum', dtype: 'fp32' },
    { folder: 'models/standins/gemma-3-custom', dtype: 'q4' },
    { folder: 'models/standins/qwen3-genai', dtype: 'fp16' },
    { folder: 'models/standins/qwen2.5-optimum', dtype: 'bnb4' }, // MatMulBnb4: weights only, batches padded
    { folder: 'models/standins/qwen2.5-merged-optimum', dtype: 'fp32' }, // use_cache_branch on every step
  ];
  for (const { folder, dtype } of cases) {
    it(`${folder.split('/').pop()} ${dtype}: batched samples are each model-exact and independent of the batch size`, async () => {
      const e = createNodeEngine('node');
      await e.load(resolve(folder), { dtype });
      const context = await e.encode('The capital of France is');
      const opts = { maxTokens: 6, seed: 7, stopIds: [] as number[] };
      const four = await sampleBatch(e, context, 1, 0, { ...opts, samples: 4 });
      const two = await sampleBatch(e, context, 1, 0, { ...opts, samples: 2 });
      expect(two.samples).toEqual(four.samples.slice(0, 2));
      // every recorded log-probability equals a plain full pass over context + sample
      const tol = dtype === 'fp16' ? 2e-2 : 1e-4;
      for (let i = 0; i < 4; i++) {
        const s = four.samples[i]!;
        const full = await e.score([...context, ...s]);
        const V = full.dims[1]!;
        s.forEach((id, k) => {
          const lp = logSoftmax(full.data.subarray((context.length - 1 + k) * V, (context.length + k) * V))[id]!;
          expect(Math.abs(four.logps[i]![k]! - lp)).toBeLessThan(tol);
        });
      }
      const r = await injectTrace(e, context, { afterTokens: 2, injection: ' robot', steps: 4, stopIds: [] });
      expect(r.trace).toHaveLength(4);
      expect(['recovered', 'ended', 'diverged']).toContain(r.outcome);
      for (const p of r.trace) if (p.kl !== null) expect(p.kl).toBeGreaterThanOrEqual(0);
      // the clean run is greedy: each of its tokens is the argmax of a plain full pass
      const clean = [...r.clean.context, ...r.clean.continuation];
      const cf = await e.score(clean);
      const W = cf.dims[1]!;
      r.clean.continuation.forEach((id, k) => {
        const at = r.clean.context.length - 1 + k;
        const rowData = cf.data.subarray(at * W, (at + 1) * W);
        expect(rowData[id]).toBeCloseTo(Math.max(...rowData), dtype === 'fp16' ? 1 : 4);
      });
      await e.dispose();
    });
  }
});

describe('merged decoders (use_cache_branch): the stand-in qwen2.5-merged-optimum', () => {
  const folder = resolve('models/standins/qwen2.5-merged-optimum');
  type Feeds = Record<string, { type: string; dims: readonly number[]; data: ArrayLike<number | bigint> }>;
  type Internals = { loaded: { session: { run: (f: Feeds) => Promise<Record<string, { dims: readonly number[] }>> } } };

  it('use_cache_branch is fed from the input metadata: bool [1], false with an empty past, true with one', async () => {
    const e = createNodeEngine('node');
    await e.load(folder, { dtype: 'fp32' });
    expect((await e.info()).graphNotes!.some((n) => n.includes('use_cache_branch'))).toBe(true);
    const session = (e as unknown as Internals).loaded.session;
    const run = session.run.bind(session);
    const seen: { branch: number; dims: readonly number[]; type: string; past: number }[] = [];
    session.run = async (feeds) => {
      const b = feeds['use_cache_branch']!;
      seen.push({ branch: Number(b.data[0]), dims: b.dims, type: b.type, past: feeds['past_key_values.0.key']!.dims[2]! });
      return run(feeds);
    };
    const ids = reference(folder, 'fp32').ids;
    const { seq } = await e.createSequence(ids.slice(0, 5));
    await e.step(seq, ids.slice(5, 7));
    const other = (await e.createSequence(ids.slice(0, 2))).seq;
    await e.stepBatch([seq, other], [[ids[7]!], ids.slice(2, 4)]); // a batch whose rows have different pasts
    expect(seen).toEqual([
      { branch: 0, dims: [1], type: 'bool', past: 0 },
      { branch: 1, dims: [1], type: 'bool', past: 5 },
      { branch: 0, dims: [1], type: 'bool', past: 0 },
      { branch: 1, dims: [1], type: 'bool', past: 7 },
    ]);
    await e.dispose();
  });

  it('control: false on a step with a past takes the branch without past, which cannot run it', async () => {
    const e = createNodeEngine('node');
    await e.load(folder, { dtype: 'fp32' });
    const ref = reference(folder, 'fp32');
    const session = (e as unknown as Internals).loaded.session;
    const run = session.run.bind(session);
    const { Tensor } = await import('onnxruntime-node');
    const { seq } = await e.createSequence(ref.ids.slice(0, 7));
    session.run = async (feeds) => run({ ...feeds, use_cache_branch: new Tensor('bool', new Uint8Array([0]), [1]) as never });
    // the branch without past masks 12 positions (past + new) against its 5 new keys
    await expect(e.step(seq, ref.ids.slice(7), { all: true })).rejects.toThrow(/If node[\s\S]*broadcast/);
    await e.dispose();
  });

  it('q8 (int8 weights) is refused on WASM, which runs it wrong; control: onnxruntime-web WASM itself is still 0.18 off', async () => {
    const e = createNodeEngine('wasm');
    await expect(e.load(folder, { dtype: 'q8' })).rejects.toThrow(/backend wasm is unavailable: .*merged decoder \(use_cache_branch\).*fp32 or uint8 variant/);
    await e.dispose();
    // the same file straight through onnxruntime-web (no engine): the deviation the refusal guards against
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    const ref = reference(folder, 'q8');
    const session = await ort.InferenceSession.create(readFileSync(join(folder, 'onnx/model_quantized.onnx')), { executionProviders: ['wasm'] });
    const S = ref.ids.length;
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ref.ids.map(BigInt)), [1, S]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(S).fill(1n), [1, S]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from(ref.ids.map((_, i) => BigInt(i))), [1, S]),
      use_cache_branch: new ort.Tensor('bool', new Uint8Array([0]), [1]),
    };
    for (const n of session.inputNames) if (n.startsWith('past_key_values.')) feeds[n] = new ort.Tensor('float32', new Float32Array(0), [1, 2, 0, 8]);
    const logits = (await session.run(feeds))['logits']!.data as Float32Array;
    const d = maxAbsDiff(logits, ref.logits);
    console.log(`qwen2.5-merged-optimum q8 on onnxruntime-web WASM without the engine: max |Δlogit| vs reference ${d.toExponential(2)}`);
    expect(d).toBeGreaterThan(TOL['q8']!); // when this fails, onnxruntime-web fixed it: drop backendProblem's rule
    await session.release();
    // onnxruntime-node runs the same file right (the per-variant tests above), and so does WASM for uint8 weights
    const node = createNodeEngine('node');
    await node.load(folder, { dtype: 'q8' });
    expect(maxAbsDiff((await node.score(ref.ids)).data, ref.logits)).toBeLessThan(TOL['q8']!);
    await node.dispose();
  });
});

describe('q8 / int8 / uint8 on WebGPU (wrong there, measured in standins-webgpu.test.ts): refused before a session is made', () => {
  const folder = resolve('models/standins/qwen2.5-optimum');
  // a runtime that says it is WebGPU (no GPU is needed: the rule acts before any session exists), with and
  // without the page's `auto` fallback to WASM
  const gpuLike = async (fallback: boolean) => ({
    ...(await nodeRuntime('node')),
    backend: 'webgpu' as const,
    adapter: 'a WebGPU adapter (test)',
    shaderF16: true,
    ...(fallback ? { fallback: () => nodeRuntime('wasm') } : {}),
  });

  it('under auto the load falls back to WASM, says why, and gives the reference logits', async () => {
    const e = new LabEngine({ runtime: () => gpuLike(true), source: (s) => nodeSource(s) });
    await e.load(folder, { dtype: 'uint8' });
    const info = await e.info();
    expect(info.backend).toBe('wasm');
    expect(info.backendNote).toMatch(/^WASM instead of WebGPU: this uint8 file is dynamically quantized .*wrong logits on WebGPU/);
    const ref = reference(folder, 'uint8');
    expect(maxAbsDiff((await e.score(ref.ids)).data, ref.logits)).toBeLessThan(TOL['uint8']!);
    await e.dispose();
  });

  it('forced WebGPU: a BackendError naming WASM and the q4 / fp32 variants; other variants load', async () => {
    const e = new LabEngine({ runtime: () => gpuLike(false), source: (s) => nodeSource(s) });
    for (const dtype of ['q8', 'int8', 'uint8'] as const) {
      await expect(e.load(folder, { dtype })).rejects.toThrow(/backend webgpu is unavailable: .*run it on WASM, or load its q4 or fp32 variant/);
    }
    await e.load(folder, { dtype: 'bnb4' }); // (runs here on the CPU session the fake runtime makes)
    expect((await e.info()).backend).toBe('webgpu');
    await e.dispose();
  });
});
