import { describe, expect, it } from 'vitest';
import { CATALOG, type CatalogModel } from '../engine/catalog';
import { DTYPE_PREFERENCE, fitVariant, megabytes, preferenceFor, variantBytes, type DeviceProfile } from './device-fit';

const MB = 1e6;
const model = (variants: CatalogModel['variants']): CatalogModel => ({
  repo: 'org/m',
  revision: 'main',
  pinned: false,
  contextLength: 1024,
  license: 'mit',
  variants,
});
const v = (dtype: CatalogModel['variants'][number]['dtype'], mb: number, f16 = false) => ({
  dtype,
  files: [{ path: `onnx/${dtype}.onnx`, bytes: mb * MB }],
  needs: f16 ? (['shader-f16'] as const).slice() : [],
});
const smol = CATALOG.find((p) => p.id === 'smollm2-135m')!.tuned!;
const qwen = CATALOG.find((p) => p.id === 'qwen2.5-0.5b')!.tuned!;
const gpu: DeviceProfile = { backend: 'webgpu', shaderF16: true, maxBufferSize: 2 ** 31, budgetBytes: 10_000 * MB };

describe('fitVariant', () => {
  it('takes the most exact variant when everything fits', () => {
    const fit = fitVariant(smol, gpu);
    expect(fit.dtype).toBe('fp32');
    expect(fit.bytes).toBe(654 * MB);
    expect(fit.excluded.map((e) => e.dtype)).toEqual(['fp16', 'q4f16', 'q4']);
    expect(fit.excluded.every((e) => e.reason!.includes('fp32 is more exact'))).toBe(true);
    expect(fit.unknownFiles).toBe(false);
  });

  it('excludes variants over the budget, naming sizes', () => {
    const fit = fitVariant(smol, { ...gpu, budgetBytes: 500 * MB });
    expect(fit.dtype).toBe('fp16');
    expect(fit.excluded[0]).toEqual({ dtype: 'fp32', bytes: 654 * MB, reason: 'fp32: 654 MB is over the 500 MB budget' });
    expect(fit.reason).toContain('fits this device and budget');
  });

  it('excludes float16 variants without shader-f16', () => {
    const fit = fitVariant(smol, { ...gpu, shaderF16: false, budgetBytes: 500 * MB });
    expect(fit.dtype).toBe('q4');
    const reasons = Object.fromEntries(fit.excluded.map((e) => [e.dtype, e.reason]));
    expect(reasons['fp16']).toBe('fp16: needs shader-f16, which this adapter lacks');
    expect(reasons['q4f16']).toBe('q4f16: needs shader-f16, which this adapter lacks');
    expect(reasons['fp32']).toContain('over the 500 MB budget');
  });

  it('on WASM prefers q4 over q8 (q8 runs one row per pass) and both over float16 variants, and says why', () => {
    const wasm: DeviceProfile = { backend: 'wasm', shaderF16: false, maxBufferSize: 0, budgetBytes: 900 * MB };
    const fit = fitVariant(qwen, wasm);
    expect(fit.dtype).toBe('q4');
    expect(fit.reason).toBe('q4 (786 MB): the most exact variant that batches (q8/int8/uint8 run one row per pass) on WASM');
    const reasons = Object.fromEntries(fit.excluded.map((e) => [e.dtype, e.reason]));
    expect(reasons['fp16']).toContain('WASM');
    expect(reasons['q4f16']).toContain('WASM');
    expect(reasons['fp32']).toBe('fp32: 1.99 GB is over the 900 MB budget');
    for (const d of ['q8', 'int8', 'uint8']) {
      expect(reasons[d]).toBe(
        `${d}: fits, but on WASM q4 is preferred: dynamically quantized (DynamicQuantizeLinear: one scale per activation tensor), ` +
          'it runs one row per forward pass, so sweeps, answers and the loom lose their batching',
      );
    }
    // bnb4 (weights only, batches) is less exact than q4: plain preference
    expect(reasons['bnb4']).toBe('bnb4: fits, but q4 is more exact');
    expect(fit.warnings).toEqual([]);
    // with shaderF16 claimed on WASM the float16 variants are still out
    expect(fitVariant(qwen, { ...wasm, shaderF16: true }).dtype).toBe('q4');
    // fp32 still beats everything when it fits
    expect(fitVariant(qwen, { ...wasm, budgetBytes: 3000 * MB }).dtype).toBe('fp32');
    // q4 over the budget: q8 is taken, with a warning that it runs row by row
    const q8 = fitVariant(qwen, { ...wasm, budgetBytes: 600 * MB });
    expect(q8.dtype).toBe('q8');
    expect(q8.warnings).toEqual([
      'q8 is dynamically quantized (DynamicQuantizeLinear: one scale per activation tensor), it runs one row per forward pass, so sweeps, answers and the loom lose their batching; no q4 variant is listed or fits',
    ]);
    // on WebGPU the order is untouched (q8 is excluded there for wrong output, not for batching)
    expect(preferenceFor('webgpu')).toEqual(DTYPE_PREFERENCE);
    expect(preferenceFor('wasm')).toEqual(['fp32', 'fp16', 'q4f16', 'q4', 'q8', 'int8', 'uint8', 'bnb4']);
  });

  it('on WebGPU never takes q8/int8/uint8, nor Gemma 3 in fp16/q4f16 (known wrong output there)', () => {
    const m = model([v('q8', 100), v('int8', 100), v('uint8', 100), v('q4', 200)]);
    const fit = fitVariant(m, gpu);
    expect(fit.dtype).toBe('q4');
    for (const e of fit.excluded) expect(e.reason).toContain('wrong output on WebGPU');
    // the same files on WASM: q8 gives right output there, but q4 batches, so q4 is taken; without q4, q8
    expect(fitVariant(m, { backend: 'wasm', shaderF16: false, maxBufferSize: 0, budgetBytes: 10_000 * MB }).dtype).toBe('q4');
    expect(fitVariant(model([v('q8', 100), v('bnb4', 50)]), { backend: 'wasm', shaderF16: false, maxBufferSize: 0, budgetBytes: 10_000 * MB }).dtype).toBe('q8');
    const gemma = { ...model([v('fp32', 1100), v('fp16', 550, true), v('q4f16', 300, true), v('q4', 400)]), repo: 'onnx-community/gemma-3-270m-it-ONNX' };
    const g = fitVariant(gemma, { ...gpu, budgetBytes: 600 * MB });
    expect(g.dtype).toBe('q4');
    const reasons = Object.fromEntries(g.excluded.map((e) => [e.dtype, e.reason]));
    expect(reasons['fp16']).toContain('onnxruntime#26732');
    expect(reasons['q4f16']).toContain('onnxruntime#26732');
    // another family's float16 variant is still taken
    expect(fitVariant({ ...gemma, repo: 'org/other' }, { ...gpu, budgetBytes: 600 * MB }).dtype).toBe('fp16');
  });

  it('on WebGPU takes bnb4 when it is what fits (its MatMulBnb4 has a WebGPU kernel and measured right there)', () => {
    const fit = fitVariant(model([v('q8', 100), v('bnb4', 50)]), gpu);
    expect(fit.dtype).toBe('bnb4');
    expect(fit.excluded.map((e) => e.dtype)).toEqual(['q8']);
    expect(fit.excluded[0]!.reason).toContain('measured 0.25-0.28 logits off');
    // the catalog's Qwen2.5-Instruct on WebGPU within 770 MB: q4f16 (483 MB) is more exact than bnb4 (764 MB)
    const q = fitVariant(qwen, { ...gpu, budgetBytes: 770 * MB });
    expect(q.dtype).toBe('q4f16');
    expect(q.excluded.find((e) => e.dtype === 'bnb4')!.reason).toBe('bnb4: fits, but q4f16 is more exact');
  });

  it('follows the preference order whatever the catalog order', () => {
    const all = DTYPE_PREFERENCE.map((d, i) => v(d, 100 - i, d === 'fp16' || d === 'q4f16'));
    for (let drop = 0; drop < all.length; drop++) {
      const left = all.slice(drop).reverse();
      // (on WebGPU the dynamically quantized ones are never taken: see the WebGPU test above)
      expect(fitVariant(model(left), gpu).dtype).toBe(DTYPE_PREFERENCE.slice(drop).find((d) => !['q8', 'int8', 'uint8'].includes(d)));
    }
    // without shader-f16 the f16 ones are skipped
    expect(fitVariant(model([v('q4f16', 1, true), v('q4', 2)]), { ...gpu, shaderF16: false }).dtype).toBe('q4');
    expect(fitVariant(model([v('q4f16', 1, true), v('q4', 2)]), gpu).dtype).toBe('q4f16');
  });

  it('says clearly when nothing fits', () => {
    const fit = fitVariant(smol, { ...gpu, budgetBytes: 100 * MB });
    expect(fit.dtype).toBeNull();
    expect(fit.reason).toContain('no variant');
    expect(fit.excluded).toHaveLength(4);
  });

  it('sums multi-file variants for the budget and warns on files over maxBufferSize', () => {
    const m = model([{ dtype: 'fp32', files: [{ path: 'onnx/model.onnx', bytes: 1 * MB }, { path: 'onnx/model.onnx_data', bytes: 300 * MB }], needs: [] }]);
    expect(variantBytes(m.variants[0]!)).toBe(301 * MB);
    expect(fitVariant(m, { ...gpu, budgetBytes: 300 * MB }).dtype).toBeNull();
    const fit = fitVariant(m, { ...gpu, maxBufferSize: 256 * MB });
    expect(fit.dtype).toBe('fp32');
    expect(fit.warnings).toHaveLength(1);
    expect(fit.warnings[0]).toContain('onnx/model.onnx_data');
    expect(fitVariant(m, { backend: 'wasm', shaderF16: false, maxBufferSize: 256 * MB, budgetBytes: 1e12 }).warnings).toEqual([]);
  });

  it('guesses q4 for a model without a file list, and says the size is unknown', () => {
    const fit = fitVariant(CATALOG.find((p) => p.id === 'gemma-3-270m')!.base!, gpu);
    expect(fit.unknownFiles).toBe(true);
    expect(fit.dtype).toBe('q4');
    expect(fit.bytes).toBeNull();
    expect(fit.reason).toContain('unknown');
  });

  it('formats decimal sizes as the hub lists them', () => {
    expect(megabytes(654_000_000)).toBe('654 MB');
    expect(megabytes(1_990_000_000)).toBe('1.99 GB');
  });
});
