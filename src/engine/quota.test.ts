/**
 * A full store (QuotaExceededError from the Cache API, ENOSPC on disk) never stops the model: it loads
 * and runs from memory, nothing partial stays in the store, and the model's info carries a note with
 * the storage figures (shown on the page under the model, printed by the CLI).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServer, type HubServer } from '../../e2e/hub-server';
import { cachedSource, isQuotaError, type ModelCache } from './cache';
import { folderCache } from './node-files';
import { LabEngine } from './engine';
import { hubSource } from './files';
import { nodeRuntime } from './node';

const BASE = resolve('models/lab-base');
let hub: HubServer;
beforeAll(async () => {
  hub = await startHubServer({ 'lab/lab-base': BASE });
});
afterAll(() => hub.close());

/** A folder cache that refuses any file over `room` bytes, as a full browser store does. */
function fullCache(room: number, error: () => unknown): ModelCache & { removed: string[] } {
  const inner = folderCache(mkdtempSync(join(tmpdir(), 'wpl-quota-')));
  const removed: string[] = [];
  return {
    ...inner,
    removed,
    async write(key, file, bytes, meta) {
      if (bytes.length > room) throw error();
      return inner.write(key, file, bytes, meta);
    },
    async remove(key, file) {
      removed.push(file ?? key);
      return inner.remove(key, file);
    },
  };
}

describe('a full cache', () => {
  it('recognises the quota errors of browsers and disks', () => {
    expect(isQuotaError(new DOMException('full', 'QuotaExceededError'))).toBe(true);
    expect(isQuotaError(Object.assign(new Error('no space'), { code: 'ENOSPC' }))).toBe(true);
    expect(isQuotaError(new Error('other'))).toBe(false);
  });

  it('QuotaExceeded while caching the weights: the model loads and runs from memory, with the storage figures', async () => {
    const cache = fullCache(100_000, () => new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
    const engine = new LabEngine({
      runtime: () => nodeRuntime('node'),
      source: () =>
        cachedSource(hubSource('lab/lab-base', { endpoint: hub.endpoint }), cache, 'lab/lab-base@main', {
          estimate: async () => ({ usage: 950 * 1024 * 1024, quota: 1000 * 1024 * 1024 }),
        }),
    });
    const info = await engine.load('lab/lab-base');
    expect(info.notes).toHaveLength(1);
    expect(info.notes![0]).toMatch(/^Not stored for next time: (tokenizer\.json, )?onnx\/model\.onnx \([\d.]+ MB\) because the storage quota is full \(storage: 950\.0 MB used of 1000\.0 MB\)\. The model runs from memory/);
    const logits = await engine.score([5, 6, 7]);
    expect(logits.data.length).toBeGreaterThan(0);
    await engine.dispose();
    expect(cache.removed).toContain('onnx/model.onnx'); // nothing partial kept
    const [listed] = await cache.list();
    expect(listed!.files.map((f) => f.file)).not.toContain('onnx/model.onnx');
    expect(listed!.files.map((f) => f.file)).toContain('config.json'); // what fitted was kept
  });

  it('with no quota error the info has no note', async () => {
    const engine = new LabEngine({
      runtime: () => nodeRuntime('node'),
      source: () => cachedSource(hubSource('lab/lab-base', { endpoint: hub.endpoint }), fullCache(Infinity, () => null), 'k'),
    });
    expect((await engine.load('lab/lab-base')).notes).toBeUndefined();
    await engine.dispose();
  });
});
