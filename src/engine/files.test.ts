import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelFileError, LabAbortError } from './errors';
import { folderSource } from './node-files';
import { checkOnnxBytes, hubSource, looksLikeHubId, nameOf, onnxFileFor, readJson, urlSource } from './files';

let server: Server;
let base: string;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.url!);
    const url = req.url!;
    if (url.endsWith('/config.json')) return res.end('{"model_type":"llama"}');
    if (url.endsWith('/html.json')) return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>login</p>');
    if (url.endsWith('/bad.json')) return res.end('{"model_type": ');
    if (url.endsWith('/array.json')) return res.end('[1,2]');
    if (url.endsWith('/short.bin')) {
      res.writeHead(200, { 'content-length': '1000' });
      res.write(Buffer.alloc(100, 8));
      return setTimeout(() => res.destroy(), 20);
    }
    if (url.endsWith('/big.bin')) {
      res.writeHead(200, { 'content-length': String(64 * 1024 * 8) });
      let n = 0;
      const tick = () => {
        if (n++ >= 8) return res.end();
        res.write(Buffer.alloc(64 * 1024, 1));
        setTimeout(tick, 5);
      };
      return tick();
    }
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('urlSource', () => {
  it('reads JSON and reports progress', async () => {
    const src = urlSource(`${base}/m/`);
    expect(await readJson(src, 'config.json')).toEqual({ model_type: 'llama' });
    const events: number[] = [];
    const bytes = await src.readBytes('big.bin', { onProgress: (l) => events.push(l) });
    expect(bytes!.length).toBe(64 * 1024 * 8);
    expect(events.at(-1)).toBe(64 * 1024 * 8);
    expect(events.length).toBeGreaterThan(2);
  });
  it('names the missing file, or returns null when optional', async () => {
    const src = urlSource(`${base}/m`);
    await expect(src.readBytes('onnx/model.onnx')).rejects.toThrow(/onnx\/model\.onnx: is missing \(HTTP 404/);
    await expect(src.readBytes('generation_config.json', { optional: true })).resolves.toBeNull();
  });
  it('rejects an HTML page served with status 200, malformed JSON and non-objects', async () => {
    const src = urlSource(`${base}/m/`);
    const html = readJson(src, 'html.json');
    await expect(html).rejects.toBeInstanceOf(ModelFileError);
    await expect(readJson(src, 'html.json')).rejects.toThrow(/html\.json: is an HTML page/);
    await expect(readJson(src, 'bad.json')).rejects.toThrow(/bad\.json: is not valid JSON/);
    await expect(readJson(src, 'array.json')).rejects.toThrow(/not an object/);
  });
  it('detects a download that ends before its content-length', async () => {
    await expect(urlSource(`${base}/m/`).readBytes('short.bin')).rejects.toThrow(/short\.bin: (is truncated|download broke off)/);
  });
  it('stops on abort', async () => {
    const ctrl = new AbortController();
    const p = urlSource(`${base}/m/`).readBytes('big.bin', { signal: ctrl.signal, onProgress: (l) => l > 0 && ctrl.abort() });
    await expect(p).rejects.toBeInstanceOf(LabAbortError);
  });
});

describe('hub layout and names', () => {
  it('builds <endpoint>/<org>/<repo>/resolve/<revision>/<file>', async () => {
    seen.length = 0;
    await hubSource('org/repo', { endpoint: `${base}/`, revision: 'abc123' }).readBytes('config.json');
    expect(seen).toEqual(['/org/repo/resolve/abc123/config.json']);
  });
  it('tells hub ids from paths and names models', () => {
    expect(looksLikeHubId('HuggingFaceTB/SmolLM2-135M')).toBe(true);
    expect(looksLikeHubId('./models/lab-base')).toBe(false);
    expect(looksLikeHubId('/abs/path')).toBe(false);
    expect(nameOf('models/lab-base/')).toBe('lab-base');
    expect(nameOf('http://x/org/repo/resolve/main/')).toBe('repo');
    expect(onnxFileFor('q4')).toBe('onnx/model_q4.onnx');
    expect(onnxFileFor('fp32')).toBe('onnx/model.onnx');
  });
});

describe('folderSource and ONNX checks', () => {
  it('reads files and names missing ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wpl-'));
    mkdirSync(join(dir, 'onnx'));
    writeFileSync(join(dir, 'config.json'), '{"a":1}');
    const src = folderSource(dir);
    expect(await readJson(src, 'config.json')).toEqual({ a: 1 });
    await expect(src.readBytes('tokenizer.json')).rejects.toThrow(/tokenizer\.json: is missing/);
  });
  it('rejects HTML, empty, truncated and non-protobuf model bytes', () => {
    expect(() => checkOnnxBytes('onnx/model.onnx', new TextEncoder().encode('<html>'))).toThrow(/HTML page/);
    expect(() => checkOnnxBytes('onnx/model.onnx', new Uint8Array(0))).toThrow(/empty/);
    expect(() => checkOnnxBytes('onnx/model.onnx', new Uint8Array([8, 7, 18]))).toThrow(/truncated/);
    expect(() => checkOnnxBytes('onnx/model.onnx', new Uint8Array(100).fill(0x50))).toThrow(/bad header/);
  });
});

describe('blobSource (a folder chosen on the page)', () => {
  it('reads files by relative path and names a missing one', async () => {
    const { blobSource } = await import('./files');
    const src = blobSource('local:my-model', new Map([['config.json', new Blob(['{"a":1}'])]]));
    expect(src.name).toBe('my-model');
    expect(await readJson(src, 'config.json')).toEqual({ a: 1 });
    await expect(src.readBytes('onnx/model.onnx')).rejects.toThrow(/^onnx\/model\.onnx: is missing from the chosen folder my-model/);
    expect(await src.readBytes('generation_config.json', { optional: true })).toBeNull();
  });
});
