/** WebGPU adapter facts shared by the engine and the page (no onnxruntime import here). */

/**
 * Whether an adapter is a software renderer (SwiftShader, llvmpipe/lavapipe, WARP, …): the browser says
 * so (`info.isFallbackAdapter`, formerly `adapter.isFallbackAdapter`), or its vendor, architecture or
 * description names one. On such an adapter WebGPU runs 10–100× slower than WASM (#15.6).
 */
export function isSoftwareAdapter(info: { vendor?: string; architecture?: string; description?: string; device?: string; isFallbackAdapter?: boolean }, adapterFlag?: boolean): boolean {
  if (info.isFallbackAdapter === true || adapterFlag === true) return true;
  const words = [info.vendor, info.architecture, info.description, info.device].filter(Boolean).join(' ');
  return /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render|\bwarp\b/i.test(words);
}
