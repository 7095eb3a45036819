/**
 * Download progress of the pair, per file and in total, with a rate and an ETA. DOM-free: the view
 * feeds it each model's LoadProgress with a timestamp and renders what it holds.
 */
import type { LoadProgress } from '../../engine/types';

export interface FileProgress {
  side: 'base' | 'tuned';
  file: string;
  loaded: number;
  /** 0 while the size is unknown. */
  total: number;
  done: boolean;
}

/** Bytes per second over the last `windowMs`, from (time, bytes) samples. */
export const RATE_WINDOW_MS = 5000;

export class DownloadTracker {
  private rows = new Map<string, FileProgress>();
  private samples: { t: number; bytes: number }[] = [];

  reset(): void {
    this.rows.clear();
    this.samples = [];
  }

  get files(): FileProgress[] {
    return [...this.rows.values()];
  }

  update(side: 'base' | 'tuned', p: LoadProgress, now: number): void {
    const key = `${side}\u0000${p.file}`;
    const prev = this.rows.get(key);
    if (p.phase !== 'download') {
      if (prev) prev.done = true;
    } else {
      const total = p.total || prev?.total || 0;
      this.rows.set(key, { side, file: p.file, loaded: p.loaded, total, done: total > 0 && p.loaded >= total });
    }
    this.samples.push({ t: now, bytes: this.loaded });
    // keep one sample at or before the window's start
    while (this.samples.length > 2 && this.samples[1]!.t <= now - RATE_WINDOW_MS) this.samples.shift();
  }

  /** Bytes arrived, all files together. */
  get loaded(): number {
    let s = 0;
    for (const r of this.rows.values()) s += r.loaded;
    return s;
  }

  /** Bytes expected, as far as sizes are known (a file of unknown size counts what has arrived). */
  get total(): number {
    let s = 0;
    for (const r of this.rows.values()) s += Math.max(r.total, r.loaded);
    return s;
  }

  /** Bytes per second over the last few seconds, or null before there are two samples apart in time. */
  rate(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t - first.t < 200) return null;
    return (last.bytes - first.bytes) / ((last.t - first.t) / 1000);
  }

  /** Seconds left at the current rate, or null when it cannot be told. `expectedTotal` (e.g. the
   *  catalog's size) is used when it is larger than what the server has announced so far. */
  eta(expectedTotal = 0): number | null {
    const r = this.rate();
    const total = Math.max(this.total, expectedTotal);
    if (r === null || r <= 0 || total <= 0) return null;
    return Math.max(0, total - this.loaded) / r;
  }
}

export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  if (m < 60) return `${m} min ${s} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
