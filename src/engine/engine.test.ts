/**
 * The engine against the lab-grown pair: KV-cache steps equal a full forward, a fork equals a re-run,
 * a batch equals singles, onnxruntime-web (WASM) equals onnxruntime-node equals the training
 * framework's stored reference logits, and bad input gives typed errors that name the problem.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { row } from '../lab/distributions';
import type { LabEngine } from './engine';
import { ContextOverflowError, ModelFileError, SequenceError } from './errors';
import { createNodeEngine } from './node';

const BASE = resolve('models/lab-base');
const TUNED = resolve('models/lab-sft');

interface Reference {
  sequences: { text: string; ids: number[]; logits_file: string; shape: [number, number]; offset_bytes?: number }[];
}

function loadReference(folder: string): { text: string; ids: number[]; logits: Float32Array; shape: [number, number] }[] {
  const ref = JSON.parse(readFileSync(join(folder, 'reference.json'), 'utf8')) as Reference;
  return ref.sequences.map((s) => {
    const buf = readFileSync(join(folder, s.logits_file));
    const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const n = s.shape[0] * s.shape[1];
    const off = (s.offset_bytes ?? 0) / 4;
    return { text: s.text, ids: s.ids, shape: s.shape, logits: all.subarray(off, off + n) };
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

let engine: LabEngine;
let V: number;
const prompt = 'The jury said that the city';

beforeAll(async () => {
  engine = createNodeEngine('node');
  const info = await engine.load(BASE);
  V = info.vocabSize;
});
afterAll(async () => {
  await engine.dispose();
});

describe('loading', () => {
  it('reports what it loaded', async () => {
    const info = await engine.info();
    expect(info.name).toBe('lab-base');
    expect(info.backend).toBe('node');
    expect(info.modelType).toBe('llama');
    expect(info.vocabSize).toBeGreaterThan(1000);
    expect(info.numLayers).toBeGreaterThan(0);
    expect(info.hasChatTemplate).toBe(true);
    expect(info.weightBytes).toBe(statSync(join(BASE, 'onnx/model.onnx')).size);
  });
  it('loads the same model from files chosen on a page (Blobs by relative path)', async () => {
    const { readdirSync } = await import('node:fs');
    const files = new Map<string, Blob>();
    for (const f of readdirSync(BASE, { recursive: true }) as string[]) {
      if (statSync(join(BASE, f)).isFile()) files.set(f.split('\\').join('/'), new Blob([readFileSync(join(BASE, f))]));
    }
    const e = createNodeEngine('node');
    const info = await e.load('local:lab-base', { files });
    expect(info.name).toBe('lab-base');
    const ids = await engine.encode(prompt);
    expect(Array.from((await e.score(ids)).data)).toEqual(Array.from((await engine.score(ids)).data));
    await e.dispose();
  });
  it('reports load progress in bytes', async () => {
    const e = createNodeEngine('node');
    const seen: { file: string; loaded: number; total: number }[] = [];
    await e.load(TUNED, { onProgress: (p) => seen.push(p) });
    const onnx = seen.filter((p) => p.file === 'onnx/model.onnx' && p.loaded === p.total && p.total > 0);
    expect(onnx.length).toBeGreaterThan(0);
    expect(onnx[0]!.total).toBe(statSync(join(TUNED, 'onnx/model.onnx')).size);
    await e.dispose();
  });
});

describe('tokenizer', () => {
  const hostile = ['Hello, world!', '🙂👍🏽 family: 👨‍👩‍👧', '日本語のテキスト 中文', '   \t\n  ', '\n\n\n', 'a\u0000b', 'mixed ümlaut café naïve', '<script>alert(1)</script>', ''];
  it('round-trips hostile strings', async () => {
    for (const s of hostile) {
      const ids = await engine.encode(s);
      expect(await engine.decode(ids)).toBe(s);
    }
  });
  it('turns lone surrogates into U+FFFD (what UTF-8 can carry) and round-trips that', async () => {
    const s = 'x\uD800y\uDC00z';
    const ids = await engine.encode(s);
    expect(await engine.decode(ids)).toBe('x\uFFFDy\uFFFDz');
  });
  it('gives each token a text; partial UTF-8 bytes show as <0xNN> and nothing is lost', async () => {
    for (const s of ['🙂 the', '日本語', 'plain words here']) {
      const texts = await engine.tokenTexts(await engine.encode(s));
      const bytes: number[] = [];
      for (const t of texts) {
        for (const part of t.split(/(<0x[0-9A-F]{2}>)/)) {
          if (/^<0x[0-9A-F]{2}>$/.test(part)) bytes.push(parseInt(part.slice(3, 5), 16));
          else bytes.push(...new TextEncoder().encode(part));
        }
      }
      expect(new TextDecoder().decode(Uint8Array.from(bytes))).toBe(s);
    }
  });
  it('renders the chat template with the generation prompt', async () => {
    const text = await engine.renderChat([{ role: 'user', content: 'Are bugs real?' }], true);
    expect(text).toBe('<|im_start|>user\nAre bugs real?<|im_end|>\n<|im_start|>assistant\n');
    const ids = await engine.encode('Are bugs real?', 'chat');
    expect(ids[0]).toBe(1); // <|im_start|> is one special token
    expect(await engine.decode(ids)).toBe(text);
  });
  it('agrees with the Python tokenizer on the reference texts', async () => {
    for (const folder of [BASE, TUNED]) {
      for (const s of loadReference(folder)) {
        expect(await engine.encode(s.text)).toEqual(s.ids);
      }
    }
  });
});

describe('KV cache, fork and batch', () => {
  it('incremental steps equal one teacher-forced forward pass', async () => {
    const ids = await engine.encode(prompt);
    const full = await engine.score(ids);
    expect(full.dims).toEqual([ids.length, V]);
    const { seq, logits } = await engine.createSequence(ids.slice(0, 2));
    expect(maxAbsDiff(logits.data, row(full.data, 1, V))).toBeLessThan(1e-4);
    for (let t = 2; t < ids.length; t++) {
      const l = await engine.step(seq, [ids[t]!]);
      expect(maxAbsDiff(l.data, row(full.data, t, V))).toBeLessThan(1e-4);
    }
    expect(await engine.tokens(seq)).toEqual(ids);
    await engine.release(seq);
  });

  it('a fork equals a re-run, and stepping it leaves the parent alone', async () => {
    const ids = await engine.encode(prompt);
    const { seq: parent } = await engine.createSequence(ids);
    const child = await engine.fork(parent);
    const [a, b] = [17, 42];
    const childLogits = await engine.step(child, [a]);
    const parentLogits = await engine.step(parent, [b]);
    const rerunA = await engine.score([...ids, a]);
    const rerunB = await engine.score([...ids, b]);
    expect(maxAbsDiff(childLogits.data, row(rerunA.data, ids.length, V))).toBeLessThan(1e-4);
    expect(maxAbsDiff(parentLogits.data, row(rerunB.data, ids.length, V))).toBeLessThan(1e-4);
    expect(await engine.tokens(child)).toEqual([...ids, a]);
    expect(await engine.tokens(parent)).toEqual([...ids, b]);
    await engine.release(child);
    await engine.release(parent);
  });

  it('a batch of sequences of different lengths equals single steps', async () => {
    const prefixes = [await engine.encode('The jury'), await engine.encode('In the morning the old man said'), await engine.encode('Yes')];
    const seqs: number[] = [];
    for (const p of prefixes) seqs.push((await engine.createSequence(p)).seq);
    const next = [[5], [300, 301, 302], [9, 10]];
    const batch = await engine.stepBatch(seqs, next, { all: true });
    expect(batch.dims).toEqual([3, 3, V]);
    for (let b = 0; b < 3; b++) {
      const ref = await engine.score([...prefixes[b]!, ...next[b]!]);
      for (let j = 0; j < next[b]!.length; j++) {
        const got = batch.data.subarray((b * 3 + j) * V, (b * 3 + j + 1) * V);
        expect(maxAbsDiff(got, row(ref.data, prefixes[b]!.length + j, V))).toBeLessThan(1e-4);
      }
    }
    // Keep stepping the batch as a whole (the fast path that reuses the batched KV block).
    for (let s = 0; s < 3; s++) {
      const toks = [[11 + s], [12 + s], [13 + s]];
      const out = await engine.stepBatch(seqs, toks);
      expect(out.dims).toEqual([3, V]);
      for (let b = 0; b < 3; b++) next[b]!.push(toks[b]![0]!);
      for (let b = 0; b < 3; b++) {
        const ref = await engine.score([...prefixes[b]!, ...next[b]!]);
        expect(maxAbsDiff(row(out.data, b, V), row(ref.data, prefixes[b]!.length + next[b]!.length - 1, V))).toBeLessThan(1e-4);
      }
    }
    // One row of the batch stepped alone, then a fork of it in a new batch with a fresh sequence.
    const alone = await engine.step(seqs[1]!, [77]);
    next[1]!.push(77);
    const ref1 = await engine.score([...prefixes[1]!, ...next[1]!]);
    expect(maxAbsDiff(alone.data, row(ref1.data, ref1.dims[0]! - 1, V))).toBeLessThan(1e-4);
    const forked = await engine.fork(seqs[0]!);
    const fresh = await engine.createSequence([1, 2, 3]);
    const mixed = await engine.stepBatch([forked, fresh.seq], [[4], [4]]);
    const refF = await engine.score([...prefixes[0]!, ...next[0]!, 4]);
    const refN = await engine.score([1, 2, 3, 4]);
    expect(maxAbsDiff(row(mixed.data, 0, V), row(refF.data, refF.dims[0]! - 1, V))).toBeLessThan(1e-4);
    expect(maxAbsDiff(row(mixed.data, 1, V), row(refN.data, 3, V))).toBeLessThan(1e-4);
    for (const s of [...seqs, forked, fresh.seq]) await engine.release(s);
    expect(await engine.liveSequences()).toBe(0);
  });

  it('N forks of one prefix step as one batch', async () => {
    const ids = await engine.encode(prompt);
    const { seq } = await engine.createSequence(ids);
    const forks = [seq, ...(await Promise.all([1, 2, 3].map(() => engine.fork(seq))))];
    const toks = forks.map((_, i) => [100 + i]);
    const out = await engine.stepBatch(forks, toks);
    for (let b = 0; b < 4; b++) {
      const ref = await engine.score([...ids, 100 + b]);
      expect(maxAbsDiff(row(out.data, b, V), row(ref.data, ids.length, V))).toBeLessThan(1e-4);
    }
    for (const f of forks) await engine.release(f);
  });
});

describe('backends agree with each other and with the training framework', () => {
  it('onnxruntime-node and onnxruntime-web (WASM) match the stored reference logits within 1e-4', async () => {
    const wasm = createNodeEngine('wasm');
    await wasm.load(BASE);
    try {
      for (const folder of [BASE, TUNED]) {
        const nodeEngine = folder === BASE ? engine : createNodeEngine('node');
        const webEngine = folder === BASE ? wasm : createNodeEngine('wasm');
        if (folder !== BASE) {
          await nodeEngine.load(folder);
          await webEngine.load(folder);
        }
        for (const ref of loadReference(folder)) {
          const a = await nodeEngine.score(ref.ids);
          const b = await webEngine.score(ref.ids);
          expect(a.dims).toEqual(ref.shape);
          expect(maxAbsDiff(a.data, ref.logits)).toBeLessThan(1e-4);
          expect(maxAbsDiff(b.data, ref.logits)).toBeLessThan(1e-4);
          expect(maxAbsDiff(a.data, b.data)).toBeLessThan(1e-4);
        }
        if (folder !== BASE) {
          await nodeEngine.dispose();
          await webEngine.dispose();
        }
      }
    } finally {
      await wasm.dispose();
    }
  });
});

describe('errors', () => {
  it('context overflow names both token counts', async () => {
    const info = await engine.info();
    const ids = new Array(info.contextLength + 1).fill(5);
    const err = await engine.score(ids).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContextOverflowError);
    expect((err as ContextOverflowError).requested).toBe(info.contextLength + 1);
    expect((err as ContextOverflowError).limit).toBe(info.contextLength);
    const { seq } = await engine.createSequence(new Array(info.contextLength - 1).fill(5));
    await expect(engine.step(seq, [5, 5])).rejects.toThrow(`${info.contextLength + 1} tokens requested, the model's context holds ${info.contextLength}`);
    await engine.release(seq);
  });
  it('released sequences and bad token ids are refused clearly', async () => {
    const { seq } = await engine.createSequence([1, 2]);
    await engine.release(seq);
    await expect(engine.step(seq, [3])).rejects.toBeInstanceOf(SequenceError);
    await expect(engine.score([V + 5])).rejects.toThrow(/outside the vocabulary/);
    await expect(engine.createSequence([])).rejects.toThrow(/at least one new token/);
  });

  function brokenCopy(mutate: (dir: string) => void): string {
    const dir = mkdtempSync(join(tmpdir(), 'wpl-broken-'));
    cpSync(BASE, dir, { recursive: true });
    mutate(dir);
    return dir;
  }
  const cases: [string, (dir: string) => void, RegExp][] = [
    ['an HTML page as the model', (d) => writeFileSync(join(d, 'onnx/model.onnx'), '<!DOCTYPE html><html>Sign in</html>'), /^onnx\/model\.onnx: is an HTML page/],
    ['a truncated model', (d) => truncateSync(join(d, 'onnx/model.onnx'), 5000), /^onnx\/model\.onnx: is corrupt or truncated/],
    ['a missing tokenizer', (d) => writeFileSync(join(d, 'tokenizer.json'), ''), /^tokenizer\.json: is not valid JSON/],
    ['a config that is not a causal LM', (d) => writeFileSync(join(d, 'config.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(BASE, 'config.json'), 'utf8')), architectures: ['BertModel'] })), /^config\.json: is not a causal language model/],
  ];
  for (const [what, mutate, message] of cases) {
    it(`${what} gives a ModelFileError naming the file`, async () => {
      const e = createNodeEngine('node');
      const err = await e.load(brokenCopy(mutate)).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(ModelFileError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toMatch(/\n\s+at /);
      await e.dispose();
    });
  }
  it('a missing folder names the first file it needed', async () => {
    const e = createNodeEngine('node');
    await expect(e.load('/nonexistent/model')).rejects.toThrow(/^config\.json: is missing/);
  });
});
