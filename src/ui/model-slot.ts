/**
 * One model of the pair on the page: its WorkerEngine (one Web Worker), load state and progress. (The
 * Next-token tab's KV cache reuse lives in src/lab/next-token.ts, `nextTokenViewCached`.)
 * No DOM; `onChange` tells the owner to re-render.
 */
import { isLabError } from '../engine/errors';
import { DEFAULT_HUB_ENDPOINT } from '../engine/files';
import { ModelFileError } from '../engine/errors';
import { isLocalSource, localFolder } from './local-folders';
import type { Dtype, LoadProgress, ModelInfo } from '../engine/types';
import { DEFAULT_HEARTBEAT, defaultModelWorker, WorkerEngine } from '../engine/worker-client';
import type { PageBackend, Side } from './params';

export type SlotStatus = 'idle' | 'loading' | 'ready' | 'cancelled' | 'error';

/** An error as shown on the page: its class name and message. */
export interface ShownError {
  name: string;
  message: string;
}

export function shownError(err: unknown): ShownError {
  if (err instanceof Error || (typeof err === 'object' && err !== null && 'message' in err)) {
    const e = err as { name?: unknown; message?: unknown };
    return { name: String(e.name || 'Error'), message: String(e.message ?? '') };
  }
  return { name: 'Error', message: String(err) };
}

export interface SlotState {
  side: Side;
  source: string;
  status: SlotStatus;
  progress: LoadProgress | null;
  info: ModelInfo | null;
  error: ShownError | null;
  /** Why the model's worker was restarted (it died or stopped answering), shown until the next load. */
  restarted?: string | null;
}

/** A worker that dies again this soon after a restart is not restarted again (Retry is offered). */
const RESTART_QUIET_MS = 60_000;

/** The hub endpoint for hub ids: `?hub=` in the URL, else the saved setting, else the Hugging Face hub. */
export function hubEndpoint(): string {
  const fromUrl = new URLSearchParams(location.search).get('hub');
  if (fromUrl) return fromUrl;
  try {
    return localStorage.getItem('world-prior-lab.hub-endpoint') || DEFAULT_HUB_ENDPOINT;
  } catch {
    return DEFAULT_HUB_ENDPOINT;
  }
}

const DTYPES: readonly Dtype[] = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'];

/** The weight variant for one side: `?base.dtype=` / `?tuned.dtype=` in the URL (set by the Models view), else fp32. */
export function dtypeParam(side: Side): Dtype | undefined {
  const d = new URLSearchParams(location.search).get(`${side}.dtype`) as Dtype | null;
  return d && DTYPES.includes(d) ? d : undefined;
}

/** `enable_thinking` for chat templates that read it: `?thinking=off` / `on` in the URL, else the
 *  template's default (on). */
export function thinkingParam(): boolean | undefined {
  const t = new URLSearchParams(location.search).get('thinking');
  return t === 'on' ? true : t === 'off' ? false : undefined;
}

export class ModelSlot {
  state: SlotState;
  engine: WorkerEngine | null = null;
  private abort: AbortController | null = null;
  private backend: PageBackend = 'auto';
  /** Bumped on every (re)load, so late answers of an old engine are dropped. */
  private epoch = 0;
  private queue: Promise<unknown> = Promise.resolve();

  private lastRestart = 0;

  /** `onWorkerLost`: the worker of a ready model died or stopped answering; the owner restarts it
   *  (`restart`) so that its experiment can run again. */
  constructor(
    readonly side: Side,
    private readonly onChange: () => void,
    private readonly onWorkerLost?: (reason: string) => void,
  ) {
    this.state = { side, source: '', status: 'idle', progress: null, info: null, error: null };
  }

  private set(patch: Partial<SlotState>): void {
    this.state = { ...this.state, ...patch };
    this.onChange();
  }

  get ready(): boolean {
    return this.state.status === 'ready' && this.engine !== null;
  }

  /** Load a model in a fresh worker; resolves when it is ready, cancelled or failed (never throws). */
  async load(source: string, backend: PageBackend, restartReason?: string): Promise<void> {
    this.stop();
    const epoch = ++this.epoch;
    this.backend = backend;
    const abort = new AbortController();
    let workerFailed: ShownError | null = null;
    const engine = new WorkerEngine(
      {
        backend,
        wasmBase: new URL('./ort/', location.href).href,
        baseUrl: location.href,
        hubEndpoint: hubEndpoint(),
      },
      () => {
        // A worker whose script fails to load or throws on start would never answer: treat that as
        // a failed load instead of waiting forever.
        const worker = defaultModelWorker();
        worker.addEventListener('error', (e) => {
          workerFailed = { name: 'WorkerError', message: e.message || 'the model worker failed to start (its script could not be loaded)' };
          if (epoch === this.epoch && this.state.status === 'loading') abort.abort();
        });
        return worker;
      },
      DEFAULT_HEARTBEAT,
      (reason) => {
        if (epoch !== this.epoch || this.state.status !== 'ready') return;
        if (this.onWorkerLost && Date.now() - this.lastRestart > RESTART_QUIET_MS) return this.onWorkerLost(reason);
        this.engine = null;
        this.set({ status: 'error', error: { name: 'BackendError', message: `${reason} (again within a minute of a restart, so it was not restarted)` } });
      },
    );
    this.engine = engine;
    this.abort = abort;
    this.set({ source, status: 'loading', progress: null, info: null, error: null, restarted: restartReason ?? null });
    try {
      const dtype = dtypeParam(this.side);
      const thinking = thinkingParam();
      const files = localFolder(source);
      if (isLocalSource(source) && !files) {
        throw new ModelFileError(source.slice('local:'.length), 'this folder was chosen on the page before a reload and is no longer available: choose it again in the Models tab');
      }
      const info = await engine.load(source, {
        ...(dtype ? { dtype } : {}),
        ...(files ? { files } : {}),
        ...(thinking !== undefined ? { thinking } : {}),
        signal: abort.signal,
        onProgress: (progress) => {
          if (epoch === this.epoch && this.state.status === 'loading') this.set({ progress });
        },
      });
      if (epoch !== this.epoch) return;
      this.abort = null;
      this.set({ status: 'ready', info });
    } catch (err) {
      if (epoch !== this.epoch) return;
      this.abort = null;
      engine.terminate(isLabError(err, 'LabAbortError') ? 'loading was cancelled' : 'loading failed');
      this.engine = null;
      if (workerFailed) this.set({ status: 'error', error: workerFailed });
      else if (isLabError(err, 'LabAbortError')) this.set({ status: 'cancelled', error: null });
      else this.set({ status: 'error', error: shownError(err) });
    }
  }

  /** Cancel a load in progress: ends the worker. */
  cancel(): void {
    if (this.state.status === 'loading') this.abort?.abort();
  }

  retry(): Promise<void> {
    return this.load(this.state.source, this.backend);
  }

  /** Load the same model in a fresh worker after its worker died, saying why. */
  restart(reason: string): Promise<void> {
    this.lastRestart = Date.now();
    return this.load(this.state.source, this.backend, `The model's worker ${reason.replace(/^the model worker /, '')}: it was restarted.`);
  }

  /** End the worker (if any) without changing the shown state. */
  private stop(): void {
    this.epoch++;
    this.abort = null;
    this.queue = Promise.resolve();
    this.engine?.terminate('the model was unloaded');
    this.engine = null;
  }

  dispose(): void {
    this.stop();
    this.set({ status: 'idle', progress: null, info: null, error: null });
  }

  /** Run engine work one call at a time, and only for the engine that is current when it starts. */
  private serial<T>(fn: (engine: WorkerEngine) => Promise<T>): Promise<T> {
    const epoch = this.epoch;
    const run = this.queue.then(() => {
      if (epoch !== this.epoch || !this.engine) throw new StaleError();
      return fn(this.engine);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Ids of `text` in the given template. */
  encode(text: string, template: 'none' | 'chat'): Promise<number[]> {
    return this.serial((e) => e.encode(text, template));
  }

  encodeContinuation(text: string): Promise<number[]> {
    return this.serial((e) => e.encodeContinuation(text));
  }

  tokenTexts(ids: number[]): Promise<string[]> {
    return this.serial((e) => e.tokenTexts(ids));
  }
}

/** Thrown (and ignored by the app) when an answer belongs to an engine that was replaced. */
export class StaleError extends Error {
  override readonly name = 'StaleError';
  constructor() {
    super('the model was replaced while this was running');
  }
}
