import { describe, expect, it } from 'vitest';
import type { LoadProgress } from '../../engine/types';
import { DownloadTracker, formatEta } from './models-progress';

const p = (file: string, loaded: number, total: number, phase: LoadProgress['phase'] = 'download'): LoadProgress => ({
  file,
  loaded,
  total,
  overallLoaded: 0,
  overallTotal: 0,
  phase,
});

describe('DownloadTracker', () => {
  it('keeps one row per model and file, and sums them', () => {
    const t = new DownloadTracker();
    t.update('base', p('config.json', 100, 100), 0);
    t.update('tuned', p('config.json', 100, 100), 0);
    t.update('base', p('onnx/model.onnx', 0, 0), 0);
    t.update('base', p('onnx/model.onnx', 500, 1000), 10);
    expect(t.files.map((f) => [f.side, f.file, f.loaded, f.total, f.done])).toEqual([
      ['base', 'config.json', 100, 100, true],
      ['tuned', 'config.json', 100, 100, true],
      ['base', 'onnx/model.onnx', 500, 1000, false],
    ]);
    expect(t.loaded).toBe(700);
    expect(t.total).toBe(1200);
    t.update('base', p('onnx/model.onnx', 1000, 1000, 'session'), 20);
    expect(t.files[2]!.done).toBe(true);
    expect(t.files[2]!.loaded).toBe(500); // the session phase does not invent bytes
  });

  it('measures the rate over the last seconds and gives an ETA from it', () => {
    const t = new DownloadTracker();
    expect(t.rate()).toBeNull();
    expect(t.eta()).toBeNull();
    // 1 MB/s for 10 s, then 4 MB/s: the window forgets the slow start
    for (let s = 0; s <= 10; s++) t.update('base', p('onnx/model.onnx', s * 1e6, 100e6), s * 1000);
    expect(t.rate()).toBeCloseTo(1e6, 6);
    expect(t.eta()).toBeCloseTo(90, 6);
    for (let s = 1; s <= 10; s++) t.update('base', p('onnx/model.onnx', 10e6 + s * 4e6, 100e6), 10_000 + s * 1000);
    expect(t.rate()).toBeCloseTo(4e6, 6);
    expect(t.eta()).toBeCloseTo((100e6 - 50e6) / 4e6, 6);
    // a larger expected total (from the catalog) wins over the announced one
    expect(t.eta(150e6)).toBeCloseTo(100e6 / 4e6, 6);
    t.reset();
    expect(t.files).toEqual([]);
    expect(t.rate()).toBeNull();
  });

  it('formats ETAs', () => {
    expect(formatEta(null)).toBe('—');
    expect(formatEta(4.2)).toBe('5 s');
    expect(formatEta(125)).toBe('2 min 5 s');
    expect(formatEta(3 * 3600 + 65)).toBe('3 h 1 min');
  });
});
