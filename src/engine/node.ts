/**
 * The engine in Node (CLI, Vitest, benchmarks): onnxruntime-node on the CPU by default, or
 * onnxruntime-web's WASM build, or onnxruntime-web on WebGPU through the `webgpu` package (Dawn).
 */
import { existsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { cpus, homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { LabEngine, type OrtModule, type Runtime } from './engine';
import type { InferenceSession } from 'onnxruntime-web';
import { BackendError, ModelFileError } from './errors';
import { cachedSource, hubCacheKey } from './cache';
import { folderCache, folderSource } from './node-files';
import { DEFAULT_HUB_ENDPOINT, modelSourceProblem, hubSource, parseHubId, urlSource, type FileSource } from './files';

export type NodeBackend = 'node' | 'wasm' | 'webgpu';

export interface NodeSourceOptions {
  /** Where hub downloads are cached (default `$WPL_CACHE_DIR` or `~/.cache/world-prior-lab`). */
  cacheDir?: string;
  /** Hub endpoint (default `$HF_ENDPOINT` or the Hugging Face hub). */
  endpoint?: string;
  /** A download with no byte for this long is reported as stalled (default 30 s). */
  stallMs?: number;
}

export function defaultCacheDir(): string {
  return process.env['WPL_CACHE_DIR'] || join(homedir(), '.cache', 'world-prior-lab');
}

/** A folder on disk, a URL, or a hub id `org/name[@revision]` (downloaded once into the cache). */
export function nodeSource(source: string, options: NodeSourceOptions = {}): FileSource {
  const problem = modelSourceProblem(source);
  if (problem && !existsSync(source)) throw new ModelFileError(source.length > 60 ? `${source.slice(0, 57)}…` : source, problem);
  const stall = options.stallMs !== undefined ? { stallMs: options.stallMs } : {};
  if (/^https?:\/\//.test(source)) return urlSource(source, source, fetch, stall);
  if (existsSync(source)) return folderSource(source);
  const hub = parseHubId(source);
  if (hub) {
    const endpoint = options.endpoint ?? process.env['HF_ENDPOINT'] ?? DEFAULT_HUB_ENDPOINT;
    const dir = options.cacheDir ?? defaultCacheDir();
    return cachedSource(hubSource(hub.id, { endpoint, revision: hub.revision, ...stall }), folderCache(dir), hubCacheKey(hub.id, endpoint, hub.revision), {
      freeSpace: `free space on the disk of ${dir} (npm run models -- list / rm <key>)`,
      // The disk's figures for the cache folder (or the nearest folder above it that exists).
      estimate: async () => {
        let at = dir;
        while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
        const s = await statfs(at);
        return { usage: (s.blocks - s.bfree) * s.bsize, quota: s.blocks * s.bsize };
      },
    });
  }
  return folderSource(source); // reports the missing folder's files by name
}

let webgpuInstalled = false;

/** Provide navigator.gpu in Node through Dawn, with the writeBuffer workaround onnxruntime needs. */
async function installNodeWebGpu(): Promise<{ name: string; shaderF16: boolean }> {
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
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'WebGPU adapter';
  return { name, shaderF16: adapter.features.has('shader-f16') };
}

/**
 * onnxruntime-web keeps one WebAssembly instance per JavaScript realm, and two engines in one Node process
 * (the CLI's base and tuned, a test's pair) share it. Two runs in it at once hang for good (seen with the
 * SmolLM2 stand-in pair on WASM: `Promise.all` over both models' first steps never settled and no timer
 * fired again). The page never meets this (each model has its own worker, so its own instance); in Node,
 * every session made through onnxruntime-web creates, runs and is released one call at a time.
 */
let webCalls: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(call: () => Promise<T>): Promise<T> {
  const result = webCalls.then(call, call);
  webCalls = result.catch(() => undefined);
  return result;
}

function sharedInstance(ort: OrtModule): OrtModule {
  return {
    Tensor: ort.Tensor,
    get env() {
      return ort.env;
    },
    InferenceSession: {
      create: (model, options) =>
        oneAtATime(async () => {
          const session = await ort.InferenceSession.create(model, options);
          const run = session.run.bind(session) as (...a: unknown[]) => Promise<InferenceSession.OnnxValueMapType>;
          const release = session.release.bind(session);
          (session as { run: unknown }).run = (...a: unknown[]) => oneAtATime(() => run(...a));
          session.release = () => oneAtATime(() => release());
          return session;
        }),
    },
  };
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
    return { ort: sharedInstance(ortWeb as unknown as OrtModule), backend: 'wasm', adapter: 'onnxruntime-web WASM (Node)', executionProviders: ['wasm'], kvOnGpu: false };
  }
  const { name: adapter, shaderF16 } = await installNodeWebGpu();
  // The Node build of onnxruntime-web has no WebGPU; its `webgpu` build (the WebGPU execution provider the
  // page uses too) runs on Dawn's navigator.gpu. (The `all` build's older JSEP kernels gave logits up to
  // 4.6 off the CPU's after the first position on SwiftShader; this build agrees to 4e-4.)
  const ortAll = (await import('onnxruntime-web/webgpu')) as unknown as typeof ortWeb;
  ortAll.env.wasm.numThreads = 1;
  ortAll.env.logLevel = 'error';
  return { ort: sharedInstance(ortAll as unknown as OrtModule), backend: 'webgpu', adapter, executionProviders: ['webgpu'], kvOnGpu: true, shaderF16 };
}

/** An in-process engine for Node. */
export function createNodeEngine(backend: NodeBackend = 'node', options: NodeSourceOptions = {}): LabEngine {
  return new LabEngine({ runtime: () => nodeRuntime(backend), source: (s) => nodeSource(s, options) });
}
