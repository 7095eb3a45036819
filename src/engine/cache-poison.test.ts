/**
 * An HTML page served with status 200 must never poison the model cache: nothing rejected is stored,
 * a copy poisoned by an older version is treated as damaged (fetched again), and the cache manager
 * (`list()`, `npm run models -- list`) verifies what it lists instead of trusting its records.
 */
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHubServer, type HubServer } from '../../e2e/hub-server';
import { modelsMain } from '../cli/models';
import { cachedSource, hubCacheKey } from './cache';
import { folderCache } from './node-files';
import { ModelFileError } from './errors';
import { contentProblem, hubSource } from './files';
import { createNodeEngine } from './node';

const BASE = resolve('models/lab-base');
const HTML = new TextEncoder().encode('<!DOCTYPE html><html><body>Please log in</body></html>');
let hub: HubServer;

beforeAll(async () => {
  hub = await startHubServer({ 'lab/lab-base': BASE });
});
afterAll(() => hub.close());
afterEach(() => hub.faults.clear());

const freshCache = () => mkdtempSync(join(tmpdir(), 'wpl-poison-'));
function filesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(join(dir, f)).isFile()).sort();
}

describe('content checks', () => {
  it('knows an HTML page, a bad ONNX header and broken JSON from model files', () => {
    expect(contentProblem('onnx/model.onnx', HTML)).toMatch(/HTML page, not an ONNX model/);
    expect(contentProblem('config.json', HTML)).toMatch(/HTML page, not JSON/);
    expect(contentProblem('config.json', new TextEncoder().encode('{"a":'))).toMatch(/not valid JSON/);
    expect(contentProblem('config.json', new TextEncoder().encode('{"a":1}'))).toBeNull();
    expect(contentProblem('config.json', new TextEncoder().encode('{"a":1}'), 'text/html; charset=utf-8')).toMatch(/text\/html/);
    // Raw weight data is checked by size and hash, not by its first byte ('<' is a valid float byte).
    expect(contentProblem('onnx/model.onnx_data', HTML)).toBeNull();
  });
});

describe('nothing rejected is cached (CLI --cache-dir store)', () => {
  it('an HTML model.onnx with status 200 is refused, not stored, and the next load after the hub is fixed works', async () => {
    const cacheDir = freshCache();
    hub.faults.set('onnx/model.onnx', 'html');
    const e = createNodeEngine('node', { cacheDir, endpoint: hub.endpoint });
    const err = await e.load('lab/lab-base').catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ModelFileError);
    expect((err as Error).message).toMatch(/^onnx\/model\.onnx: is an HTML page, not an ONNX model; nothing was cached/);
    expect(filesIn(cacheDir).filter((f) => f.includes('model.onnx'))).toEqual([]);
    await e.dispose();
    hub.faults.clear();
    const again = createNodeEngine('node', { cacheDir, endpoint: hub.endpoint });
    await again.load('lab/lab-base'); // Retry works once the hub is fixed
    await again.dispose();
    const [listed] = await folderCache(cacheDir).list();
    expect(listed!.damaged).toBe(0);
    expect(listed!.files.find((f) => f.file === 'onnx/model.onnx')!.size).toBe(statSync(join(BASE, 'onnx/model.onnx')).size);
  });

  it('an HTML config.json is refused and not stored', async () => {
    const cacheDir = freshCache();
    hub.faults.set('config.json', 'html');
    const source = cachedSource(hubSource('lab/lab-base', { endpoint: hub.endpoint }), folderCache(cacheDir), 'lab/lab-base@main');
    await expect(source.readBytes('config.json')).rejects.toThrow(/^config\.json: is an HTML page, not JSON.*; nothing was cached/);
    expect(filesIn(cacheDir)).toEqual([]);
  });

  it('a copy poisoned earlier is listed as damaged, fetched again on load, and then listed as verified', async () => {
    const cacheDir = freshCache();
    const key = hubCacheKey('lab/lab-base', hub.endpoint, 'main');
    const e = createNodeEngine('node', { cacheDir, endpoint: hub.endpoint });
    await e.load('lab/lab-base');
    await e.dispose();
    // What an older version stored: the page, with a record that matches its size.
    await folderCache(cacheDir).write(key, 'onnx/model.onnx', HTML, { size: HTML.length, storedAt: Date.now() });
    const [listed] = await folderCache(cacheDir).list();
    expect(listed!.damaged).toBe(1);
    expect(listed!.files.find((f) => f.file === 'onnx/model.onnx')!.problem).toMatch(/HTML page, not an ONNX model/);
    expect(await folderCache(cacheDir).read(key, 'onnx/model.onnx')).toEqual({ corrupt: expect.stringMatching(/HTML page/) });
    const lines: string[] = [];
    expect(await modelsMain(['list', '--cache-dir', cacheDir], (l) => lines.push(l), (l) => lines.push(l))).toBe(0);
    expect(lines.join('\n')).toMatch(/\(1 damaged\)\n {2}damaged: onnx\/model\.onnx is an HTML page/);
    // The next load fetches a good copy in its place.
    const on = createNodeEngine('node', { cacheDir, endpoint: hub.endpoint });
    await on.load('lab/lab-base');
    await on.dispose();
    const [after] = await folderCache(cacheDir).list();
    expect(after!.damaged).toBe(0);
    lines.length = 0;
    await modelsMain(['list', '--cache-dir', cacheDir], (l) => lines.push(l), (l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/\(verified\)/);
  });
});
