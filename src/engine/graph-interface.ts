/**
 * What a decoder graph asks for and gives back, read from the session (input/output names and metadata)
 * and the graph bytes, never from config.json alone: the hub's exports differ by exporter style
 * (optimum, onnxruntime-genai's model builder, the custom Gemma-3 script) and by revision.
 *
 * - `position_ids`: fed only when declared (graphs with RoPE inside GroupQueryAttention have none).
 * - `use_cache_branch` (old optimum merged decoders: an `If` between the decoder with past and the one without)
 *   and `num_logits_to_keep` (newer exports): fed only when declared, `use_cache_branch` with the rank its
 *   input metadata declares ([1] as optimum writes it, or a scalar), false while the past is empty.
 * - KV dtype and shape: from the `past_key_values.*` input metadata (fixed dims), config as fallback.
 * - Attention that reads the mask only as sequence lengths (com.microsoft GroupQueryAttention: seqlens_k
 *   and total_sequence_length) cannot run padded rows, and onnxruntime refuses batch > 1 for a multi-token
 *   step with past. Such graphs run one row per forward pass (`rowsOneAtATime`), which ModelInfo reports.
 * - Dynamically quantized graphs (q8/int8/uint8: DynamicQuantizeLinear + MatMulInteger) quantize each
 *   activation tensor with one scale for the whole call, so batching would make a row's result depend on
 *   its batch mates; they also run one row per pass. (A cached step still differs from a full pass.)
 * - Logits and KV tensors may be float16: as Uint16Array bits (Node, older browsers) or Float16Array
 *   (browsers that have it); logits are converted to Float32Array, KV is kept as raw 16-bit patterns.
 */
import type { InferenceSession } from 'onnxruntime-web';

export interface GraphInterface {
  hasPositionIds: boolean;
  hasCacheBranch: boolean;
  /** The dims `use_cache_branch` is fed with: [1] (optimum's merged decoders) or [] when declared a scalar. */
  cacheBranchDims: number[];
  hasNumLogitsToKeep: boolean;
  /** DynamicQuantizeLinear + MatMulInteger (q8 / int8 / uint8). */
  dynamicQuant: boolean;
  kvType: 'float32' | 'float16';
  numKvHeads: number;
  headDim: number;
  /** Attention reads the mask as lengths only: run each row in its own forward pass. */
  rowsOneAtATime: boolean;
  /** The graph uses com.microsoft GroupQueryAttention. */
  gqa: boolean;
  /** Human-readable facts about the graph the engine adapted to (shown with the model). */
  notes: string[];
}

interface Meta {
  name: string;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

const GQA = new TextEncoder().encode('GroupQueryAttention');
const DYNAMIC_QUANT = new TextEncoder().encode('DynamicQuantizeLinear');
const CACHE_BRANCH = new TextEncoder().encode('use_cache_branch');

/** Whether the bytes contain the ASCII string (op types are stored as plain strings in the protobuf). */
export function bytesContain(haystack: Uint8Array, needle: Uint8Array): boolean {
  const first = needle[0]!;
  const n = needle.length;
  const last = haystack.length - n;
  for (let i = haystack.indexOf(first); i !== -1 && i <= last; i = haystack.indexOf(first, i + 1)) {
    let j = 1;
    while (j < n && haystack[i + j] === needle[j]) j++;
    if (j === n) return true;
  }
  return false;
}

export function inspectGraph(
  session: InferenceSession,
  graphBytes: Uint8Array,
  fallback: { dtype: string; numKvHeads: number; headDim: number },
): GraphInterface {
  const inputs = session.inputNames;
  const meta = (session as unknown as { inputMetadata?: Meta[] }).inputMetadata;
  const pastName = inputs.find((n) => n.startsWith('past_key_values.'));
  const pastMeta = Array.isArray(meta) ? meta.find((m) => m.name === pastName) : undefined;
  const notes: string[] = [];
  let kvType: 'float32' | 'float16';
  if (pastMeta?.type === 'float16' || pastMeta?.type === 'float32') kvType = pastMeta.type;
  else kvType = fallback.dtype === 'fp16' || fallback.dtype === 'q4f16' ? 'float16' : 'float32';
  const shape = pastMeta?.shape ?? [];
  const fixed = (i: number) => (typeof shape[i] === 'number' && (shape[i] as number) > 0 ? (shape[i] as number) : undefined);
  const numKvHeads = fixed(1) ?? fallback.numKvHeads;
  const headDim = fixed(3) ?? fallback.headDim;
  if (numKvHeads !== fallback.numKvHeads || headDim !== fallback.headDim) {
    notes.push(`KV shape from the graph (${numKvHeads} heads × ${headDim}) differs from config.json (${fallback.numKvHeads} × ${fallback.headDim}); the graph's is used`);
  }
  const hasPositionIds = inputs.includes('position_ids');
  const gqa = bytesContain(graphBytes, GQA);
  const dynamicQuant = bytesContain(graphBytes, DYNAMIC_QUANT);
  const rowsOneAtATime = gqa || dynamicQuant;
  if (!hasPositionIds) notes.push('no position_ids input: positions come from the attention mask inside the graph');
  if (gqa) {
    notes.push('GroupQueryAttention reads the mask only as sequence lengths, so padded batches would be wrong: batched steps run one row per forward pass, except one-token steps of rows with the same unpadded past (the samples of a sweep), which run as one pass');
  }
  if (dynamicQuant) {
    notes.push("dynamic int8 quantization (DynamicQuantizeLinear) scales each call's activations by their joint range, so a row's logits would depend on the other rows of its batch: batched steps run one row per forward pass");
  }
  if (kvType === 'float16') notes.push('KV cache in float16');
  const hasCacheBranch = inputs.includes('use_cache_branch');
  const branchMeta = Array.isArray(meta) ? meta.find((m) => m.name === 'use_cache_branch') : undefined;
  const cacheBranchDims = branchMeta?.shape && branchMeta.shape.length === 0 ? [] : [1];
  if (hasCacheBranch) {
    notes.push('a merged decoder (use_cache_branch): false on the first pass, with the past empty; true on every step with a past');
  }
  return {
    hasPositionIds,
    hasCacheBranch,
    cacheBranchDims,
    dynamicQuant,
    hasNumLogitsToKeep: inputs.includes('num_logits_to_keep'),
    kvType,
    numKvHeads,
    headDim,
    rowsOneAtATime,
    gqa,
    notes,
  };
}

/** What the backend rules below need, read from the graph bytes before a session is made. */
export function graphFlags(graphBytes: Uint8Array): Pick<GraphInterface, 'hasCacheBranch' | 'dynamicQuant'> {
  return { hasCacheBranch: bytesContain(graphBytes, CACHE_BRANCH), dynamicQuant: bytesContain(graphBytes, DYNAMIC_QUANT) };
}

/**
 * A graph this backend is known to run wrong, or null. Measured on the stand-ins (README, "Stand-ins"):
 * - WebGPU, dynamically quantized graphs (q8 / int8 / uint8): onnxruntime-web's WebGPU EP has no kernel for
 *   DynamicQuantizeLinear or MatMulInteger, and the logits came out 0.25-0.28 off the reference (2e-6 on
 *   CPU and WASM); public reports say the same of the real exports (transformers.js#1317, #1286).
 * - WASM, a merged decoder (`use_cache_branch`, its decoder inside `If` branches) with dynamically quantized
 *   int8 weights (q8 / int8): logits 0.18 off the reference on onnxruntime-web's WASM build (onnxruntime-node:
 *   6e-6; the same graph unmerged, or with uint8 weights, is exact on WASM too).
 */
export function backendProblem(graph: Pick<GraphInterface, 'hasCacheBranch' | 'dynamicQuant'>, backend: string, dtype: string): string | null {
  if (backend === 'webgpu' && graph.dynamicQuant) {
    return `this ${dtype} file is dynamically quantized (DynamicQuantizeLinear + MatMulInteger), which gives wrong logits on WebGPU (0.25-0.28 off on the stand-ins; transformers.js#1317, #1286); run it on WASM, or load its q4 or fp32 variant`;
  }
  if (backend === 'wasm' && graph.hasCacheBranch && graph.dynamicQuant && dtype !== 'uint8') {
    return `this ${dtype} file is a merged decoder (use_cache_branch) with dynamically quantized int8 weights, which onnxruntime-web's WASM build runs wrong (logits off by 0.18 on the stand-in; exact on onnxruntime-node); load its fp32 or uint8 variant, or run it on onnxruntime-node (the CLI's default backend)`;
  }
  return null;
}

/**
 * The context a model can be trusted with on this backend. On WebGPU, GroupQueryAttention ignored
 * `local_window_size` (measured on the Gemma-3 stand-in: exact up to the window, wrong from position
 * `sliding_window` on, while CPU and WASM apply it), so a model with sliding-window layers is limited to
 * its window there. Returns the limit and, when it is lowered, a note saying why.
 */
export function trustedContext(
  config: Record<string, unknown>,
  graph: Pick<GraphInterface, 'gqa'>,
  backend: string,
  contextLength: number,
): { contextLength: number; note?: string } {
  const window = config['sliding_window'];
  const layerTypes = config['layer_types'];
  const sliding = Array.isArray(layerTypes)
    ? layerTypes.includes('sliding_attention')
    : config['use_sliding_window'] === true || typeof config['sliding_window_pattern'] === 'number' || typeof config['_sliding_window_pattern'] === 'number';
  if (backend !== 'webgpu' || !graph.gqa || !sliding || typeof window !== 'number' || !(window > 0) || window >= contextLength) {
    return { contextLength };
  }
  return {
    contextLength: window,
    note: `context limited to the sliding window (${window} tokens) on WebGPU: its GroupQueryAttention does not apply the window, so longer contexts would give wrong logits (CPU and WASM run the full ${contextLength})`,
  };
}

/** Float32 logits from whatever the runtime returned: Float32Array, float16 bits in a Uint16Array, or a
 *  Float16Array (where the JS engine has one). */
export function toFloat32(data: unknown): Float32Array {
  if (data instanceof Float32Array) return data;
  if (data instanceof Uint16Array) return halfBitsToFloat(data);
  if (ArrayBuffer.isView(data) && (data as { constructor: { name: string } }).constructor.name === 'Float16Array') {
    return Float32Array.from(data as unknown as ArrayLike<number>);
  }
  throw new TypeError(`logits of an unexpected type ${(data as object)?.constructor?.name ?? typeof data}`);
}

/** KV data as stored in blocks: Float32Array, or float16 as raw bits (a Float16Array is reinterpreted,
 *  never converted element by element into a Uint16Array, which would write numbers, not bits). */
export function kvBits(data: unknown): Float32Array | Uint16Array {
  if (data instanceof Float32Array || data instanceof Uint16Array) return data;
  const v = data as ArrayBufferView & { length: number };
  if (ArrayBuffer.isView(v) && (v as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT === 2) {
    return new Uint16Array(v.buffer, v.byteOffset, v.length);
  }
  throw new TypeError(`KV data of an unexpected type ${(data as object)?.constructor?.name ?? typeof data}`);
}

export function halfBitsToFloat(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const x = h[i]!;
    const sign = x & 0x8000 ? -1 : 1;
    const exp = (x >> 10) & 0x1f;
    const frac = x & 0x3ff;
    out[i] = exp === 0 ? sign * 2 ** -14 * (frac / 1024) : exp === 31 ? (frac ? NaN : sign * Infinity) : sign * 2 ** (exp - 15) * (1 + frac / 1024);
  }
  return out;
}
