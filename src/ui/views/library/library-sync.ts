/**
 * The page's one run library (IndexedDB) and a change signal across the tabs of this origin: a tab that
 * writes the library says so on a BroadcastChannel, and every open Library view lists again.
 */
import { APP_VERSION } from '../../../lab/library/app-version';
import { makeRecord } from '../../../lab/library/records';
import { RunLibrary } from '../../../lab/library/store';
import type { ResultEnvelope, RunRecord, SpecEnvelope } from '../../../lab/experiments/types';

const CHANNEL = 'world-prior-lab-library';
let library: RunLibrary | null = null;
let channel: BroadcastChannel | null | undefined;
const listeners = new Set<() => void>();

export function pageLibrary(): RunLibrary {
  library ??= new RunLibrary();
  return library;
}

function getChannel(): BroadcastChannel | null {
  if (channel !== undefined) return channel;
  channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;
  channel?.addEventListener('message', () => listeners.forEach((f) => f()));
  return channel;
}

/** This tab changed the library: tell this tab's views and the other tabs. */
export function libraryChanged(): void {
  listeners.forEach((f) => f());
  getChannel()?.postMessage('changed');
}

/** Call `f` whenever the library changes (this tab or another); returns the unsubscribe function. */
export function onLibraryChanged(f: () => void): () => void {
  getChannel();
  listeners.add(f);
  return () => listeners.delete(f);
}

/** Save a finished run (checked) to the page's library; returns the record saved. Throws the library's
 *  typed errors (LibraryFullError, LibraryUnavailableError) or ExperimentDataError. */
export async function saveRun(spec: SpecEnvelope, result: ResultEnvelope): Promise<RunRecord> {
  const record = makeRecord(spec, result, { appVersion: APP_VERSION, now: new Date(), id: crypto.randomUUID() });
  await pageLibrary().put(record);
  libraryChanged();
  return record;
}
