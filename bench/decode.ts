/**
 * Decode speed with full logits: milliseconds per generated token, ours (LabEngine.step, raw logits
 * for the whole vocabulary returned every step) vs @huggingface/transformers `generate()` on the same
 * model and the same backend (onnxruntime-node, CPU), in one run. Prefill is excluded on both sides:
 * per-token cost = (time for N+1 tokens − time for 1 token) / N.
 */
import { resolve } from 'node:path';
import { createNodeEngine, type NodeBackend } from '../src/engine/node';
import { topK } from '../src/lab/distributions';
import { measure } from './util';

const PROMPT = 'The jury said that the city';

async function oursPerToken(folder: string, backend: NodeBackend, n: number): Promise<number> {
  const engine = createNodeEngine(backend);
  await engine.load(folder);
  const ids = await engine.encode(PROMPT);
  const generate = async (steps: number) => {
    const { seq, logits } = await engine.createSequence(ids);
    let next = topK(logits.data, 1)[0]!;
    for (let i = 0; i < steps; i++) next = topK((await engine.step(seq, [next])).data, 1)[0]!;
    await engine.release(seq);
  };
  const tN = await measure(() => generate(n), 7, 2);
  const t0 = await measure(() => generate(0), 7, 2);
  await engine.dispose();
  return (tN - t0) / n;
}

async function transformersPerToken(folder: string, n: number): Promise<number> {
  const { AutoModelForCausalLM, AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = resolve(folder, '..') + '/';
  const name = folder.split('/').pop()!;
  const tokenizer = await AutoTokenizer.from_pretrained(name);
  const model = await AutoModelForCausalLM.from_pretrained(name, { device: 'cpu', dtype: 'fp32' });
  const inputs = tokenizer(PROMPT);
  const generate = (tokens: number) =>
    model.generate({ ...inputs, max_new_tokens: tokens, min_new_tokens: tokens, do_sample: false } as never);
  // generate(k) runs the prefill plus k-1 decode steps (the first token comes from the prefill).
  const tN = await measure(() => generate(n + 1), 7, 2);
  const t1 = await measure(() => generate(1), 7, 2);
  await model.dispose();
  return (tN - t1) / n;
}

export const DECODE_HEADER = [
  'model',
  'ours, onnxruntime-node (ms/token)',
  'transformers.js generate(), onnxruntime-node (ms/token)',
  'speed-up',
  'ours, onnxruntime-web WASM 1 thread (ms/token)',
  'transformers.js generate(), WASM 1 thread (ms/token)',
  'speed-up, WASM',
];

/** One row per model in DECODE_HEADER's columns (transformers.js on WASM is measured for the 135M
 *  stand-in only: bench/s135m.ts). */
export async function decodeBench(models: string[], n = 48): Promise<(string | number)[][]> {
  const rows: (string | number)[][] = [];
  for (const folder of models) {
    const name = folder.split('/').pop()!;
    // Two alternating rounds, so both sides see the same machine state; the better round of each counts.
    const oursRuns: number[] = [];
    const theirRuns: number[] = [];
    for (let round = 0; round < 2; round++) {
      oursRuns.push(await oursPerToken(folder, 'node', n));
      theirRuns.push(await transformersPerToken(folder, n));
    }
    const ours = Math.min(...oursRuns);
    const theirs = Math.min(...theirRuns);
    const wasm = await oursPerToken(folder, 'wasm', n);
    rows.push([name, ours.toFixed(2), theirs.toFixed(2), (theirs / ours).toFixed(2), wasm.toFixed(2), '—', '—']);
  }
  return rows;
}
