/**
 * The engine on WebGPU in Node (Dawn's `webgpu` package on SwiftShader, the software Vulkan that ships
 * with Debian's chromium; vitest.config.ts points Vulkan at it): batches of forks that share one KV block
 * (how sweep samples and answers run), gathers from several blocks, releases of blocks downloaded from
 * the GPU. Every batch is checked against the same rows run alone on the same engine. Kept small:
 * SwiftShader is slow.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleBatch } from '../lab/sweep';
import type { LabEngine } from './engine';
import { createNodeEngine } from './node';

const BASE = resolve('models/lab-base');

let gpu: LabEngine;
let V: number;
let ids: number[];

beforeAll(async () => {
  gpu = createNodeEngine('webgpu');
  V = (await gpu.load(BASE)).vocabSize;
  ids = await gpu.encode('The jury said that');
}, 300_000);
afterAll(async () => {
  await gpu?.dispose();
});

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

describe('WebGPU (Dawn + SwiftShader)', () => {
  it('runs on WebGPU', async () => {
    expect((await gpu.info()).backend).toBe('webgpu');
  });

  it('scores a prompt as onnxruntime-node does on the CPU (to 2e-3, every position)', async () => {
    const cpu = createNodeEngine('node');
    try {
      await cpu.load(BASE);
      expect(maxAbsDiff((await gpu.score(ids)).data, (await cpu.score(ids)).data)).toBeLessThan(2e-3);
    } finally {
      await cpu.dispose();
    }
  }, 240_000);

  it('steps four forks of one prompt as one batch (one KV block shared by every row), equal to each run alone', async () => {
    const next = [11, 12, 13, 14];
    const { seq } = await gpu.createSequence(ids);
    const seqs = [seq, await gpu.fork(seq), await gpu.fork(seq), await gpu.fork(seq)];
    const batch = await gpu.stepBatch(seqs, next.map((t) => [t]));
    // a second step straight from the batch's own block, then a gather from two different blocks
    await gpu.stepBatch(seqs, [[5], [6], [7], [8]]);
    const lone = await gpu.fork(seqs[1]!);
    await gpu.step(lone, [9]);
    const mixed = await gpu.stepBatch([seqs[0]!, lone], [[3], [4]]);
    for (const s of [...seqs, lone]) await gpu.release(s);
    expect(await gpu.liveSequences()).toBe(0);

    for (let b = 0; b < next.length; b++) {
      const alone = await gpu.createSequence([...ids, next[b]!]);
      await gpu.release(alone.seq);
      expect(maxAbsDiff(batch.data.subarray(b * V, (b + 1) * V), alone.logits.data)).toBeLessThan(1e-3);
    }
    const a0 = await gpu.score([...ids, 11, 5, 3]);
    const a1 = await gpu.score([...ids, 12, 6, 9, 4]);
    expect(maxAbsDiff(mixed.data.subarray(0, V), a0.data.subarray(-V))).toBeLessThan(1e-3);
    expect(maxAbsDiff(mixed.data.subarray(V), a1.data.subarray(-V))).toBeLessThan(1e-3);
  }, 240_000);

  it('samples a batch from one prompt (sweep sampling): greedy rows equal greedy steps alone', async () => {
    const g = await sampleBatch(gpu, ids, 0, 0, { samples: 3, maxTokens: 3, seed: 7 });
    expect(await gpu.liveSequences()).toBe(0);
    const greedy: number[] = [];
    for (let k = 0; k < 3; k++) greedy.push(argmax((await gpu.score([...ids, ...greedy])).data.slice(-V)));
    expect(g.samples).toEqual([greedy, greedy, greedy]);
  }, 240_000);
});
