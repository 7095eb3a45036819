/**
 * Where model files come from: a hub-layout folder on disk (Node), a URL (browser or Node), or a
 * Hugging Face hub id (a URL under an endpoint). Every failure names the file and the problem.
 */
import { LabAbortError, ModelFileError, StalledDownloadError, throwIfAborted } from './errors';

export type BytesProgress = (loaded: number, total: number) => void;

/** What the server said about a file: its length and, where the hub gives one, its SHA-256. */
export interface FileMeta {
  size?: number;
  sha256?: string;
  /** The response's Content-Type, when it said one. */
  contentType?: string;
}

export interface FileSource {
  /** What the user named: folder, URL or hub id. */
  readonly label: string;
  /** Short name for display, e.g. `lab-base`. */
  readonly name: string;
  /** Things the user should know about how the files were got (e.g. "not cached: quota full"). */
  readonly notes?: string[];
  /** Read a whole file. Missing → ModelFileError, or null when `optional`. */
  readBytes(
    file: string,
    options?: { optional?: boolean; onProgress?: BytesProgress; signal?: AbortSignal; onMeta?: (meta: FileMeta) => void },
  ): Promise<Uint8Array | null>;
}

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

/** How long a download may go without a byte (or without an answer) before it counts as stalled. */
export const DEFAULT_STALL_MS = 30_000;

/** A watchdog for one download: aborts `signal` when nothing happened for `quietMs`. */
function stallWatch(quietMs: number, outer: AbortSignal | undefined) {
  const ctl = new AbortController();
  let stalled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onOuter = () => ctl.abort();
  outer?.addEventListener('abort', onOuter, { once: true });
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      ctl.abort();
    }, quietMs);
  };
  arm();
  return {
    signal: ctl.signal,
    /** Something arrived: the quiet interval starts again. */
    alive: arm,
    get stalled() {
      return stalled && !outer?.aborted;
    },
    stop() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
    },
  };
}

function isHtml(bytes: Uint8Array): boolean {
  let i = 0;
  while (i < bytes.length && i < 64 && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09 || bytes[i] === 0xef || bytes[i] === 0xbb || bytes[i] === 0xbf)) i++;
  return bytes[i] === 0x3c; // '<'
}

/** Parse a JSON model file; a missing, HTML or malformed file gives a ModelFileError naming it. */
export async function readJson<T = Record<string, unknown>>(
  source: FileSource,
  file: string,
  options: { optional?: boolean; signal?: AbortSignal } = {},
): Promise<T | null> {
  const bytes = await source.readBytes(file, options);
  if (bytes === null) return null;
  if (isHtml(bytes)) throw new ModelFileError(file, 'is an HTML page, not JSON (a wrong URL or a login page?)');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ModelFileError(file, 'is not UTF-8 text');
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ModelFileError(file, 'is JSON but not an object');
    }
    return value as T;
  } catch (err) {
    if (err instanceof ModelFileError) throw err;
    throw new ModelFileError(file, `is not valid JSON (${(err as Error).message})`);
  }
}

/**
 * Whether bytes are what a model file of this name must be: ONNX files look like an ONNX protobuf,
 * JSON files parse as a JSON object, text files are not an HTML page. The reason when they are not, else
 * null. Used before anything is cached and again on every cached copy read or listed, so an error page
 * served with status 200 is never kept. Weight data (`*.onnx_data`, `*.bin`) is raw and not checked here
 * (its size and SHA-256 are).
 */
export function contentProblem(file: string, bytes: Uint8Array, contentType?: string): string | null {
  const name = file.toLowerCase();
  const raw = /\.(onnx_data|bin|safetensors)$|_data$/.test(name);
  if (!raw && contentType && /^\s*text\/html\b/i.test(contentType)) return 'is an HTML page (served as text/html), not a model file';
  if (name.endsWith('.onnx')) {
    try {
      checkOnnxBytes(file, bytes);
    } catch (err) {
      return (err as ModelFileError).problem;
    }
    return null;
  }
  if (raw) return null;
  if (isHtml(bytes)) return name.endsWith('.json') ? 'is an HTML page, not JSON (a wrong URL or a login page?)' : 'is an HTML page, not a model file';
  if (name.endsWith('.json')) {
    try {
      const v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'is JSON but not an object';
    } catch (err) {
      return `is not valid JSON (${(err as Error).message})`;
    }
  }
  return null;
}

/** Check that ONNX bytes at least look like a protobuf model and not an error page. */
export function checkOnnxBytes(file: string, bytes: Uint8Array): void {
  if (bytes.length === 0) throw new ModelFileError(file, 'is empty');
  if (isHtml(bytes)) throw new ModelFileError(file, 'is an HTML page, not an ONNX model');
  // An ONNX ModelProto starts with field 1 (ir_version, varint): tag byte 0x08.
  if (bytes[0] !== 0x08) throw new ModelFileError(file, 'is not an ONNX model (bad header)');
  if (bytes.length < 64) throw new ModelFileError(file, `is truncated (${bytes.length} bytes)`);
}

async function readStream(
  file: string,
  response: Response,
  onProgress: BytesProgress | undefined,
  signal: AbortSignal | undefined,
  watch?: ReturnType<typeof stallWatch>,
  quietMs = DEFAULT_STALL_MS,
): Promise<Uint8Array> {
  const total = Number(response.headers.get('content-length') ?? 0) || 0;
  if (!response.body) {
    const buf = new Uint8Array(await response.arrayBuffer());
    onProgress?.(buf.length, buf.length);
    return buf;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  onProgress?.(0, total);
  try {
    for (;;) {
      throwIfAborted(signal, `download of ${file}`);
      const { done, value } = await reader.read();
      if (done) break;
      watch?.alive();
      chunks.push(value);
      loaded += value.length;
      onProgress?.(loaded, total);
    }
  } catch (err) {
    void reader.cancel().catch(() => {});
    if (watch?.stalled) throw new StalledDownloadError(file, loaded, total, quietMs);
    if (err instanceof LabAbortError || signal?.aborted) throw new LabAbortError(`download of ${file}`);
    throw new ModelFileError(file, `download broke off after ${loaded} bytes (${(err as Error).message})`);
  }
  if (total && loaded !== total) {
    throw new ModelFileError(file, `is truncated: ${loaded} of ${total} bytes arrived`);
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Length and content hash from the response headers. The hub sends `X-Linked-Size` and
 *  `X-Linked-Etag` (the SHA-256 of LFS files); a plain `ETag` that is 64 hex digits counts too. */
export function metaOf(response: Response): FileMeta {
  const h = response.headers;
  const meta: FileMeta = {};
  const size = Number(h.get('x-linked-size') ?? h.get('content-length') ?? NaN);
  if (Number.isFinite(size) && size >= 0 && !h.get('content-encoding')) meta.size = size;
  for (const tag of [h.get('x-linked-etag'), h.get('etag')]) {
    const m = tag && /^(?:W\/)?"?([0-9a-f]{64})"?$/i.exec(tag.trim());
    if (m) {
      meta.sha256 = m[1]!.toLowerCase();
      break;
    }
  }
  return meta;
}

/** Files under a base URL (folder URL ending in `/`). A server that stops answering (no response,
 *  or no byte for `stallMs`) gives a StalledDownloadError instead of a download that never ends. */
export function urlSource(baseUrl: string, label = baseUrl, fetchImpl: typeof fetch = fetch, opts: { stallMs?: number } = {}): FileSource {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const quietMs = opts.stallMs ?? DEFAULT_STALL_MS;
  return {
    label,
    name: nameOf(label),
    async readBytes(file, options = {}) {
      const url = new URL(file, base).href;
      throwIfAborted(options.signal, `download of ${file}`);
      const watch = stallWatch(quietMs, options.signal);
      // The file is on its way: the page shows it as waiting, not the bytes so far as if all were done.
      options.onProgress?.(0, 0);
      try {
        let response: Response;
        try {
          response = await fetchImpl(url, { signal: watch.signal });
        } catch (err) {
          if (watch.stalled) throw new StalledDownloadError(file, 0, 0, quietMs);
          if (options.signal?.aborted) throw new LabAbortError(`download of ${file}`);
          throw new ModelFileError(file, `could not be fetched from ${url} (${(err as Error).message})`);
        }
        watch.alive();
        if (response.status === 404 || response.status === 410) {
          if (options.optional) return null;
          throw new ModelFileError(file, `is missing (HTTP ${response.status} at ${url})`);
        }
        if (!response.ok) throw new ModelFileError(file, `could not be fetched (HTTP ${response.status} at ${url})`);
        const ct = response.headers.get('content-type');
        options.onMeta?.({ ...metaOf(response), ...(ct ? { contentType: ct } : {}) });
        return await readStream(file, response, options.onProgress, options.signal, watch, quietMs);
      } finally {
        watch.stop();
      }
    },
  };
}


/** Files the user chose from disk (a folder picked or dropped on the page), by path relative to the
 *  model folder (`config.json`, `onnx/model.onnx`). */
export function blobSource(label: string, files: Map<string, Blob>): FileSource {
  return {
    label,
    name: nameOf(label.replace(/^local:/, '')),
    async readBytes(file, options = {}) {
      throwIfAborted(options.signal, `reading ${file}`);
      const blob = files.get(file);
      if (!blob) {
        if (options.optional) return null;
        throw new ModelFileError(file, `is missing from the chosen folder ${label.replace(/^local:/, '')}`);
      }
      options.onProgress?.(0, blob.size);
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await blob.arrayBuffer());
      } catch (err) {
        throw new ModelFileError(file, `could not be read from the chosen folder (${(err as Error).message})`);
      }
      options.onProgress?.(bytes.length, blob.size);
      return bytes;
    },
  };
}

/** The hub's URL layout: `<endpoint>/<org>/<repo>/resolve/<revision>/<file>`. */
export function hubSource(
  id: string,
  options: { endpoint?: string; revision?: string; fetchImpl?: typeof fetch; stallMs?: number } = {},
): FileSource {
  const endpoint = (options.endpoint ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
  const revision = options.revision ?? 'main';
  return urlSource(`${endpoint}/${id}/resolve/${encodeURIComponent(revision)}/`, id, options.fetchImpl, options.stallMs !== undefined ? { stallMs: options.stallMs } : {});
}

export function nameOf(label: string): string {
  const parts = label.replace(/[?#].*$/, '').split(/[\\/]+/).filter(Boolean);
  const resolveAt = parts.indexOf('resolve');
  if (resolveAt >= 2) return parts[resolveAt - 1]!;
  return parts[parts.length - 1] ?? label;
}

/**
 * Why a model source the user gave (a `?base=` parameter, a typed URL) cannot be loaded, or null when
 * it can: an http(s) URL, a path on this site (`./models/lab-base/`, `/models/x/`), a hub id
 * `org/name[@revision]`, or (Node) a folder. Any other scheme (`javascript:`, `data:`, `file:`, …) is
 * refused with a plain message instead of failing later inside the URL parser.
 */
export function modelSourceProblem(source: string): string | null {
  const s = source.trim();
  if (s === '') return 'no model given: type a folder URL or a hub id (org/name)';
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(s)?.[1]?.toLowerCase();
  if (scheme && !['http', 'https', 'blob', 'local'].includes(scheme) && !/^[a-z]:[\\/]/i.test(s)) {
    return `is not a model location: "${scheme}:" addresses cannot be loaded. Give an http(s) URL of a model folder, a path on this site such as ./models/lab-base/, or a hub id such as org/name`;
  }
  return null;
}

/** A hub id looks like `org/name`, optionally `org/name@revision` (no scheme, no leading dot or slash). */
export function looksLikeHubId(s: string): boolean {
  return parseHubId(s) !== null;
}

export function parseHubId(s: string): { id: string; revision: string } | null {
  const m = /^([A-Za-z0-9][\w.-]*\/[\w.-]+?)(?:@([\w./-]+))?$/.exec(s);
  if (!m || s.startsWith('.')) return null;
  return { id: m[1]!, revision: m[2] ?? 'main' };
}

/** File name of an ONNX weight variant in the hub layout used by transformers.js exports. */
export function onnxFileFor(dtype: string): string {
  const suffix: Record<string, string> = {
    fp32: '',
    fp16: '_fp16',
    q8: '_quantized',
    int8: '_int8',
    uint8: '_uint8',
    q4: '_q4',
    q4f16: '_q4f16',
    bnb4: '_bnb4',
  };
  if (!(dtype in suffix)) throw new RangeError(`unknown dtype ${dtype}`);
  return `onnx/model${suffix[dtype]}.onnx`;
}
