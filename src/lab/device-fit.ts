/**
 * Which weight variant of a catalog model this device should download, and why: every variant is
 * either the choice or excluded with a reason a person can read, before any byte is downloaded.
 * Pure and DOM-free.
 *
 * Rules:
 * - float16 variants (`needs: ['shader-f16']`: fp16, q4f16) run only on WebGPU with the adapter's
 *   `shader-f16` feature; the WASM backend runs them poorly, so there they are excluded.
 * - known wrong on WebGPU, excluded there: q8/int8/uint8 (dynamic `MatMulInteger` decoders give gibberish:
 *   transformers.js#1317, #1286, #1728; onnxruntime-web's WebGPU EP has no kernel for `MatMulInteger` nor
 *   `DynamicQuantizeLinear`, and on the stand-ins (Dawn/SwiftShader) the logits were 0.25-0.28 off the
 *   reference, 2e-6 on CPU and WASM) and Gemma 3 in fp16/q4f16 (float16 overflow in the residual
 *   stream gives `<pad>`/`<unused>` garbage: onnxruntime#26732). Without `shader-f16`, q4f16 is out and q4
 *   is taken instead (q4f16 would fail inside the first run, not at load).
 * - bnb4 is allowed on WebGPU: the WebGPU EP of onnxruntime-web/webgpu (1.31) has a `MatMulBnb4` kernel
 *   (`contrib::webgpu::MatMulBnb4`), and the bnb4 stand-in's logits on WebGPU are as close to the reference
 *   as its fp32 (2.4e-3, the run-time RoPE error of optimum graphs there). (The older JSEP build has none.)
 * - a variant whose files together exceed the download budget is excluded.
 * - of the variants left, the most exact wins: fp32 > fp16 > q8 > int8 > uint8 > q4f16 > q4 > bnb4; except on
 *   WASM, where q4 (and q4f16) come before q8/int8/uint8: dynamically quantized graphs
 *   (`DynamicQuantizeLinear` takes one scale per activation tensor) run one row per forward pass in the
 *   engine, so a batched step (sweeps, answers, the loom) costs as many passes as rows, while a q4 graph
 *   (`MatMulNBits`, weights only) batches. q8 is still taken when no q4 variant fits, with a warning.
 * - on WebGPU a file larger than the adapter's `maxBufferSize` is kept but flagged: one tensor of it
 *   (the embedding) may not fit one GPU buffer. The catalog does not list tensor sizes, so this is a
 *   warning, not an exclusion.
 */
import type { CatalogModel, CatalogVariant } from '../engine/catalog';
import type { Dtype } from '../engine/types';

export interface DeviceProfile {
  backend: 'webgpu' | 'wasm';
  /** The WebGPU adapter has the `shader-f16` feature (false on WASM). */
  shaderF16: boolean;
  /** The WebGPU adapter's `maxBufferSize` in bytes (0 or Infinity when unknown / WASM). */
  maxBufferSize: number;
  /** The most the user wants to download for this model, in bytes. */
  budgetBytes: number;
}

export interface VariantVerdict {
  dtype: Dtype;
  bytes: number;
  /** Why this variant is not used (absent for the choice). */
  reason?: string;
}

export interface DeviceFit {
  /** The variant to download, or null when none fits (or none is known). */
  dtype: Dtype | null;
  bytes: number | null;
  /** One sentence: why this variant (or why none). */
  reason: string;
  /** Every other variant, with why it was not chosen. */
  excluded: VariantVerdict[];
  /** Cautions about the choice that do not exclude it. */
  warnings: string[];
  /** The catalog lists no files for this model, so the choice is a guess to be checked first. */
  unknownFiles: boolean;
}

/** Most exact first. */
export const DTYPE_PREFERENCE: readonly Dtype[] = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4f16', 'q4', 'bnb4'];

/** q8-family variants: activations quantized per call, so the engine runs them one row per pass. */
const ROW_BY_ROW: readonly Dtype[] = ['q8', 'int8', 'uint8'];

/** The order variants are preferred in on a backend: most exact first, but on WASM the batching q4
 *  variants before the row-by-row q8 family. */
export function preferenceFor(backend: DeviceProfile['backend']): readonly Dtype[] {
  if (backend !== 'wasm') return DTYPE_PREFERENCE;
  const rest = DTYPE_PREFERENCE.filter((d) => !ROW_BY_ROW.includes(d));
  const at = rest.indexOf('q4') + 1;
  return [...rest.slice(0, at), ...ROW_BY_ROW, ...rest.slice(at)];
}

const ROW_BY_ROW_WHY =
  'dynamically quantized (DynamicQuantizeLinear: one scale per activation tensor), it runs one row per forward pass, so sweeps, answers and the loom lose their batching';

/** The variant tried when the catalog lists no files: every such export in the catalog's notes has it. */
export const UNKNOWN_FILES_GUESS: Dtype = 'q4';

export function variantBytes(v: CatalogVariant): number {
  return v.files.reduce((s, f) => s + f.bytes, 0);
}

/** Decimal megabytes, as the hub lists them ("654 MB"). */
export function megabytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  return `${Math.round(bytes / 1e6)} MB`;
}

/** Why a variant cannot be used on this device, or null when it can. Budget, backend, and the variants
 *  known to give wrong output on WebGPU (`repo` names the model, for the Gemma 3 rule). */
export function variantProblem(v: CatalogVariant, device: DeviceProfile, repo = ''): string | null {
  const f16 = v.needs.includes('shader-f16');
  if (device.backend === 'webgpu' && (v.dtype === 'q8' || v.dtype === 'int8' || v.dtype === 'uint8')) {
    return `${v.dtype}: dynamically quantized (MatMulInteger) decoders give wrong output on WebGPU (transformers.js#1317, #1286; measured 0.25-0.28 logits off on the stand-ins)`;
  }
  if (device.backend === 'webgpu' && /gemma-3/i.test(repo) && (v.dtype === 'fp16' || v.dtype === 'q4f16')) {
    return `${v.dtype}: Gemma 3 in float16 overflows to garbage on WebGPU (onnxruntime#26732); fp32 or q4 run correctly`;
  }
  if (f16 && device.backend === 'wasm') {
    return `${v.dtype}: float16 weights run poorly on the WASM backend; q8/q4 variants are preferred there`;
  }
  if (f16 && !device.shaderF16) return `${v.dtype}: needs shader-f16, which this adapter lacks`;
  const bytes = variantBytes(v);
  if (bytes > device.budgetBytes) return `${v.dtype}: ${megabytes(bytes)} is over the ${megabytes(device.budgetBytes)} budget`;
  return null;
}

export function fitVariant(model: CatalogModel, device: DeviceProfile): DeviceFit {
  if (model.variants.length === 0) {
    return {
      dtype: UNKNOWN_FILES_GUESS,
      bytes: null,
      reason:
        `the catalog lists no files for ${model.repo}; ${UNKNOWN_FILES_GUESS} is the variant public code loads from it. ` +
        'Its size is unknown, so the budget cannot be checked: check the repo before downloading.',
      excluded: [],
      warnings: [],
      unknownFiles: true,
    };
  }
  const order = preferenceFor(device.backend);
  const rank = (d: Dtype) => {
    const i = order.indexOf(d);
    return i < 0 ? order.length : i;
  };
  const ordered = [...model.variants].sort((a, b) => rank(a.dtype) - rank(b.dtype));
  const excluded: VariantVerdict[] = [];
  let chosen: CatalogVariant | null = null;
  let skippedMoreExact = false;
  for (const v of ordered) {
    const problem = variantProblem(v, device, model.repo);
    if (problem && !chosen) skippedMoreExact = true;
    if (problem) excluded.push({ dtype: v.dtype, bytes: variantBytes(v), reason: problem });
    else if (!chosen) chosen = v;
    else if (device.backend === 'wasm' && ROW_BY_ROW.includes(v.dtype) && !ROW_BY_ROW.includes(chosen.dtype) && DTYPE_PREFERENCE.indexOf(chosen.dtype) > DTYPE_PREFERENCE.indexOf(v.dtype)) {
      excluded.push({ dtype: v.dtype, bytes: variantBytes(v), reason: `${v.dtype}: fits, but on WASM ${chosen.dtype} is preferred: ${ROW_BY_ROW_WHY}` });
    } else excluded.push({ dtype: v.dtype, bytes: variantBytes(v), reason: `${v.dtype}: fits, but ${chosen.dtype} is more exact` });
  }
  if (!chosen) {
    return {
      dtype: null,
      bytes: null,
      reason: `no variant of ${model.repo} fits this device and budget`,
      excluded,
      warnings: [],
      unknownFiles: false,
    };
  }
  const bytes = variantBytes(chosen);
  const warnings: string[] = [];
  if (device.backend === 'webgpu' && device.maxBufferSize > 0 && Number.isFinite(device.maxBufferSize)) {
    const big = chosen.files.filter((f) => f.bytes > device.maxBufferSize);
    for (const f of big) {
      warnings.push(
        `${f.path} (${megabytes(f.bytes)}) is larger than this adapter's largest GPU buffer (${megabytes(device.maxBufferSize)}); ` +
          'loading fails if one tensor of it is',
      );
    }
  }
  if (device.backend === 'wasm' && ROW_BY_ROW.includes(chosen.dtype)) {
    warnings.push(`${chosen.dtype} is ${ROW_BY_ROW_WHY}; no q4 variant is listed or fits`);
  }
  const passedOver = excluded.some((e) => ROW_BY_ROW.includes(e.dtype) && e.reason?.includes('on WASM'));
  const why = passedOver
    ? 'the most exact variant that batches (q8/int8/uint8 run one row per pass)'
    : skippedMoreExact
      ? 'the most exact variant that fits this device and budget'
      : 'the most exact variant';
  return {
    dtype: chosen.dtype,
    bytes,
    reason: `${chosen.dtype} (${megabytes(bytes)}): ${why} on ${device.backend === 'webgpu' ? `WebGPU${device.shaderF16 ? ' with shader-f16' : ' without shader-f16'}` : 'WASM'}`,
    excluded,
    warnings,
    unknownFiles: false,
  };
}
