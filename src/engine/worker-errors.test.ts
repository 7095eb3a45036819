import { transferHandlers } from 'comlink';
import { describe, expect, it } from 'vitest';
import { ContextOverflowError, ModelFileError, StalledDownloadError, UsageError, isLabError } from './errors';
import { installErrorTransfer } from './worker-errors';

function roundTrip(err: unknown): unknown {
  installErrorTransfer();
  const handler = transferHandlers.get('throw')!;
  const [wire] = handler.serialize({ value: err } as never) as [unknown, Transferable[]];
  const cloned = structuredClone(wire);
  try {
    handler.deserialize(cloned as never);
  } catch (e) {
    return e;
  }
  throw new Error('deserialize did not throw');
}

describe('errors across the worker boundary', () => {
  it('keep their class, name and fields', () => {
    const e = roundTrip(new ContextOverflowError(600, 512)) as ContextOverflowError;
    expect(e).toBeInstanceOf(ContextOverflowError);
    expect(e.name).toBe('ContextOverflowError');
    expect(e.requested).toBe(600);
    expect(e.limit).toBe(512);
    expect(e.message).toMatch(/600 tokens requested.*512/);
    const f = roundTrip(new ModelFileError('onnx/model.onnx', 'is empty')) as ModelFileError;
    expect(f).toBeInstanceOf(ModelFileError);
    expect(f.file).toBe('onnx/model.onnx');
    expect(isLabError(f, 'ModelFileError')).toBe(true);
  });
  it('keep the stalled-download and usage errors with their fields', () => {
    const s = roundTrip(new StalledDownloadError('onnx/model.onnx', 154829, 6_000_000, 15_000)) as StalledDownloadError;
    expect(s).toBeInstanceOf(StalledDownloadError);
    expect(isLabError(s, 'StalledDownloadError')).toBe(true);
    expect([s.file, s.loaded, s.total, s.quietMs]).toEqual(['onnx/model.onnx', 154829, 6_000_000, 15_000]);
    expect(s.message).toMatch(/^onnx\/model\.onnx: the download stalled: no data for 15 s after 154829 of 6000000 bytes\..*Retry/);
    const u = roundTrip(new UsageError('--samples must be at most 256', '--samples', 'at most 256')) as UsageError;
    expect(u).toBeInstanceOf(UsageError);
    expect([u.flag, u.bound]).toEqual(['--samples', 'at most 256']);
  });
  it('pass other thrown values through', () => {
    expect(roundTrip('plain')).toBe('plain');
    const e = roundTrip(new Error('boom')) as Error;
    expect(e.message).toBe('boom');
  });
});
