/**
 * The Node-only halves of the file sources and the model cache: a model folder on disk and the
 * `--cache-dir` store. Kept apart from files.ts and cache.ts so the browser bundle never imports a Node
 * module (no "externalized for browser compatibility" warnings, nothing Node-only in the page).
 */
import * as fsp from 'node:fs/promises';
import { readFile, stat } from 'node:fs/promises';
import * as pathm from 'node:path';
import { join } from 'node:path';
import { verify, summarize, type CachedFileMeta, type CachedModel, type ModelCache } from './cache';
import { throwIfAborted, ModelFileError } from './errors';
import { nameOf, type FileSource } from './files';

/** Files in a folder on disk. */
export function folderSource(folder: string): FileSource {
  return {
    label: folder,
    name: nameOf(folder),
    async readBytes(file, options = {}) {
      throwIfAborted(options.signal, `reading ${file}`);
      const path = join(folder, file);
      let size: number;
      try {
        size = (await stat(path)).size;
      } catch {
        if (options.optional) return null;
        throw new ModelFileError(file, `is missing (looked for ${path})`);
      }
      options.onProgress?.(0, size);
      const buf = await readFile(path);
      options.onProgress?.(buf.length, size);
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    },
  };
}

/** `<dir>/<key>/<file>` with `<file>.meta.json` beside it; written to a temporary name, then renamed. */
export function folderCache(dir: string): ModelCache {
  const safe = (key: string) => key.replace(/[^\w.@-]+/g, '_');
  const where = (key: string, file: string) => pathm.join(dir, safe(key), ...file.split('/'));
  return {
    async read(key, file) {
      const { readFile } = fsp;
      const path = where(key, file);
      let meta: CachedFileMeta;
      try {
        meta = JSON.parse(await readFile(`${path}.meta.json`, 'utf8')) as CachedFileMeta;
      } catch {
        return null;
      }
      let buf: Buffer;
      try {
        buf = await readFile(path);
      } catch {
        return { corrupt: 'is missing from the cache folder' };
      }
      const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      const problem = await verify(bytes, meta, file);
      return problem ? { corrupt: problem } : { bytes, meta };
    },
    async write(key, file, bytes, meta) {
      const { mkdir, writeFile, rename } = fsp;
      const { dirname } = pathm;
      const path = where(key, file);
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.partial-${process.pid}-${Date.now()}`;
      try {
        await writeFile(tmp, bytes);
      } catch (err) {
        await fsp.rm(tmp, { force: true }).catch(() => {});
        throw err;
      }
      await rename(tmp, path);
      await writeFile(`${path}.meta.json.tmp`, JSON.stringify(meta));
      await rename(`${path}.meta.json.tmp`, `${path}.meta.json`);
    },
    async remove(key, file) {
      const { rm } = fsp;
      if (file) {
        const path = where(key, file);
        await rm(`${path}.meta.json`, { force: true });
        await rm(path, { force: true });
      } else {
        await rm(pathm.join(dir, safe(key)), { recursive: true, force: true });
      }
    },
    async list() {
      const { readdir, readFile } = fsp;
      const { join, relative } = pathm;
      const out: CachedModel[] = [];
      let keys: string[] = [];
      try {
        keys = await readdir(dir);
      } catch {
        return out;
      }
      for (const key of keys) {
        const files: CachedModel['files'] = [];
        const entries = await readdir(join(dir, key), { recursive: true });
        for (const e of entries) {
          if (!String(e).endsWith('.meta.json')) continue;
          const file = relative(join(dir, key), join(dir, key, String(e).slice(0, -'.meta.json'.length))).split('\\').join('/');
          let meta: CachedFileMeta;
          try {
            meta = JSON.parse(await readFile(join(dir, key, String(e)), 'utf8')) as CachedFileMeta;
          } catch {
            files.push({ file, size: 0, problem: 'has an unreadable record in the cache folder' });
            continue;
          }
          // Verified as listed: size, SHA-256 and content, the same checks a load makes.
          let problem: string | null;
          try {
            const buf = await readFile(join(dir, key, String(e).slice(0, -'.meta.json'.length)));
            problem = await verify(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), meta, file);
          } catch {
            problem = 'is missing from the cache folder';
          }
          files.push({ file, size: meta.size, ...(problem ? { problem } : {}) });
        }
        if (files.length) out.push(summarize(key, files));
      }
      return out;
    },
  };
}
