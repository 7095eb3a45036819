/**
 * The run library on IndexedDB, through idb-keyval (issue #14). One key per run (its id), so two tabs
 * writing different runs never clobber each other; every change to one run (rename, notes, pin) is one
 * read-modify-write transaction (`update`); an import is one transaction (all runs or none).
 *
 * Faults become two typed errors the page can explain, and nothing is ever half-written:
 * - `LibraryFullError`: the browser's storage quota is used up (QuotaExceededError); the transaction
 *   was aborted, so nothing of the run was stored.
 * - `LibraryUnavailableError`: no IndexedDB (some private modes), the database would not open (blocked,
 *   refused), or the connection was closed (InvalidStateError) and reopening it failed too.
 *
 * DOM-free apart from the IndexedDB API itself (browsers; `fake-indexeddb` in the unit tests).
 */
import { del, get, promisifyRequest, set, update, values, type UseStore } from 'idb-keyval';
import type { ExperimentKind, RunRecord } from '../experiments/types';
import { modelName, readRecord } from './records';

export const LIBRARY_DB = 'world-prior-lab-library';
export const LIBRARY_STORE = 'runs';

/** The browser's storage is full: nothing of the run was stored. */
export class LibraryFullError extends Error {
  override readonly name = 'LibraryFullError' as const;
  constructor(message = 'The library is full: the browser has no storage left for this site. Delete runs you no longer need (or export them first), then save again.', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The library cannot be used now (no IndexedDB, blocked, closed): the page keeps working without it. */
export class LibraryUnavailableError extends Error {
  override readonly name = 'LibraryUnavailableError' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** No run with this id (deleted in another tab, for instance). */
export class RunNotFoundError extends Error {
  override readonly name = 'RunNotFoundError' as const;
  constructor(readonly id: string) {
    super(`no run with id ${id} in the library (deleted in another tab?)`);
  }
}

/** Some runs of an import are already in the library (an id taken between reading the file and writing). */
export class DuplicateRunError extends Error {
  override readonly name = 'DuplicateRunError' as const;
  constructor(readonly id: string) {
    super(`a run with id ${id} is already in the library; nothing was imported`);
  }
}

/** A store for idb-keyval, like its `createStore`, but a connection that closes (another tab deletes or
 *  upgrades the database: versionchange; the browser closes it) is dropped and reopened on the next call,
 *  and an open that is blocked fails instead of hanging. */
export interface LibraryStore {
  use: UseStore;
  /** Close the connection (tests; the next call reopens). */
  close(): void;
}

export function libraryStore(dbName = LIBRARY_DB, storeName = LIBRARY_STORE, factory: IDBFactory | undefined = globalThis.indexedDB): LibraryStore {
  let dbp: Promise<IDBDatabase> | undefined;
  const open = (): Promise<IDBDatabase> => {
    if (dbp) return dbp;
    if (!factory) return Promise.reject(new LibraryUnavailableError('This browser gives the page no IndexedDB (a private window?): runs are not saved, but everything else works.'));
    const p = new Promise<IDBDatabase>((resolve, reject) => {
      let request: IDBOpenDBRequest;
      try {
        request = factory.open(dbName);
      } catch (err) {
        reject(err);
        return;
      }
      let settled = false;
      request.onupgradeneeded = () => {
        if (!request.result.objectStoreNames.contains(storeName)) request.result.createObjectStore(storeName);
      };
      request.onsuccess = () => {
        const db = request.result;
        if (settled) return void db.close(); // opened after we gave up on it (blocked)
        settled = true;
        const drop = () => {
          if (dbp === p) dbp = undefined;
        };
        db.onclose = drop;
        db.onversionchange = () => {
          drop();
          db.close();
        };
        resolve(db);
      };
      request.onerror = () => {
        settled = true;
        reject(request.error);
      };
      request.onblocked = () => {
        if (settled) return;
        settled = true;
        reject(new LibraryUnavailableError('The library is blocked by another tab of the lab that holds an older version open; close the other tabs and reload.'));
      };
    });
    dbp = p;
    p.catch(() => {
      if (dbp === p) dbp = undefined;
    });
    return p;
  };
  return {
    use: (mode, callback) => open().then((db) => callback(db.transaction(storeName, mode).objectStore(storeName))),
    close() {
      const p = dbp;
      dbp = undefined;
      void p?.then((db) => db.close(), () => undefined);
    },
  };
}

/** Maps IndexedDB failures to the library's typed errors (others pass through). */
export function libraryError(err: unknown): unknown {
  if (err instanceof LibraryFullError || err instanceof LibraryUnavailableError) return err;
  const name = err && typeof err === 'object' && 'name' in err ? String((err as { name: unknown }).name) : '';
  const msg = err instanceof Error || (err && typeof err === 'object' && 'message' in err) ? String((err as { message: unknown }).message) : String(err);
  if (name === 'QuotaExceededError') return new LibraryFullError(undefined, { cause: err });
  if (['InvalidStateError', 'UnknownError', 'VersionError', 'SecurityError', 'NotFoundError', 'TransactionInactiveError'].includes(name) || (name === 'AbortError' && /transaction|database|connection/i.test(msg))) {
    return new LibraryUnavailableError(`The library cannot be reached (${name}: ${msg}); runs are not saved until the page is reloaded, but everything else works.`, { cause: err });
  }
  if (err instanceof ReferenceError && /indexedDB/.test(msg)) return new LibraryUnavailableError('This browser gives the page no IndexedDB: runs are not saved, but everything else works.', { cause: err });
  return err;
}

export type LibrarySort = 'time' | 'title' | 'pinned';

export interface LibraryQuery {
  /** Words that must all appear (case-insensitive) in the title, the notes or the prompt. */
  text?: string;
  kind?: ExperimentKind | '';
  /** A model name (`lab-base`, `org/name`) either side of the spec uses. */
  model?: string;
  sort?: LibrarySort;
}

export interface LibraryListing {
  runs: RunRecord[];
  /** Stored values that are not valid runs (e.g. written by a newer lab), left alone. */
  unreadable: number;
}

export interface StorageUsed {
  runs: number;
  /** Bytes of the runs as JSON (UTF-8): what an export of the whole library would weigh. */
  bytes: number;
  /** The browser's estimate for the whole site (models cache included), when it gives one. */
  usage: number | null;
  quota: number | null;
}

/** The model names a record's spec uses (both sides). */
export function modelsOf(r: RunRecord): string[] {
  return [modelName(r.spec.models.base), modelName(r.spec.models.tuned)].filter(Boolean);
}

/** Filter and sort records (the Library view's list). Exported for tests and for lists already in memory. */
export function queryRuns(runs: readonly RunRecord[], q: LibraryQuery = {}): RunRecord[] {
  const words = (q.text ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const out = runs.filter((r) => {
    if (q.kind && r.kind !== q.kind) return false;
    if (q.model && !modelsOf(r).includes(q.model)) return false;
    if (words.length) {
      const hay = `${r.title}\n${r.notes}\n${r.spec.prompt}`.toLowerCase();
      if (!words.every((w) => hay.includes(w))) return false;
    }
    return true;
  });
  const newest = (a: RunRecord, b: RunRecord) => (a.created < b.created ? 1 : a.created > b.created ? -1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const sort = q.sort ?? 'time';
  if (sort === 'time') out.sort(newest);
  else if (sort === 'title') out.sort((a, b) => a.title.localeCompare(b.title) || newest(a, b));
  else out.sort((a, b) => Number(b.pinned) - Number(a.pinned) || newest(a, b));
  return out;
}

export function byteSize(r: unknown): number {
  return new TextEncoder().encode(JSON.stringify(r)).length;
}

export interface RunLibraryOptions {
  /** The idb-keyval store (default: `libraryStore()` on the page's IndexedDB). */
  store?: LibraryStore;
  /** Storage estimate (default: navigator.storage.estimate when present). */
  estimate?: () => Promise<{ usage?: number; quota?: number }>;
}

export class RunLibrary {
  private readonly store: LibraryStore;
  private readonly estimate: (() => Promise<{ usage?: number; quota?: number }>) | null;

  constructor(o: RunLibraryOptions = {}) {
    this.store = o.store ?? libraryStore();
    const nav = (globalThis as { navigator?: { storage?: { estimate?: () => Promise<StorageEstimate> } } }).navigator;
    this.estimate = o.estimate ?? (nav?.storage?.estimate ? () => nav.storage!.estimate!() : null);
  }

  /** One operation; a connection found closed is reopened once (nothing was done on it: the transaction
   *  could not even start), then failures become LibraryFullError / LibraryUnavailableError. */
  private async op<T>(f: (s: UseStore) => Promise<T>): Promise<T> {
    try {
      return await f(this.store.use);
    } catch (err) {
      const name = err && typeof err === 'object' && 'name' in err ? (err as { name: unknown }).name : '';
      if (name !== 'InvalidStateError') throw libraryError(err);
      this.store.close();
      try {
        return await f(this.store.use);
      } catch (again) {
        throw libraryError(again);
      }
    }
  }

  /** Every run (checked; invalid stored values are counted, not returned). */
  async all(): Promise<LibraryListing> {
    const stored = await this.op((s) => values<unknown>(s));
    const runs: RunRecord[] = [];
    let unreadable = 0;
    for (const v of stored) {
      try {
        runs.push(readRecord(v));
      } catch {
        unreadable++;
      }
    }
    return { runs, unreadable };
  }

  async list(q: LibraryQuery = {}): Promise<LibraryListing> {
    const { runs, unreadable } = await this.all();
    return { runs: queryRuns(runs, q), unreadable };
  }

  async ids(): Promise<Set<string>> {
    const { runs } = await this.all();
    return new Set(runs.map((r) => r.id));
  }

  async get(id: string): Promise<RunRecord | null> {
    const v = await this.op((s) => get<unknown>(id, s));
    return v === undefined ? null : readRecord(v);
  }

  /** Save one run (checked first; one put). Overwrites a run with the same id. */
  async put(record: RunRecord): Promise<void> {
    const r = readRecord(record);
    await this.op((s) => set(r.id, r, s));
  }

  /** Add runs that must be new (an import): one transaction, all or nothing; an id already present
   *  aborts it with DuplicateRunError. */
  async addAll(records: readonly RunRecord[]): Promise<void> {
    const rs = records.map((r) => readRecord(r));
    await this.op((s) =>
      s('readwrite', (store) => {
        const tx = store.transaction;
        let failed: Error | null = null;
        for (const r of rs) {
          const req = store.add(r, r.id);
          req.onerror = (e) => {
            if (req.error?.name === 'ConstraintError') {
              e.preventDefault();
              tx.abort();
              failed = new DuplicateRunError(r.id);
            }
          };
        }
        return promisifyRequest(tx).then(
          () => undefined,
          (err: unknown) => {
            throw failed ?? err ?? new LibraryUnavailableError('the import was aborted by the browser');
          },
        );
      }),
    );
  }

  private async change(id: string, f: (r: RunRecord) => RunRecord): Promise<RunRecord> {
    let out: RunRecord | null = null;
    await this.op((s) =>
      update<unknown>(
        id,
        (old) => {
          if (old === undefined) throw new RunNotFoundError(id);
          out = readRecord(f(readRecord(old)));
          return out;
        },
        s,
      ),
    );
    return out!;
  }

  rename(id: string, title: string): Promise<RunRecord> {
    return this.change(id, (r) => ({ ...r, title }));
  }

  annotate(id: string, notes: string): Promise<RunRecord> {
    return this.change(id, (r) => ({ ...r, notes }));
  }

  pin(id: string, pinned: boolean): Promise<RunRecord> {
    return this.change(id, (r) => ({ ...r, pinned }));
  }

  /** Delete a run; returns it (for Undo: `put` it back), or null when it was not there. */
  async delete(id: string): Promise<RunRecord | null> {
    const old = await this.get(id).catch((err: unknown) => {
      if (err instanceof LibraryFullError || err instanceof LibraryUnavailableError) throw err;
      return null; // an unreadable value is deleted all the same
    });
    await this.op((s) => del(id, s));
    return old;
  }

  async used(): Promise<StorageUsed> {
    const stored = await this.op((s) => values<unknown>(s));
    let bytes = 0;
    for (const v of stored) bytes += byteSize(v);
    let usage: number | null = null;
    let quota: number | null = null;
    if (this.estimate) {
      try {
        const e = await this.estimate();
        usage = typeof e.usage === 'number' ? e.usage : null;
        quota = typeof e.quota === 'number' ? e.quota : null;
      } catch {
        /* no estimate: the runs' own size is still shown */
      }
    }
    return { runs: stored.length, bytes, usage, quota };
  }
}
