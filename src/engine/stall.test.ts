/**
 * A hub that stops answering is reported as a StalledDownloadError after a quiet interval (never a
 * download that hangs forever or looks finished), for a server that sends part of a file and then
 * nothing, and for one that never answers; nothing partial is cached and the next try works.
 */
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHubServer, type HubServer } from '../../e2e/hub-server';
import { StalledDownloadError, isLabError } from './errors';
import { hubSource } from './files';
import { createNodeEngine } from './node';

const BASE = resolve('models/lab-base');
const ONNX_SIZE = statSync(join(BASE, 'onnx/model.onnx')).size;
let hub: HubServer;

beforeAll(async () => {
  hub = await startHubServer({ 'lab/lab-base': BASE });
});
afterAll(() => hub.close());
afterEach(() => hub.faults.clear());

const freshCache = () => mkdtempSync(join(tmpdir(), 'wpl-stall-'));
function filesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(join(dir, f)).isFile()).sort();
}

describe('stalled downloads', () => {
  it('a server that sends a third of the weights and then nothing: StalledDownloadError with the bytes that came', async () => {
    const cacheDir = freshCache();
    hub.faults.set('onnx/model.onnx', 'stall');
    const e = createNodeEngine('node', { cacheDir, endpoint: hub.endpoint, stallMs: 400 });
    const seen: { loaded: number; total: number }[] = [];
    const t0 = Date.now();
    const err = await e.load('lab/lab-base', { onProgress: (p) => p.file === 'onnx/model.onnx' && seen.push({ loaded: p.loaded, total: p.total }) }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(StalledDownloadError);
    expect(isLabError(err, 'StalledDownloadError')).toBe(true);
    const s = err as StalledDownloadError;
    expect(s.file).toBe('onnx/model.onnx');
    expect(s.total).toBe(ONNX_SIZE);
    expect(s.loaded).toBe(Math.floor(ONNX_SIZE / 3));
    expect(s.message).toMatch(/^onnx\/model\.onnx: the download stalled: no data for 400 ms after \d+ of \d+ bytes\. .*Retry/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    // What the progress showed was never "done".
    expect(seen[0]).toEqual({ loaded: 0, total: 0 }); // shown as waiting for the file first
    expect(seen.slice(1).every((p) => p.loaded < p.total)).toBe(true);
    expect(filesIn(cacheDir).filter((f) => f.includes('onnx'))).toEqual([]);
    await e.dispose();
    hub.faults.clear();
    const again = createNodeEngine('node', { cacheDir, endpoint: hub.endpoint, stallMs: 400 });
    await again.load('lab/lab-base');
    await again.dispose();
  });

  it('a server that never answers: StalledDownloadError after the quiet interval, with 0 bytes', async () => {
    hub.faults.set('config.json', 'hang');
    const source = hubSource('lab/lab-base', { endpoint: hub.endpoint, stallMs: 300 });
    const err = await source.readBytes('config.json').catch((x: unknown) => x);
    expect(err).toBeInstanceOf(StalledDownloadError);
    expect((err as StalledDownloadError).loaded).toBe(0);
    expect((err as Error).message).toMatch(/^config\.json: the download stalled: no data for 300 ms after 0 bytes/);
  });

  it('a slow but steady download is not a stall; Cancel is still a cancel', async () => {
    hub.faults.set('onnx/model.onnx', 'slow'); // 64 KB every 20 ms
    const source = hubSource('lab/lab-base', { endpoint: hub.endpoint, stallMs: 400 });
    const bytes = await source.readBytes('onnx/model.onnx');
    expect(bytes!.length).toBe(ONNX_SIZE);
    const ctl = new AbortController();
    const p = source.readBytes('onnx/model.onnx', { signal: ctl.signal });
    setTimeout(() => ctl.abort(), 50);
    await expect(p).rejects.toMatchObject({ name: 'LabAbortError' });
  });
});
