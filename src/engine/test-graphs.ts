/**
 * Tiny model folders for fault tests, built deterministically at test time (no committed binaries):
 * the lab-grown pair's tokenizer, a one-layer graph with the engine's interface (input_ids,
 * attention_mask, past_key_values.0.* → logits, present.0.*), and weights chosen per case:
 *   - `fp32`: plain float32 logits (the control);
 *   - `fp16-cast`: the same logits cast to float16, as onnxruntime-genai's fp16 builders output them;
 *   - `constant`: an all-zero output matrix, so every logits row is constant;
 *   - `nan-weights`: one NaN in the output matrix, so one logit per row is NaN.
 * logits = Gather(E, input_ids) · W; the KV "cache" is the gathered embedding, concatenated.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { initializer, model, node, ONNX_FLOAT, ONNX_FLOAT16, ONNX_INT64, valueInfo } from './onnx-proto';

export type TestGraph = 'fp32' | 'fp16-cast' | 'constant' | 'nan-weights';

const D = 4;

/** Deterministic values in [-1, 1]. */
function weights(n: number, salt: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(i * 12.9898 + salt * 78.233) * 0.9;
  return out;
}

export function testGraphBytes(kind: TestGraph, vocabSize: number): Uint8Array {
  const V = vocabSize;
  const E = weights(V * D, 1);
  const W = kind === 'constant' ? new Float32Array(D * V) : weights(D * V, 2);
  if (kind === 'nan-weights') W[2 * V + 100] = NaN;
  const logitsOut = kind === 'fp16-cast' ? 'logits_f32' : 'logits';
  return model([
    valueInfo(11, 'input_ids', ONNX_INT64, ['batch', 'seq']),
    valueInfo(11, 'attention_mask', ONNX_INT64, ['batch', 'total']),
    valueInfo(11, 'past_key_values.0.key', ONNX_FLOAT, ['batch', 1, 'past', D]),
    valueInfo(11, 'past_key_values.0.value', ONNX_FLOAT, ['batch', 1, 'past', D]),
    initializer('E', [V, D], E),
    initializer('W', [D, V], W),
    initializer('axis1', [1], new BigInt64Array([1n])),
    node('Gather', ['E', 'input_ids'], ['x'], 'embed'),
    node('MatMul', ['x', 'W'], [logitsOut], 'head'),
    ...(kind === 'fp16-cast' ? [node('Cast', ['logits_f32'], ['logits'], 'logits_to_fp16', { to: ONNX_FLOAT16 })] : []),
    node('Unsqueeze', ['x', 'axis1'], ['kv'], 'kv'),
    node('Concat', ['past_key_values.0.key', 'kv'], ['present.0.key'], 'cat_k', { axis: 2 }),
    node('Concat', ['past_key_values.0.value', 'kv'], ['present.0.value'], 'cat_v', { axis: 2 }),
    valueInfo(12, 'logits', kind === 'fp16-cast' ? ONNX_FLOAT16 : ONNX_FLOAT, ['batch', 'seq', V]),
    valueInfo(12, 'present.0.key', ONNX_FLOAT, ['batch', 1, 'total', D]),
    valueInfo(12, 'present.0.value', ONNX_FLOAT, ['batch', 1, 'total', D]),
  ]);
}

/** Write a model folder for `kind` (tokenizer from models/lab-base) and return its path. */
export function writeTestModel(kind: TestGraph, root = mkdtempSync(join(tmpdir(), 'wpl-graph-'))): string {
  const base = resolve('models/lab-base');
  const baseConfig = JSON.parse(readFileSync(join(base, 'config.json'), 'utf8')) as Record<string, unknown>;
  const V = Number(baseConfig['vocab_size']);
  const dir = join(root, kind);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  for (const f of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'generation_config.json']) {
    copyFileSync(join(base, f), join(dir, f));
  }
  const config = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    num_hidden_layers: 1,
    num_attention_heads: 1,
    num_key_value_heads: 1,
    hidden_size: D,
    head_dim: D,
    vocab_size: V,
    max_position_embeddings: 64,
    bos_token_id: baseConfig['bos_token_id'],
    eos_token_id: baseConfig['eos_token_id'],
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  writeFileSync(join(dir, 'onnx', 'model.onnx'), testGraphBytes(kind, V));
  return dir;
}
