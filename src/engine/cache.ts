/**
 * A model cache users can trust: files are stored only once they arrived whole (size checked against
 * the server's length, and the SHA-256 content hash where the hub gives one), written atomically, and
 * checked again when read. A truncated or corrupt cached file is fetched again, or reported clearly
 * (naming the file) when the network is gone. Two stores: a folder on disk (Node, `--cache-dir`) and the
 * browser's Cache API (page and workers). DOM-free.
 */
import { LabAbortError, ModelFileError } from './errors';
import { contentProblem, type FileMeta, type FileSource } from './files';

export interface CachedFileMeta {
  size: number;
  sha256?: string;
  storedAt: number;
}

export interface CachedModel {
  key: string;
  /** Each stored file, checked as it is listed: `problem` says why a copy is unusable (it will be
   *  fetched again on the next load, or can be deleted). */
  files: { file: string; size: number; problem?: string }[];
  bytes: number;
  /** Files with a problem; 0 when every listed copy was verified. */
  damaged: number;
}

export type CacheRead = { bytes: Uint8Array; meta: CachedFileMeta } | { corrupt: string } | null;

export interface ModelCache {
  /** A verified copy, `{corrupt}` with the reason when the stored copy is damaged, or null. */
  read(key: string, file: string): Promise<CacheRead>;
  write(key: string, file: string, bytes: Uint8Array, meta: CachedFileMeta): Promise<void>;
  remove(key: string, file?: string): Promise<void>;
  list(): Promise<CachedModel[]>;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Check bytes against what the server or the store said about them; a reason when they disagree.
 *  With `file`, also that the bytes are what a file of that name must be (no HTML page as model.onnx). */
export async function verify(bytes: Uint8Array, meta: { size?: number; sha256?: string }, file?: string): Promise<string | null> {
  if (meta.size !== undefined && bytes.length !== meta.size) return `has ${bytes.length} of ${meta.size} bytes (truncated)`;
  if (meta.sha256) {
    const got = await sha256Hex(bytes);
    if (got !== meta.sha256) return `does not match its SHA-256 (${got.slice(0, 12)}… instead of ${meta.sha256.slice(0, 12)}…)`;
  }
  return file === undefined ? null : contentProblem(file, bytes);
}

export function summarize(key: string, files: CachedModel['files']): CachedModel {
  return { key, files, bytes: files.reduce((s, f) => s + f.size, 0), damaged: files.filter((f) => f.problem).length };
}

export interface StorageEstimate {
  usage: number;
  quota: number;
}

/** The browser's own storage figures, where it gives them. */
async function browserEstimate(): Promise<StorageEstimate | null> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (!storage?.estimate) return null;
  try {
    const e = await storage.estimate();
    return { usage: e.usage ?? 0, quota: e.quota ?? 0 };
  } catch {
    return null;
  }
}

/** A write refused for lack of space: the Cache API's QuotaExceededError (any browser's spelling), or a
 *  full disk / disk quota in Node. */
export function isQuotaError(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  return e.name === 'QuotaExceededError' || e.name === 'NS_ERROR_DOM_QUOTA_REACHED' || e.code === 22 || e.code === 1014 || e.code === 'ENOSPC' || e.code === 'EDQUOT';
}

function mb(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(2)} GB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * A file source that serves verified cached copies first and stores what it downloads. `key` names the
 * model and revision (e.g. `huggingface.co/org/repo@main`). A store that is full (QuotaExceeded) or
 * fails to write never stops the model: the file is used from memory, nothing partial stays in the
 * store, and `notes` says so with the storage figures.
 */
export function cachedSource(
  inner: FileSource,
  cache: ModelCache,
  key: string,
  options: { estimate?: () => Promise<StorageEstimate | null>; freeSpace?: string } = {},
): FileSource {
  const notes: string[] = [];
  const skipped: { file: string; bytes: number }[] = [];
  let reason = '';
  const estimate = options.estimate ?? browserEstimate;
  const note = async () => {
    const e = await estimate().catch(() => null);
    const figures = e ? ` (storage: ${mb(e.usage)} used of ${mb(e.quota)})` : '';
    const total = skipped.reduce((s, f) => s + f.bytes, 0);
    notes.length = 0;
    notes.push(
      `Not stored for next time: ${skipped.map((f) => f.file).join(', ')} (${mb(total)}) ${reason}${figures}. ` +
        `The model runs from memory now and will be downloaded again next time; ${options.freeSpace ?? 'free space under Models → Models in this browser'}.`,
    );
  };
  return {
    label: inner.label,
    name: inner.name,
    notes,
    async readBytes(file, options = {}) {
      const hit = await cache.read(key, file);
      let damaged: string | null = null;
      if (hit && 'bytes' in hit) {
        options.onProgress?.(hit.bytes.length, hit.bytes.length);
        return hit.bytes;
      }
      // A damaged copy stays until a verified one replaces it (atomically), so the error repeats clearly.
      if (hit && 'corrupt' in hit) damaged = hit.corrupt;
      let meta: FileMeta = {};
      let bytes: Uint8Array | null;
      try {
        bytes = await inner.readBytes(file, { ...options, onMeta: (m) => (meta = m) });
      } catch (err) {
        if (err instanceof LabAbortError) throw err;
        if (damaged && err instanceof ModelFileError) {
          throw new ModelFileError(file, `the cached copy ${damaged} and a fresh copy could not be fetched (${err.problem})`);
        }
        throw err;
      }
      if (bytes === null) return null;
      const problem = await verify(bytes, meta);
      if (problem) throw new ModelFileError(file, `the download ${problem}; nothing was cached`);
      // An error or login page served with status 200 is refused before it can poison the cache.
      const wrong = contentProblem(file, bytes) ?? contentProblem(file, bytes, meta.contentType);
      if (wrong) throw new ModelFileError(file, `${wrong}; nothing was cached, press Retry once the server is fixed`);
      try {
        await cache.write(key, file, bytes, { size: bytes.length, ...(meta.sha256 ? { sha256: meta.sha256 } : {}), storedAt: Date.now() });
      } catch (err) {
        // Run from memory: the bytes are verified; only the copy for next time is lost.
        await cache.remove(key, file).catch(() => {});
        reason = isQuotaError(err) ? 'because the storage quota is full' : `because the cache refused it (${(err as Error)?.message ?? String(err)})`;
        skipped.push({ file, bytes: bytes.length });
        await note();
      }
      return bytes;
    },
  };
}


// ——— Browser: the Cache API ———

const CACHE_NAME = 'world-prior-lab-models-v1';
const ORIGIN = 'https://model-cache.invalid/';

/** Model files in the browser's Cache API (available in pages and workers). */
export function browserCache(cacheName = CACHE_NAME): ModelCache {
  const url = (key: string, file: string) => `${ORIGIN}${encodeURIComponent(key)}/${file}`;
  const open = () => caches.open(cacheName);
  const store: ModelCache = {
    async read(key, file) {
      const res = await (await open()).match(url(key, file));
      if (!res) return null;
      const meta = JSON.parse(res.headers.get('x-wpl-meta') ?? '{}') as CachedFileMeta;
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await res.arrayBuffer());
      } catch {
        return { corrupt: 'could not be read from the browser cache' };
      }
      const problem = await verify(bytes, meta, file);
      return problem ? { corrupt: problem } : { bytes, meta };
    },
    async write(key, file, bytes, meta) {
      const res = new Response(bytes as Uint8Array<ArrayBuffer>, {
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length), 'x-wpl-meta': JSON.stringify(meta) },
      });
      await (await open()).put(url(key, file), res);
    },
    async remove(key, file) {
      const cache = await open();
      if (file) {
        await cache.delete(url(key, file));
        return;
      }
      for (const req of await cache.keys()) if (req.url.startsWith(`${ORIGIN}${encodeURIComponent(key)}/`)) await cache.delete(req);
    },
    async list() {
      const cache = await open();
      const byKey = new Map<string, CachedModel['files']>();
      for (const req of await cache.keys()) {
        if (!req.url.startsWith(ORIGIN)) continue;
        const rest = req.url.slice(ORIGIN.length);
        const slash = rest.indexOf('/');
        const key = decodeURIComponent(rest.slice(0, slash));
        const file = rest.slice(slash + 1);
        // Verified as listed: size, SHA-256 and content, the same checks a load makes.
        const read = await store.read(key, file);
        const res = read && 'bytes' in read ? null : await cache.match(req);
        const meta = read && 'bytes' in read ? read.meta : (JSON.parse(res?.headers.get('x-wpl-meta') ?? '{}') as CachedFileMeta);
        const problem = read === null ? 'disappeared from the browser cache' : 'corrupt' in read ? read.corrupt : null;
        const files = byKey.get(key) ?? [];
        files.push({ file, size: meta.size ?? 0, ...(problem ? { problem } : {}) });
        byKey.set(key, files);
      }
      return [...byKey].map(([key, files]) => summarize(key, files));
    },
  };
  return store;
}

/** The cache key of a hub model: repo and revision. Not the endpoint: a mirror serves the same files,
 *  and a model cached from one endpoint must still open when that endpoint is unreachable. */
export function hubCacheKey(id: string, _endpoint: string, revision: string): string {
  return `${id}@${revision}`;
}
