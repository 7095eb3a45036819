/**
 * The hub code path against a local stand-in of the hub on 127.0.0.1: downloads with progress, cache
 * hits, a server stopped mid-download (nothing partial kept), an HTML page with status 200, truncated
 * cached files (fetched again online, reported clearly offline), and the CLI's --cache-dir and errors.
 */
import { mkdtempSync, readdirSync, statSync, truncateSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHubServer, type HubServer } from '../../e2e/hub-server';
import { main } from '../cli/main';
import { fetchModel } from '../cli/models';
import { hubCacheKey, sha256Hex, verify } from './cache';
import { folderCache } from './node-files';
import { ModelFileError } from './errors';
import { metaOf, parseHubId } from './files';
import { createNodeEngine } from './node';

const BASE = resolve('models/lab-base');
let hub: HubServer;

beforeAll(async () => {
  hub = await startHubServer({ 'lab/lab-base': BASE, 'lab/not-an-lm': BASE });
});
afterAll(() => hub.close());
afterEach(() => hub.faults.clear());

function freshCache(): string {
  return mkdtempSync(join(tmpdir(), 'wpl-cache-'));
}

function filesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(join(dir, f)).isFile()).sort();
}

describe('hub ids and headers', () => {
  it('parses org/name[@revision]', () => {
    expect(parseHubId('HuggingFaceTB/SmolLM2-135M')).toEqual({ id: 'HuggingFaceTB/SmolLM2-135M', revision: 'main' });
    expect(parseHubId('org/name@0123abc')).toEqual({ id: 'org/name', revision: '0123abc' });
    expect(parseHubId('./models/x')).toBeNull();
    expect(hubCacheKey('org/name', 'http://127.0.0.1:9999', 'main')).toBe('org/name@main');
  });
  it('reads the size and SHA-256 the hub gives LFS files', async () => {
    const sha = 'a'.repeat(64);
    const r = new Response('x', { headers: { 'x-linked-size': '123', 'x-linked-etag': `"${sha}"` } });
    expect(metaOf(r)).toEqual({ size: 123, sha256: sha });
    expect(metaOf(new Response('x', { headers: { etag: '"abc"', 'content-length': '1' } }))).toEqual({ size: 1 });
    const bytes = new TextEncoder().encode('hello');
    expect(await verify(bytes, { size: 5, sha256: await sha256Hex(bytes) })).toBeNull();
    expect(await verify(bytes, { size: 6 })).toMatch(/5 of 6 bytes/);
    expect(await verify(bytes, { sha256: 'b'.repeat(64) })).toMatch(/SHA-256/);
  });
});

describe('downloading and caching hub models', () => {
  it('downloads with progress, then loads from the cache without asking the hub for the weights', async () => {
    const cacheDir = freshCache();
    const opts = { cacheDir, endpoint: hub.endpoint };
    const e1 = createNodeEngine('node', opts);
    const seen: number[] = [];
    await e1.load('lab/lab-base', { onProgress: (p) => p.file === 'onnx/model.onnx' && seen.push(p.loaded) });
    expect(seen.at(-1)).toBe(statSync(join(BASE, 'onnx/model.onnx')).size);
    const logits1 = (await e1.score([5, 6, 7])).data;
    await e1.dispose();
    const before = hub.requests.length;
    const e2 = createNodeEngine('node', opts);
    await e2.load('lab/lab-base');
    expect(hub.requests.slice(before)).toEqual([]); // everything came from the cache
    expect(Array.from((await e2.score([5, 6, 7])).data)).toEqual(Array.from(logits1));
    await e2.dispose();
    // With the hub gone, the cached model still works.
    const offline = createNodeEngine('node', { cacheDir, endpoint: 'http://127.0.0.1:9' });
    await offline.load('lab/lab-base');
    await offline.dispose();
  });

  it('keeps nothing partial when the server stops mid-download', async () => {
    const cacheDir = freshCache();
    hub.faults.set('onnx/model.onnx', 'cut');
    const e = createNodeEngine('node', { cacheDir, endpoint: hub.endpoint });
    const err = await e.load('lab/lab-base').catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ModelFileError);
    expect((err as ModelFileError).file).toBe('onnx/model.onnx');
    expect(filesIn(cacheDir).filter((f) => f.includes('onnx'))).toEqual([]);
    expect(filesIn(cacheDir).some((f) => f.includes('partial'))).toBe(false);
  });

  it('rejects an HTML page served with status 200 and caches nothing for it', async () => {
    const cacheDir = freshCache();
    hub.faults.set('onnx/model.onnx', 'html');
    const e = createNodeEngine('node', { cacheDir, endpoint: hub.endpoint });
    await expect(e.load('lab/lab-base')).rejects.toThrow(/^onnx\/model\.onnx: is an HTML page, not an ONNX model/);
    hub.faults.clear();
    hub.faults.set('config.json', 'html');
    const e2 = createNodeEngine('node', { cacheDir: freshCache(), endpoint: hub.endpoint });
    await expect(e2.load('lab/lab-base')).rejects.toThrow(/^config\.json: is an HTML page/);
  });

  it('detects a truncated cached file: fetched again when online, a clear error naming the file when offline', async () => {
    const cacheDir = freshCache();
    const e = createNodeEngine('node', { cacheDir, endpoint: hub.endpoint });
    await e.load('lab/lab-base');
    await e.dispose();
    const key = hubCacheKey('lab/lab-base', hub.endpoint, 'main');
    const cached = filesIn(cacheDir).find((f) => f.endsWith('onnx/model.onnx'))!;
    truncateSync(join(cacheDir, cached), 1000);
    expect(await folderCache(cacheDir).read(key, 'onnx/model.onnx')).toEqual({ corrupt: expect.stringMatching(/1000 of \d+ bytes/) });
    // Offline: a clear error that names the file, not a protobuf stack trace.
    const off = createNodeEngine('node', { cacheDir, endpoint: 'http://127.0.0.1:9' });
    const err = await off.load('lab/lab-base').catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ModelFileError);
    expect((err as Error).message).toMatch(/^onnx\/model\.onnx: the cached copy has 1000 of \d+ bytes \(truncated\) and a fresh copy could not be fetched/);
    // Online again: fetched anew and cached whole.
    truncateSync(join(cacheDir, cached), 1000);
    const on = createNodeEngine('node', { cacheDir, endpoint: hub.endpoint });
    await on.load('lab/lab-base');
    await on.dispose();
    expect(statSync(join(cacheDir, cached)).size).toBe(statSync(join(BASE, 'onnx/model.onnx')).size);
  });

  it('the CLI takes a hub id, --cache-dir and HF_ENDPOINT, and exits non-zero naming a corrupt cached file', async () => {
    const cacheDir = freshCache();
    const lines: string[] = [];
    const errs: string[] = [];
    const ctx = { out: (l: string) => lines.push(l), err: (l: string) => errs.push(l) };
    process.env['HF_ENDPOINT'] = hub.endpoint;
    try {
      expect(await main(['logits', '--model', 'lab/lab-base', '--text', 'The jury', '--json', '--cache-dir', cacheDir], ctx)).toBe(0);
      const fromHub = JSON.parse(lines.pop()!);
      expect(await main(['logits', '--model', BASE, '--text', 'The jury', '--json'], ctx)).toBe(0);
      expect(JSON.parse(lines.pop()!).sides.base.next).toEqual(fromHub.sides.base.next);
      const cached = filesIn(cacheDir).find((f) => f.endsWith('onnx/model.onnx'))!;
      truncateSync(join(cacheDir, cached), 10);
      process.env['HF_ENDPOINT'] = 'http://127.0.0.1:9';
      expect(await main(['logits', '--model', 'lab/lab-base', '--text', 'x', `--cache-dir=${cacheDir}`], ctx)).toBe(1);
      expect(errs.at(-1)).toMatch(/^error: ModelFileError: onnx\/model\.onnx: the cached copy has 10 of/);
      expect(errs.at(-1)).not.toMatch(/\n\s+at /);
    } finally {
      delete process.env['HF_ENDPOINT'];
    }
  });

  it('npm run models -- fetch writes a hub-layout folder the engine loads, and refuses non-ONNX repos', async () => {
    const out = join(freshCache(), 'lab-base-copy');
    const r = await fetchModel('lab/lab-base', { dtype: 'fp32', out, cacheDir: freshCache(), endpoint: hub.endpoint });
    expect(r.folder).toBe(out);
    expect(filesIn(out)).toEqual(expect.arrayContaining(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']));
    const e = createNodeEngine('node');
    await e.load(out);
    await e.dispose();
    await expect(fetchModel('lab/lab-base', { dtype: 'q4', out: join(freshCache(), 'x'), cacheDir: freshCache(), endpoint: hub.endpoint })).rejects.toThrow(/^onnx\/model_q4\.onnx: is missing \(HTTP 404/);
  });
});
