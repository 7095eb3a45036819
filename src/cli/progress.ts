/**
 * A progress line on stderr: redrawn in place on a terminal (`ctx.status`), else plain lines at most every
 * few seconds (log files of a job runner: Slurm, GNU parallel, CI). Never on stdout, so `--json` output
 * always parses.
 */
import type { CommandContext } from './context';

/** `42s`, `3m05s`, `1h02m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Time left at the rate so far: `done` of `total` units, `done0` of them already done at `startMs`. */
export function eta(done: number, total: number | null, startMs: number, done0 = 0, now = Date.now()): number | null {
  const ran = done - done0;
  if (total === null || ran <= 0) return null;
  return (((now - startMs) / 1000) * (total - done)) / ran;
}

/** A text bar: `[#######.......]`. */
export function bar(done: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.round((width * Math.min(done, total)) / total) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

export class ProgressLine {
  private lastPlain = -Infinity;
  private lastTty = -Infinity;
  private shown = false;

  constructor(
    private readonly ctx: CommandContext,
    /** Plain lines (not a terminal): at most one per this many ms, besides forced ones. */
    private readonly plainEveryMs = 2000,
  ) {}

  show(text: string, force = false): void {
    const now = Date.now();
    if (this.ctx.status) {
      if (force || now - this.lastTty >= 100) {
        this.ctx.status(text);
        this.lastTty = now;
        this.shown = true;
      }
      return;
    }
    if (force || now - this.lastPlain >= this.plainEveryMs) {
      this.ctx.err(text);
      this.lastPlain = now;
    }
  }

  /** A line of its own (a note), below the bar. */
  note(text: string): void {
    this.clear();
    this.ctx.err(text);
  }

  /** Clears the bar on a terminal (before a final message). */
  clear(): void {
    if (this.ctx.status && this.shown) this.ctx.status('');
    this.shown = false;
  }
}
