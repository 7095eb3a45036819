/**
 * The engine in Node (CLI, Vitest, benchmarks): onnxruntime-node on the CPU by default, or
 * onnxruntime-web's WASM build, or onnxruntime-web on WebGPU through the `webgpu` package (Dawn).
 */
import { existsSync } from 'node:fs';
import { cpus, homedir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { LabEngine, type OrtModule, type Runtime } from './engine';
import { BackendError } from './errors';
import { cachedSource, folderCache, hubCacheKey } from './cache';
import { DEFAULT_HUB_ENDPOINT, folderSource, hubSource, parseHubId, urlSource, type FileSource } from './files';

export type NodeBackend = 'node' | 'wasm' | 'webgpu';

export interface NodeSourceOptions {
  /** Where hub downloads are cached (default `$WPL_CACHE_DIR` or `~/.cache/world-prior-lab`). */
  cacheDir?: string;
  /** Hub endpoint (default `$HF_ENDPOINT` or the Hugging Face hub). */
  endpoint?: string;
}

export function defaultCacheDir(): string {
  return process.env['WPL_CACHE_DIR'] || join(homedir(), '.cache', 'world-prior-lab');
}

/** A folder on disk, a URL, or a hub id `org/name[@revision]` (downloaded once into the cache). */
export function nodeSource(source: string, options: NodeSourceOptions = {}): FileSource {
  if (/^https?:\/\//.test(source)) return urlSource(source);
  if (existsSync(source)) return folderSource(source);
  const hub = parseHubId(source);
  if (hub) {
    const endpoint = options.endpoint ?? process.env['HF_ENDPOINT'] ?? DEFAULT_HUB_ENDPOINT;
    return cachedSource(
      hubSource(hub.id, { endpoint, revision: hub.revision }),
      folderCache(options.cacheDir ?? defaultCacheDir()),
      hubCacheKey(hub.id, endpoint, hub.revision),
    );
  }
  return folderSource(source); // reports the missing folder's files by name
}

let webgpuInstalled = false;

/** Provide navigator.gpu in Node through Dawn, with the writeBuffer workaround onnxruntime needs. */
async function installNodeWebGpu(): Promise<string> {
  const require = createRequire(import.meta.url);
  let dawn: { create(flags: string[]): GPU; globals: Record<string, unknown> };
  try {
    dawn = require('webgpu') as typeof dawn;
  } catch (err) {
    throw new BackendError('webgpu', `the webgpu package could not be loaded (${(err as Error).message})`);
  }
  if (!webgpuInstalled) {
    Object.assign(globalThis, dawn.globals);
    const gpu = dawn.create([]);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    const Q = (dawn.globals['GPUQueue'] as { prototype: GPUQueue }).prototype;
    const write = Q.writeBuffer;
    // Dawn rejects the views onnxruntime passes; hand it a fresh copy of exactly the bytes meant.
    Q.writeBuffer = function (this: GPUQueue, buffer: GPUBuffer, offset: number, data: BufferSource, dataOffset?: number, size?: number) {
      const isView = ArrayBuffer.isView(data);
      let view = isView ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data as ArrayBuffer);
      const unit = isView && 'BYTES_PER_ELEMENT' in data ? (data as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT : 1;
      if (dataOffset !== undefined) {
        const s = dataOffset * unit;
        view = view.subarray(s, size !== undefined ? s + size * unit : undefined);
      }
      return write.call(this, buffer, offset, view.slice());
    } as typeof Q.writeBuffer;
    webgpuInstalled = true;
  }
  const adapter = await (globalThis.navigator as Navigator).gpu.requestAdapter();
  if (!adapter) throw new BackendError('webgpu', 'Dawn found no adapter (set VK_ICD_FILENAMES for SwiftShader)');
  const info = adapter.info;
  return [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'WebGPU adapter';
}

export async function nodeRuntime(backend: NodeBackend = 'node'): Promise<Runtime> {
  if (backend === 'node') {
    const ort = (await import('onnxruntime-node')) as unknown as OrtModule;
    return {
      ort,
      backend: 'node',
      adapter: `onnxruntime-node, CPU (${cpus().length} cores)`,
      executionProviders: ['cpu'],
      kvOnGpu: false,
    };
  }
  const ortWeb = await import('onnxruntime-web');
  ortWeb.env.wasm.numThreads = 1;
  ortWeb.env.logLevel = 'error';
  if (backend === 'wasm') {
    return { ort: ortWeb as unknown as OrtModule, backend: 'wasm', adapter: 'onnxruntime-web WASM (Node)', executionProviders: ['wasm'], kvOnGpu: false };
  }
  const adapter = await installNodeWebGpu();
  // The Node build of onnxruntime-web has no WebGPU; its `all` build (JSEP) runs on Dawn's navigator.gpu.
  const ortAll = (await import('onnxruntime-web/all')) as unknown as typeof ortWeb;
  ortAll.env.wasm.numThreads = 1;
  ortAll.env.logLevel = 'error';
  const shaderF16 = Boolean((await (globalThis.navigator as Navigator).gpu.requestAdapter())?.features.has('shader-f16'));
  return { ort: ortAll as unknown as OrtModule, backend: 'webgpu', adapter, executionProviders: ['webgpu'], kvOnGpu: true, shaderF16 };
}

/** An in-process engine for Node. */
export function createNodeEngine(backend: NodeBackend = 'node', options: NodeSourceOptions = {}): LabEngine {
  return new LabEngine({ runtime: () => nodeRuntime(backend), source: (s) => nodeSource(s, options) });
}
