// A graph whose rotary cache covers fewer positions than config.json says bounds the context: the engine
// reports the graph's figure and refuses longer sequences with ContextOverflowError instead of letting
// the attention op fail (or read past the cache).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContextOverflowError } from './errors';
import { createNodeEngine } from './node';
import { rotaryCacheLength } from './onnx-proto';

describe('rotary cache length', () => {
  it('reads the cos_cache initializer of the builder-style stand-in (64 positions) and finds none in the lab model', () => {
    expect(rotaryCacheLength(readFileSync(resolve('models/standins/qwen3-genai/onnx/model.onnx')))).toBe(64);
    expect(rotaryCacheLength(readFileSync(resolve('models/lab-base/onnx/model.onnx')))).toBeNull();
  });

  it('bounds the context the engine reports and enforces', async () => {
    const e = createNodeEngine('node');
    try {
      const info = await e.load(resolve('models/standins/qwen3-genai'));
      expect(info.contextLength).toBe(64);
      expect(info.graphNotes?.some((n) => n.includes('rotary cache'))).toBe(true);
      const ids = await e.encode('a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k l m n o p q r s t u v w x y z');
      const long = Array.from({ length: 65 }, (_, i) => ids[i % ids.length]!);
      await expect(e.score(long)).rejects.toBeInstanceOf(ContextOverflowError);
      const ok = await e.score(long.slice(0, 64));
      expect(ok.dims[0]).toBe(64);
    } finally {
      await e.dispose();
    }
  });
});
