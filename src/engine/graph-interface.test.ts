/**
 * The graph-interface helpers against independent computations: float16 bit patterns decoded by hand,
 * a Float16Array-like view reinterpreted (not converted), and op-type detection in graph bytes.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { backendProblem, bytesContain, graphFlags, halfBitsToFloat, kvBits, toFloat32, trustedContext } from './graph-interface';

describe('float16 logits and KV', () => {
  it('decodes float16 bit patterns (normal, subnormal, zero, ±inf, NaN)', () => {
    // 0x3c00 = 1, 0xc000 = -2, 0x7bff = 65504, 0x0001 = 2^-24, 0x0000 = 0, 0x7c00 = inf, 0xfc00 = -inf, 0x7e00 = NaN
    const h = new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x0000, 0x7c00, 0xfc00, 0x7e00, 0x3555]);
    const f = halfBitsToFloat(h);
    expect(Array.from(f.subarray(0, 7))).toEqual([1, -2, 65504, 2 ** -24, 0, Infinity, -Infinity]);
    expect(f[7]).toBeNaN();
    expect(f[8]).toBeCloseTo(1 / 3, 3); // 0x3555 ≈ 0.33325
    expect(toFloat32(h)).toEqual(f);
  });

  it('passes float32 through and converts a Float16Array by value', () => {
    const f32 = new Float32Array([1.5, -2]);
    expect(toFloat32(f32)).toBe(f32);
    // Node 20 has no Float16Array: a stand-in with its name and 2-byte elements (values, not bits)
    class Float16Array extends Int16Array {}
    const fake = new Float16Array([3, -7]);
    expect(Array.from(toFloat32(fake))).toEqual([3, -7]);
    expect(() => toFloat32([1, 2])).toThrow(TypeError);
  });

  it('keeps float16 KV as raw bits: a 2-byte view is reinterpreted, never converted', () => {
    class Float16Array extends Int16Array {}
    const v = new Float16Array([-1, 2]); // bits 0xffff, 0x0002
    const bits = kvBits(v);
    expect(bits).toBeInstanceOf(Uint16Array);
    expect(Array.from(bits)).toEqual([0xffff, 2]);
    expect(bits.buffer).toBe(v.buffer); // a view, no copy
    const u = new Uint16Array([5]);
    expect(kvBits(u)).toBe(u);
    expect(() => kvBits(new Float64Array(1))).toThrow(TypeError);
  });
});

describe('op detection in graph bytes', () => {
  const enc = new TextEncoder();
  it('finds an op type anywhere, including at the very end, and not a near miss', () => {
    const needle = enc.encode('GroupQueryAttention');
    expect(bytesContain(enc.encode('xxGroupQueryAttentionyy'), needle)).toBe(true);
    expect(bytesContain(enc.encode('GGroupQueryAttention'), needle)).toBe(true);
    expect(bytesContain(enc.encode('GroupQueryAttentio'), needle)).toBe(false);
    expect(bytesContain(enc.encode('GroupQueryAttentiom GroupQuery'), needle)).toBe(false);
  });
});

describe('trusted context on WebGPU (sliding-window GQA graphs)', () => {
  const gemma = { sliding_window: 512, layer_types: ['sliding_attention', 'full_attention'] };
  it('limits a GQA graph with sliding layers to its window on WebGPU only, and says why', () => {
    const r = trustedContext(gemma, { gqa: true }, 'webgpu', 32768);
    expect(r.contextLength).toBe(512);
    expect(r.note).toContain('512 tokens');
    expect(trustedContext(gemma, { gqa: true }, 'wasm', 32768)).toEqual({ contextLength: 32768 });
    expect(trustedContext(gemma, { gqa: true }, 'node', 32768)).toEqual({ contextLength: 32768 });
    expect(trustedContext(gemma, { gqa: false }, 'webgpu', 32768)).toEqual({ contextLength: 32768 });
  });
  it('leaves models without sliding layers alone (Qwen2.5 declares a window but does not use it)', () => {
    expect(trustedContext({ sliding_window: 32768, use_sliding_window: false }, { gqa: true }, 'webgpu', 32768).contextLength).toBe(32768);
    expect(trustedContext({ sliding_window: 4096, use_sliding_window: false }, { gqa: true }, 'webgpu', 32768).contextLength).toBe(32768);
    expect(trustedContext({ sliding_window: null }, { gqa: true }, 'webgpu', 40960).contextLength).toBe(40960);
    expect(trustedContext({ sliding_window: 512, _sliding_window_pattern: 6 }, { gqa: true }, 'webgpu', 32768).contextLength).toBe(512);
  });
});

describe('graphs a backend is known to run wrong (measured on the stand-ins)', () => {
  const bytes = (standin: string, file: string) => new Uint8Array(readFileSync(resolve('models/standins', standin, 'onnx', file)));
  it('reads the flags from the graph bytes', () => {
    expect(graphFlags(bytes('qwen2.5-merged-optimum', 'model_quantized.onnx'))).toEqual({ hasCacheBranch: true, dynamicQuant: true });
    expect(graphFlags(bytes('qwen2.5-merged-optimum', 'model.onnx'))).toEqual({ hasCacheBranch: true, dynamicQuant: false });
    expect(graphFlags(bytes('qwen2.5-optimum', 'model_uint8.onnx'))).toEqual({ hasCacheBranch: false, dynamicQuant: true });
    expect(graphFlags(bytes('qwen2.5-optimum', 'model_bnb4.onnx'))).toEqual({ hasCacheBranch: false, dynamicQuant: false });
  });

  it('WebGPU: every dynamically quantized file; WASM: a merged decoder with int8 weights only', () => {
    const dq = { hasCacheBranch: false, dynamicQuant: true };
    const mergedDq = { hasCacheBranch: true, dynamicQuant: true };
    for (const dtype of ['q8', 'int8', 'uint8']) expect(backendProblem(dq, 'webgpu', dtype)).toContain('wrong logits on WebGPU');
    expect(backendProblem(dq, 'wasm', 'q8')).toBeNull();
    expect(backendProblem(dq, 'node', 'q8')).toBeNull();
    expect(backendProblem(mergedDq, 'wasm', 'q8')).toContain('merged decoder (use_cache_branch)');
    expect(backendProblem(mergedDq, 'wasm', 'int8')).toContain('merged decoder');
    expect(backendProblem(mergedDq, 'wasm', 'uint8')).toBeNull(); // uint8 weights inside the If: exact on WASM
    expect(backendProblem(mergedDq, 'node', 'q8')).toBeNull();
    expect(backendProblem({ hasCacheBranch: true, dynamicQuant: false }, 'wasm', 'fp32')).toBeNull();
    expect(backendProblem({ hasCacheBranch: false, dynamicQuant: false }, 'webgpu', 'bnb4')).toBeNull();
  });
});
