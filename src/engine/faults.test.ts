/**
 * Numbers the model did not compute are never handed on (issues #16, #15.3): a float16 graph on a
 * WebGPU adapter without shader-f16 is refused before a session exists, or (with that check off) its
 * failed run becomes a BackendError instead of all-zero logits; constant and NaN logits are a
 * NumericalError with the position, on every backend; the CLI exits 1 and `--json` output parses.
 * The test graphs are built here, in TypeScript (src/engine/test-graphs.ts).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transferHandlers } from 'comlink';
import { main } from '../cli/main';
import { LabEngine } from './engine';
import { BackendError, DeviceLostError, NumericalError } from './errors';
import { rowProblem } from './logits-check';
import { createNodeEngine, nodeRuntime, nodeSource, type NodeBackend } from './node';
import { float16Use } from './onnx-proto';
import { testGraphBytes, writeTestModel, type TestGraph } from './test-graphs';
import { installErrorTransfer } from './worker-errors';

const root = mkdtempSync(join(tmpdir(), 'wpl-faults-'));
const dirs = {} as Record<TestGraph, string>;
const open: LabEngine[] = [];
let V = 0;

beforeAll(() => {
  for (const k of ['fp32', 'fp16-cast', 'constant', 'nan-weights'] as const) dirs[k] = writeTestModel(k, root);
  V = Number(JSON.parse(readFileSync(join(dirs.fp32, 'config.json'), 'utf8')).vocab_size);
});
afterAll(async () => {
  for (const e of open) await e.dispose().catch(() => {});
});

async function engineFor(kind: TestGraph, backend: NodeBackend): Promise<LabEngine> {
  const e = createNodeEngine(backend);
  open.push(e);
  await e.load(dirs[kind]);
  return e;
}

describe('the logits row check', () => {
  it('finds NaN, Inf and constant rows, and passes ordinary ones', () => {
    const row = Float32Array.from([0.5, -1, 2, 3]);
    expect(rowProblem(row, 0, 4)).toBeNull();
    expect(rowProblem(Float32Array.from([0, 0, 0, 0]), 0, 4)).toEqual({ problem: 'constant', count: 4 });
    expect(rowProblem(Float32Array.from([1, NaN, NaN, 2]), 0, 4)).toEqual({ problem: 'nan', count: 2 });
    expect(rowProblem(Float32Array.from([1, Infinity, 0, 2]), 0, 4)).toEqual({ problem: 'inf', count: 1 });
    expect(rowProblem(Float32Array.from([9, 9, 1, 2, 3, 4]), 2, 4)).toBeNull();
  });
});

describe('the new errors across the worker boundary', () => {
  it('keep their class and fields', () => {
    installErrorTransfer();
    const handler = transferHandlers.get('throw')!;
    const back = (err: Error): unknown => {
      const [wire] = handler.serialize({ value: err } as never) as [unknown, Transferable[]];
      try {
        handler.deserialize(structuredClone(wire) as never);
      } catch (e) {
        return e;
      }
      return null;
    };
    const n = back(new NumericalError('nan', 7, 2, 3, 4096, 'webgpu')) as NumericalError;
    expect(n).toBeInstanceOf(NumericalError);
    expect([n.problem, n.position, n.row, n.count, n.backend]).toEqual(['nan', 7, 2, 3, 'webgpu']);
    const d = back(new DeviceLostError('unknown', 'GPU process crashed')) as DeviceLostError;
    expect(d).toBeInstanceOf(DeviceLostError);
    expect(d.detail).toBe('GPU process crashed');
  });
});

describe('float16 use in a graph', () => {
  it('names the Cast to float16 and the float16 output, and finds none in float32 graphs', () => {
    const uses = float16Use(testGraphBytes('fp16-cast', 64));
    expect(uses).toContain('output logits is float16');
    expect(uses.some((u) => /Cast \(logits_to_fp16\) to float16/.test(u))).toBe(true);
    expect(float16Use(testGraphBytes('fp32', 64))).toEqual([]);
    expect(float16Use(new Uint8Array(readFileSync(resolve('models/lab-base/onnx/model.onnx'))))).toEqual([]);
  });
});

describe.each(['node', 'wasm'] as const)('the float16 graph on %s', (backend) => {
  it('runs, and its logits equal the float32 graph to float16 precision', async () => {
    const half = await engineFor('fp16-cast', backend);
    const full = await engineFor('fp32', backend);
    const ids = await full.encode('The jury said');
    const a = (await half.score(ids)).data;
    const b = (await full.score(ids)).data;
    let m = 0;
    for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
    expect(m).toBeGreaterThan(0); // really rounded through float16
    expect(m).toBeLessThan(4e-3);
  });
});

describe('the float16 graph on WebGPU without shader-f16 (SwiftShader)', () => {
  it('the adapter lacks shader-f16 (the premise of the next tests)', async () => {
    expect((await nodeRuntime('webgpu')).shaderF16).toBe(false);
  });
  it('is refused before a session is created, naming the float16 use and the missing feature', async () => {
    const e = createNodeEngine('webgpu');
    open.push(e);
    const err = await e.load(dirs['fp16-cast']).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toMatch(/float16.*Cast.*no shader-f16/);
    expect((err as Error).message).toMatch(/WASM|fp32/);
  });
  it('with that check off, the failed GPU run is a BackendError, never all-zero logits', async () => {
    const e = new LabEngine({ runtime: () => nodeRuntime('webgpu'), source: (s) => nodeSource(s), checkFloat16: false });
    open.push(e);
    await e.load(dirs['fp16-cast']);
    const err = await e.createSequence(await e.encode('The jury said')).catch((x: unknown) => x);
    expect(err, String(err)).toBeInstanceOf(BackendError);
    expect((err as Error).message).toMatch(/WebGPU failed while running the model.*discarded/);
    expect(await e.liveSequences()).toBe(0);
  }, 120_000);
});

describe.each(['node', 'wasm', 'webgpu'] as const)('broken logits on %s', (backend) => {
  it('constant logits (an all-zero output matrix) are a NumericalError with the position', async () => {
    const e = await engineFor('constant', backend);
    const ids = await e.encode('The jury said that');
    const err = await e.createSequence(ids).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(NumericalError);
    const n = err as NumericalError;
    expect(n.problem).toBe('constant');
    expect(n.position).toBe(ids.length - 1);
    expect(n.count).toBe(V);
    expect(n.message).toMatch(/position \d+.*all \d+ logits are equal.*Try WASM.*fp32/);
    expect(await e.liveSequences()).toBe(0);
    const s = await e.score(ids).catch((x: unknown) => x);
    expect(s).toBeInstanceOf(NumericalError);
    expect((s as NumericalError).position).toBe(0);
  }, 120_000);
  it('NaN weights are a NumericalError (one NaN logit per row)', async () => {
    const e = await engineFor('nan-weights', backend);
    const ids = await e.encode('The jury said');
    const err = (await e.score(ids).catch((x: unknown) => x)) as NumericalError;
    expect(err).toBeInstanceOf(NumericalError);
    expect(err.problem).toBe('nan');
    expect(err.count).toBe(1);
    expect(err.message).toMatch(/1 of \d+ logits are NaN/);
  }, 120_000);
});

describe('the CLI on broken models', () => {
  async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  }
  it('exits 1 on NaN logits and --json output parses, naming the error', async () => {
    const r = await cli(['logits', '--model', dirs['nan-weights'], '--text', 'The jury', '--json']);
    expect(r.code).toBe(1);
    expect(r.out).toHaveLength(1);
    const doc = JSON.parse(r.out[0]!) as { error: { name: string; problem: string; position: number } };
    expect(doc.error.name).toBe('NumericalError');
    expect(doc.error.problem).toBe('nan');
    expect(r.err.join('\n')).toMatch(/NumericalError/);
  });
  it('--json parses for a refused float16 graph on WebGPU and for a usage error too', async () => {
    const a = await cli(['logits', '--model', dirs['fp16-cast'], '--text', 'The jury', '--backend', 'webgpu', '--json']);
    expect(a.code).toBe(1);
    expect((JSON.parse(a.out.join('\n')) as { error: { name: string } }).error.name).toBe('BackendError');
    const b = await cli(['sweep', '--model', dirs.fp32, '--json']);
    expect(b.code).toBe(2);
    expect((JSON.parse(b.out.join('\n')) as { error: { name: string } }).error.name).toBe('UsageError');
  }, 120_000);
  it('exits 1 on constant logits without --json, with the position on stderr and nothing on stdout', async () => {
    const r = await cli(['logits', '--model', dirs.constant, '--text', 'The jury']);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err.join('\n')).toMatch(/NumericalError: .*position/);
  });
});

// Last: destroying the device ends WebGPU for this test process.
describe('a lost WebGPU device', () => {
  it('is a DeviceLostError naming the loss, for the run in flight and every run after', async () => {
    const e = await engineFor('fp32', 'webgpu');
    const ids = await e.encode('The jury said');
    const { seq } = await e.createSequence(ids);
    const ortAll = (await import('onnxruntime-web/webgpu')) as unknown as { env: { webgpu: { device: GPUDevice } } };
    ortAll.env.webgpu.device.destroy();
    const err = await e.step(seq, [5]).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(DeviceLostError);
    expect((err as Error).message).toMatch(/GPU device was lost \(destroyed.*reload the pair/);
    expect(await e.score(ids).catch((x: unknown) => x)).toBeInstanceOf(DeviceLostError);
  }, 120_000);
});
