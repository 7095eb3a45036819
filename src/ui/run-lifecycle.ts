/**
 * One run lifecycle for every view (issue #14): start, progress with an ETA, cancel, error, superseded
 * run. A view owns one `RunLifecycle` per kind of run it starts, calls `start()` with the spec and a
 * function that calls the kind's runner, and renders `lifecycle.render()` where its status goes.
 *
 * - Starting while a run is in flight aborts the older run (it is *superseded*): its result, progress and
 *   errors are dropped, whatever order the promises settle in.
 * - Cancel aborts the run and says so; nothing the user typed is touched (views keep their inputs).
 * - Every error is shown as `{name, message}` (one shape), with `errorHelp` next steps.
 * - On success the host dispatches a `RunFinishedEvent` (the app saves it to the library) and the view
 *   renders the result; the lifecycle never renders results itself.
 * - The host's `data-view-state` attribute (`idle` | `running` | `done` | `error`) follows the state so
 *   tests can wait on it.
 */
import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit';
import type { ResultEnvelope, RunProgress, SpecEnvelope } from '../lab/experiments/types';
import { errorHelp } from './error-help';
import { RunFinishedEvent } from './events';

export type RunState = 'idle' | 'running' | 'done' | 'error';

export interface ShownError {
  name: string;
  message: string;
}

export function shownError(err: unknown): ShownError {
  if (err instanceof Error) return { name: err.name, message: err.message };
  if (err && typeof err === 'object' && 'name' in err && 'message' in err) return { name: String(err.name), message: String(err.message) };
  return { name: 'Error', message: String(err) };
}

export function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'LabAbortError' || err.name === 'AbortError');
}

/** "about 12 s left" from the progress so far (linear in the units done); '' until one unit is done. */
export function etaText(p: RunProgress, startedAt: number, now: number): string {
  if (p.total === null || p.done <= 0 || p.done >= p.total) return '';
  const s = Math.round((((now - startedAt) / p.done) * (p.total - p.done)) / 1000);
  return s >= 90 ? `about ${Math.round(s / 60)} min left` : `about ${s} s left`;
}

type Host = ReactiveControllerHost & HTMLElement;

export class RunLifecycle<D = unknown> implements ReactiveController {
  state: RunState = 'idle';
  progress: RunProgress | null = null;
  error: ShownError | null = null;
  /** A one-line note after a cancel or a superseded run. */
  notice = '';
  /** The last finished run's spec and result (live, or reopened from the library through `show`). */
  spec: SpecEnvelope | null = null;
  result: ResultEnvelope<never, D> | null = null;
  /** Where the shown result came from: a run just now, or the library (a stored run, not recomputed). */
  origin: 'live' | 'stored' | null = null;
  private abort: AbortController | null = null;
  private startedAt = 0;
  private token = 0;

  constructor(
    private readonly host: Host,
    /** Set the host's data-view-state (off for a second lifecycle in the same view). */
    private readonly ownsViewState = true,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.setState(this.state);
  }

  hostDisconnected(): void {
    this.abort?.abort();
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /**
   * Runs `run(signal, onProgress)`; returns its result, or null when it was cancelled, superseded or failed
   * (the lifecycle shows why). `save: false` keeps a run out of the library (e.g. an intermediate step).
   */
  async start(spec: SpecEnvelope, run: (signal: AbortSignal, onProgress: (p: RunProgress) => void) => Promise<ResultEnvelope<never, D>>, options: { save?: boolean } = {}): Promise<ResultEnvelope<never, D> | null> {
    if (this.abort) {
      this.abort.abort();
      this.notice = 'The previous run was superseded by this one.';
    } else this.notice = '';
    const token = ++this.token;
    const abort = new AbortController();
    this.abort = abort;
    this.error = null;
    this.startedAt = performance.now();
    this.progress = { done: 0, total: null, message: 'Starting…' };
    this.setState('running');
    try {
      const result = await run(abort.signal, (p) => {
        if (token !== this.token || abort.signal.aborted) return;
        this.progress = { ...p };
        this.host.requestUpdate();
      });
      if (token !== this.token) return null; // superseded: a newer run owns the view
      if (abort.signal.aborted) throw Object.assign(new Error('cancelled'), { name: 'LabAbortError' });
      this.spec = spec;
      this.result = result;
      this.origin = 'live';
      this.setState('done');
      if (options.save !== false) this.host.dispatchEvent(new RunFinishedEvent(spec, result as ResultEnvelope));
      return result;
    } catch (err) {
      if (token !== this.token) return null;
      if (isAbort(err) || abort.signal.aborted) {
        this.notice = 'Cancelled. Nothing you typed was lost.';
        this.setState(this.result ? 'done' : 'idle');
      } else {
        this.error = shownError(err);
        this.result = null; // a failed run shows no chart of the previous run under the new settings
        this.spec = null;
        this.setState('error');
      }
      return null;
    } finally {
      if (token === this.token) {
        this.progress = null;
        this.abort = null;
        this.host.requestUpdate();
      }
    }
  }

  /** Show a stored run (from the library or an import) without recomputing; aborts a run in flight. */
  show(spec: SpecEnvelope, result: ResultEnvelope<never, D>): void {
    this.abort?.abort();
    this.abort = null;
    this.token++;
    this.progress = null;
    this.error = null;
    this.notice = '';
    this.spec = spec;
    this.result = result;
    this.origin = 'stored';
    this.setState('done');
  }

  /** An input problem found before running (e.g. an empty prompt): shown like a run's error. */
  fail(err: unknown): void {
    this.abort?.abort();
    this.abort = null;
    this.token++;
    this.progress = null;
    this.error = shownError(err);
    this.setState('error');
  }

  cancel(): void {
    this.abort?.abort();
  }

  /** Forget the shown result (e.g. the pair changed). */
  clear(): void {
    this.abort?.abort();
    this.abort = null;
    this.token++;
    this.progress = null;
    this.result = null;
    this.spec = null;
    this.origin = null;
    this.error = null;
    this.setState('idle');
  }

  private setState(s: RunState): void {
    this.state = s;
    if (this.ownsViewState) this.host.dataset['viewState'] = s;
    this.host.requestUpdate();
  }

  /** Progress bar with ETA and Cancel, or the error with its next steps, or the notice. */
  render() {
    const p = this.progress;
    if (this.state === 'running' && p) {
      const eta = etaText(p, this.startedAt, performance.now());
      return html`<div class="progress run-status" role="status" data-progress=${p.total === null ? `${p.done}` : `${p.done}/${p.total}`}>
        <span>${p.message}</span>
        ${p.total === null ? html`<progress aria-label=${p.message}></progress>` : html`<progress aria-label=${p.message} max=${p.total} value=${p.done}></progress>`}
        <span class="eta">${p.total === null ? '' : `${p.done} / ${p.total}`}${eta ? ` · ${eta}` : ''}</span>
        <button data-cancel @click=${() => this.cancel()}>Cancel</button>
      </div>`;
    }
    if (this.state === 'error' && this.error) {
      return html`<div class="error run-status" role="alert" data-error=${this.error.name}>${this.error.name}: ${this.error.message}</div>
        ${errorHelp(this.error)}`;
    }
    if (this.notice) return html`<div class="muted run-status" role="status" data-notice>${this.notice}</div>`;
    if (this.origin === 'stored') return html`<div class="muted run-status" data-stored>A stored run from the library: shown as saved, not recomputed.</div>`;
    return nothing;
  }
}
