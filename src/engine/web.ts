/**
 * The engine in a browser (normally inside a worker): onnxruntime-web's WebGPU build, which also
 * carries the WASM execution provider. Its wasm file is served by us from `ort/` (no CDN).
 */
import * as ort from 'onnxruntime-web/webgpu';
import { LabEngine, type OrtModule, type Runtime } from './engine';
import { BackendError } from './errors';
import { browserCache, cachedSource, hubCacheKey } from './cache';
import { DEFAULT_HUB_ENDPOINT, hubSource, parseHubId, urlSource, type FileSource } from './files';
import type { BackendChoice } from './types';

export interface WebEngineOptions {
  backend: BackendChoice;
  /** Where `ort-wasm-simd-threaded.asyncify.wasm` is served (a folder URL). */
  wasmBase: string;
  /** Base URL that relative model folders resolve against (the page's URL). */
  baseUrl: string;
  hubEndpoint?: string;
}

/** Set our wasm location; called again before each session in case a library set another. */
function configureWasm(wasmBase: string): void {
  const base = wasmBase.endsWith('/') ? wasmBase : `${wasmBase}/`;
  ort.env.wasm.wasmPaths = { wasm: `${base}ort-wasm-simd-threaded.asyncify.wasm` };
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  ort.env.wasm.numThreads = isolated ? Math.max(1, Math.min(4, (navigator.hardwareConcurrency ?? 2) - 1)) : 1;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
}

/** Describe the WebGPU adapter, or explain why there is none. */
export async function webGpuAdapter(): Promise<{ ok: true; name: string; shaderF16: boolean; maxBufferSize: number } | { ok: false; reason: string }> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { ok: false, reason: 'this browser exposes no navigator.gpu (WebGPU is off, or the page is not a secure context)' };
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    return { ok: false, reason: `requestAdapter failed (${(err as Error).message})` };
  }
  if (!adapter) return { ok: false, reason: 'requestAdapter returned no adapter' };
  const info = adapter.info;
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'WebGPU adapter';
  return { ok: true, name, shaderF16: adapter.features.has('shader-f16'), maxBufferSize: adapter.limits.maxBufferSize };
}

export async function webRuntime(choice: BackendChoice, wasmBase: string): Promise<Runtime> {
  configureWasm(wasmBase);
  const api = ort as unknown as OrtModule;
  if (choice === 'webgpu' || choice === 'auto') {
    const gpu = await webGpuAdapter();
    if (gpu.ok) return { ort: api, backend: 'webgpu', adapter: gpu.name, executionProviders: ['webgpu'], kvOnGpu: true, shaderF16: gpu.shaderF16 };
    if (choice === 'webgpu') throw new BackendError('webgpu', gpu.reason);
  }
  if (choice === 'node') throw new BackendError('node', 'onnxruntime-node does not run in a browser');
  const threads = ort.env.wasm.numThreads ?? 1;
  return { ort: api, backend: 'wasm', adapter: `WASM, ${threads} thread${threads === 1 ? '' : 's'}`, executionProviders: ['wasm'], kvOnGpu: false };
}

export function webSource(source: string, baseUrl: string, hubEndpoint?: string): FileSource {
  // A hub id is `org/name` exactly; anything with a scheme, a leading `.` or `/`, or a trailing `/` is
  // a folder URL (the lab-grown pair is `./models/lab-base/`).
  const hub = parseHubId(source);
  if (/^(https?:|blob:|\.|\/)/.test(source) || source.endsWith('/') || !hub) {
    return urlSource(new URL(source.endsWith('/') ? source : `${source}/`, baseUrl).href, source);
  }
  // Hub models are downloaded once into the browser's Cache API, verified, and work offline after.
  const endpoint = hubEndpoint || DEFAULT_HUB_ENDPOINT;
  const inner = hubSource(hub.id, { endpoint, revision: hub.revision });
  if (typeof caches === 'undefined') return inner;
  return cachedSource(inner, browserCache(), hubCacheKey(hub.id, endpoint, hub.revision));
}

export function createWebEngine(options: WebEngineOptions): LabEngine {
  return new LabEngine({
    runtime: () => webRuntime(options.backend, options.wasmBase),
    source: (s) => webSource(s, options.baseUrl, options.hubEndpoint),
  });
}
