import { IDBFactory } from 'fake-indexeddb';
import { set } from 'idb-keyval';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNNERS } from '../experiments/registry';
import { sampleRecord, sampleSpec, LAB_RL } from './fixtures';
import { exportText, readImport } from './records';
import { byteSize, DuplicateRunError, LibraryFullError, libraryStore, LibraryUnavailableError, queryRuns, RunLibrary, RunNotFoundError, type LibraryStore } from './store';

// Stand-in data for the kinds (see fixtures.ts): run with an empty registry, restored afterwards.
const registered = { ...RUNNERS };
beforeAll(() => {
  for (const k of Object.keys(RUNNERS)) delete RUNNERS[k as keyof typeof RUNNERS];
});
afterAll(() => Object.assign(RUNNERS, registered));

function fresh(factory = new IDBFactory()) {
  const store = libraryStore('lib-test', 'runs', factory);
  return { factory, store, lib: new RunLibrary({ store, estimate: async () => ({ usage: 1234, quota: 99999 }) }) };
}

/** A store whose write transactions fail like a full disk in a browser: the transaction aborts and the
 *  promise rejects with a QuotaExceededError DOMException. */
function quotaStore(inner: LibraryStore, full: { on: boolean }): LibraryStore {
  return {
    close: () => inner.close(),
    use: (mode, cb) =>
      inner.use(mode, (store) => {
        if (!full.on || mode !== 'readwrite') return cb(store);
        const p = Promise.resolve(cb(store));
        store.transaction.abort();
        const quota = () => {
          throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        };
        return p.then(quota, quota);
      }),
  };
}

/** A store whose connection reports InvalidStateError (closed) for the next `n` calls. */
function closingStore(inner: LibraryStore, fails: { n: number }): LibraryStore {
  return {
    close: () => inner.close(),
    use: (mode, cb) => {
      if (fails.n > 0) {
        fails.n--;
        return Promise.reject(new DOMException('The database connection is closing.', 'InvalidStateError'));
      }
      return inner.use(mode, cb);
    },
  };
}

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('RunLibrary (fake IndexedDB)', () => {
  it('CRUD: put, get, rename, annotate, pin, delete (and put back); each change persists for a new connection', async () => {
    const { factory, lib } = fresh();
    const a = sampleRecord('a');
    await lib.put(a);
    expect(await lib.get('a')).toEqual(a);
    expect(await lib.get('nope')).toBeNull();
    expect(await lib.rename('a', 'Renamed')).toEqual({ ...a, title: 'Renamed' });
    await lib.annotate('a', 'Student notes: <b>bold?</b>');
    await lib.pin('a', true);
    const other = fresh(factory).lib; // another connection (another tab)
    expect(await other.get('a')).toEqual({ ...a, title: 'Renamed', notes: 'Student notes: <b>bold?</b>', pinned: true });
    const removed = await lib.delete('a');
    expect(removed).toEqual({ ...a, title: 'Renamed', notes: 'Student notes: <b>bold?</b>', pinned: true });
    expect(await other.get('a')).toBeNull();
    await lib.put(removed!); // undo
    expect(await other.get('a')).toEqual(removed);
    expect(await lib.delete('missing')).toBeNull();
  });

  it('changing a run that is gone fails with RunNotFoundError and creates nothing', async () => {
    const { lib } = fresh();
    expect(await errorOf(lib.rename('ghost', 'x'))).toBeInstanceOf(RunNotFoundError);
    expect(await errorOf(lib.pin('ghost', true))).toMatchObject({ name: 'RunNotFoundError' });
    expect((await lib.all()).runs).toEqual([]);
  });

  it('refuses to store an invalid record', async () => {
    const { lib } = fresh();
    expect(await errorOf(lib.put({ ...sampleRecord('a'), created: 'now' }))).toMatchObject({ name: 'ExperimentDataError' });
    expect(await errorOf(lib.rename('a', 'x'.repeat(600)))).toMatchObject({ name: 'RunNotFoundError' });
    await lib.put(sampleRecord('a'));
    expect(await errorOf(lib.rename('a', 'x'.repeat(600)))).toMatchObject({ name: 'ExperimentDataError' });
    expect((await lib.get('a'))!.title).toBe('Run a');
  });

  it('lists with search over title, notes and prompt, filters by kind and model, sorts by time, title, pinned', async () => {
    const { lib } = fresh();
    const runs = [
      sampleRecord('1', { title: 'Bugs on SFT', created: '2026-11-30T10:00:00.000Z' }),
      sampleRecord('2', { title: 'apple sweep', kind: 'sweep', spec: sampleSpec('sweep', 'Pick a number'), created: '2026-11-30T11:00:00.000Z', notes: 'RL collapses' }),
      sampleRecord('3', { title: 'Zebra', spec: sampleSpec('compare', 'Tell me a joke', LAB_RL), created: '2026-11-30T09:00:00.000Z', pinned: true }),
    ];
    await Promise.all(runs.map((r) => lib.put(r)));
    const ids = async (q: Parameters<RunLibrary['list']>[0]) => (await lib.list(q)).runs.map((r) => r.id);
    expect(await ids({})).toEqual(['2', '1', '3']);
    expect(await ids({ sort: 'title' })).toEqual(['2', '1', '3']);
    expect(await ids({ sort: 'pinned' })).toEqual(['3', '2', '1']);
    expect(await ids({ kind: 'compare' })).toEqual(['1', '3']);
    expect(await ids({ model: 'lab-rl' })).toEqual(['3']);
    expect(await ids({ model: 'lab-base', sort: 'title' })).toEqual(['2', '1', '3']);
    expect(await ids({ text: 'collapses' })).toEqual(['2']);
    expect(await ids({ text: 'JOKE' })).toEqual(['3']);
    expect(await ids({ text: 'bugs sft' })).toEqual(['1']);
    expect(await ids({ text: 'bugs joke' })).toEqual([]);
    expect(await ids({ text: 'real', kind: 'compare', model: 'lab-sft' })).toEqual(['1']);
    expect(queryRuns(runs, { sort: 'title' }).map((r) => r.title)).toEqual(['apple sweep', 'Bugs on SFT', 'Zebra']);
  });

  it('counts stored values that are not runs instead of failing the list', async () => {
    const { store, lib } = fresh();
    await lib.put(sampleRecord('good'));
    await set('junk', { id: 'junk', kind: 'compare', result: { x: 1 } }, store.use);
    const { runs, unreadable } = await lib.list();
    expect(runs.map((r) => r.id)).toEqual(['good']);
    expect(unreadable).toBe(1);
    expect(await lib.delete('junk')).toBeNull();
    expect((await lib.list()).unreadable).toBe(0);
  });

  it('storage used: the runs as JSON bytes, and the browser estimate', async () => {
    const { lib } = fresh();
    const rs = [sampleRecord('a', { notes: 'é'.repeat(100) }), sampleRecord('b')];
    for (const r of rs) await lib.put(r);
    const used = await lib.used();
    expect(used).toEqual({ runs: 2, bytes: rs.reduce((s, r) => s + new TextEncoder().encode(JSON.stringify(r)).length, 0), usage: 1234, quota: 99999 });
    expect(byteSize(rs[0])).toBe(new TextEncoder().encode(JSON.stringify(rs[0])).length);
    const noEstimate = new RunLibrary({ store: libraryStore('lib-test', 'runs', new IDBFactory()), estimate: () => Promise.reject(new Error('no')) });
    expect(await noEstimate.used()).toEqual({ runs: 0, bytes: 0, usage: null, quota: null });
  });

  it('imports all runs in one transaction: an id already there aborts it and nothing is written', async () => {
    const { lib } = fresh();
    await lib.put(sampleRecord('b'));
    const err = await errorOf(lib.addAll([sampleRecord('a'), sampleRecord('b', { title: 'other' }), sampleRecord('c')]));
    expect(err).toBeInstanceOf(DuplicateRunError);
    expect(err.message).toMatch(/id b is already in the library; nothing was imported/);
    expect((await lib.list({ sort: 'title' })).runs).toEqual([sampleRecord('b')]);
    await lib.addAll([sampleRecord('a'), sampleRecord('c')]);
    expect((await lib.ids())).toEqual(new Set(['a', 'b', 'c']));
  });

  it('export → import through the store round-trips to identical data', async () => {
    const src = fresh().lib;
    const dst = fresh().lib;
    const rs = [sampleRecord('x', { pinned: true, notes: 'n' }), sampleRecord('y', { kind: 'sweep', spec: sampleSpec('sweep') })];
    for (const r of rs) await src.put(r);
    const text = exportText((await src.list({ sort: 'title' })).runs);
    const plan = readImport(text, { existingIds: await dst.ids(), newId: () => 'n', now: new Date(), appVersion: 't' });
    await dst.addAll(plan.runs);
    expect((await dst.list({ sort: 'title' })).runs).toEqual(rs);
    expect(exportText((await dst.list({ sort: 'title' })).runs)).toBe(text);
  });

  it('quota exceeded: LibraryFullError, nothing half-written, and the library still reads', async () => {
    const factory = new IDBFactory();
    const full = { on: false };
    const lib = new RunLibrary({ store: quotaStore(libraryStore('q', 'runs', factory), full) });
    await lib.put(sampleRecord('kept'));
    full.on = true;
    const err = await errorOf(lib.put(sampleRecord('big')));
    expect(err).toBeInstanceOf(LibraryFullError);
    expect(err.name).toBe('LibraryFullError');
    expect(err.message).toMatch(/library is full/);
    expect(await errorOf(lib.addAll([sampleRecord('i1'), sampleRecord('i2')]))).toBeInstanceOf(LibraryFullError);
    expect(await errorOf(lib.rename('kept', 'new title'))).toBeInstanceOf(LibraryFullError);
    full.on = false;
    expect((await lib.list()).runs).toEqual([sampleRecord('kept')]);
  });

  it('a closed connection is reopened once; closed again, LibraryUnavailableError (and the data is intact)', async () => {
    const { factory, store, lib: plain } = fresh();
    await plain.put(sampleRecord('a'));
    const fails = { n: 1 };
    const lib = new RunLibrary({ store: closingStore(store, fails) });
    expect(await lib.get('a')).toEqual(sampleRecord('a')); // one InvalidStateError: reopened
    fails.n = 2;
    const err = await errorOf(lib.put(sampleRecord('b')));
    expect(err).toBeInstanceOf(LibraryUnavailableError);
    expect(err.message).toMatch(/cannot be reached \(InvalidStateError/);
    expect(await fresh(factory).lib.ids()).toEqual(new Set(['a']));
  });

  it('a real closed connection (db.close) is reopened transparently', async () => {
    const { store, lib } = fresh();
    await lib.put(sampleRecord('a'));
    // Close the live connection under the store's feet (idb-keyval's createStore would keep using it).
    await store.use('readonly', (s) => s.transaction.db.close());
    expect(await lib.get('a')).toEqual(sampleRecord('a'));
    await lib.put(sampleRecord('b'));
    expect(await lib.ids()).toEqual(new Set(['a', 'b']));
  });

  it('another tab upgrading the database (versionchange): this connection steps aside and reopens', async () => {
    const { factory, lib } = fresh();
    await lib.put(sampleRecord('a'));
    const upgraded = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = factory.open('lib-test', 2);
      req.onupgradeneeded = () => req.result.createObjectStore('extra');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
      req.onblocked = () => reject(new Error('blocked: the library kept its connection open'));
    });
    upgraded.close();
    expect(await lib.get('a')).toEqual(sampleRecord('a'));
  });

  it('no IndexedDB, or an open that fails: LibraryUnavailableError', async () => {
    const none = new RunLibrary({ store: libraryStore('x', 'runs', undefined as unknown as IDBFactory) });
    const err = await errorOf(none.list());
    expect(err).toBeInstanceOf(LibraryUnavailableError);
    expect(err.message).toMatch(/no IndexedDB/);
    const broken = { open: () => { throw new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError'); } } as unknown as IDBFactory;
    expect(await errorOf(new RunLibrary({ store: libraryStore('x', 'runs', broken) }).put(sampleRecord('a')))).toBeInstanceOf(LibraryUnavailableError);
    const refused = {
      open: () => {
        const req = { error: new DOMException('denied', 'UnknownError') } as unknown as IDBOpenDBRequest;
        setTimeout(() => (req.onerror as () => void)(), 0);
        return req;
      },
    } as unknown as IDBFactory;
    expect(await errorOf(new RunLibrary({ store: libraryStore('x', 'runs', refused) }).list())).toBeInstanceOf(LibraryUnavailableError);
    const blocked = {
      open: () => {
        const req = {} as IDBOpenDBRequest;
        setTimeout(() => (req.onblocked as () => void)(), 0);
        return req;
      },
    } as unknown as IDBFactory;
    const b = await errorOf(new RunLibrary({ store: libraryStore('x', 'runs', blocked) }).list());
    expect(b).toBeInstanceOf(LibraryUnavailableError);
    expect(b.message).toMatch(/blocked by another tab/);
  });

  it('two writers on one database (two tabs), each saving N runs and changing its own at once: all 2N intact', async () => {
    const factory = new IDBFactory();
    const one = fresh(factory).lib;
    const two = fresh(factory).lib;
    const N = 25;
    const mk = (tab: string, i: number) => sampleRecord(`${tab}-${i}`, { title: `${tab} ${i}`, notes: `from ${tab}` });
    await Promise.all([
      ...Array.from({ length: N }, (_, i) => one.put(mk('one', i))),
      ...Array.from({ length: N }, (_, i) => two.put(mk('two', i))),
    ]);
    await Promise.all([
      ...Array.from({ length: N }, (_, i) => one.rename(`one-${i}`, `one renamed ${i}`)),
      ...Array.from({ length: N }, (_, i) => two.pin(`two-${i}`, true)),
      ...Array.from({ length: N }, (_, i) => one.annotate(`two-${i}`, `one wrote on two ${i}`)),
    ]);
    const all = (await fresh(factory).lib.list({ sort: 'title' })).runs;
    expect(all).toHaveLength(2 * N);
    for (let i = 0; i < N; i++) {
      expect(all.find((r) => r.id === `one-${i}`)).toEqual({ ...mk('one', i), title: `one renamed ${i}` });
      expect(all.find((r) => r.id === `two-${i}`)).toEqual({ ...mk('two', i), pinned: true, notes: `one wrote on two ${i}` });
    }
  });
});
