/**
 * WorkerEngine: the Engine interface over a dedicated worker (one per model), through Comlink.
 * Aborting a load ends the worker (as squoosh does): nothing half-loaded lingers, and the engine
 * reports LabAbortError from then on.
 */
import { proxy, releaseProxy, wrap, type Remote } from 'comlink';
import { BackendError, EngineStateError, LabAbortError } from './errors';
import type { ModelWorkerApi } from './worker-api';
import { installErrorTransfer } from './worker-errors';
import type { WebEngineOptions } from './web';
import type { ChatMessage, Engine, LoadOptions, Logits, ModelInfo, SeqId, StepOptions, Template } from './types';

export function defaultModelWorker(): Worker {
  return new Worker(new URL('../../workers/model.worker.ts', import.meta.url), { type: 'module', name: 'model' });
}

/** How a worker is watched: a ping every `intervalMs`; dead when one goes unanswered for `deadAfterMs`
 *  (long enough that a busy worker, whose thread runs a forward pass between pings, is not mistaken
 *  for a dead one). */
export interface Heartbeat {
  intervalMs: number;
  deadAfterMs: number;
}

export const DEFAULT_HEARTBEAT: Heartbeat = { intervalMs: 5_000, deadAfterMs: 60_000 };

export class WorkerEngine implements Engine {
  private readonly worker: Worker;
  private readonly api: Remote<ModelWorkerApi>;
  private ready: Promise<void>;
  private ended: string | null = null;
  /** Rejects when the worker dies (its script failed to load, it threw outside any call, or it stopped
   *  answering the heartbeat). */
  private readonly failure: Promise<never>;
  private die: (reason: string) => void = () => {};
  private beat: ReturnType<typeof setInterval> | null = null;

  /**
   * `onDead` hears when the worker died on its own (error event, or no answer to the heartbeat); every
   * call in flight and every later one then fails with a BackendError saying so.
   */
  constructor(
    options: WebEngineOptions,
    makeWorker: () => Worker = defaultModelWorker,
    heartbeat: Heartbeat | null = DEFAULT_HEARTBEAT,
    onDead?: (reason: string) => void,
  ) {
    installErrorTransfer();
    this.worker = makeWorker();
    this.failure = new Promise<never>((_, reject) => {
      this.die = (reason) => {
        if (this.ended) return;
        reject(new BackendError('worker', reason));
        this.terminate(reason);
        onDead?.(reason);
      };
    });
    this.failure.catch(() => {});
    this.worker.addEventListener('error', (e) => {
      this.die(`the model worker failed${(e as ErrorEvent).message ? `: ${(e as ErrorEvent).message}` : ' to start (its script could not be loaded)'}`);
    });
    this.api = wrap<ModelWorkerApi>(this.worker);
    this.ready = this.api.init(options);
    if (heartbeat) {
      let pending: number | null = null;
      this.beat = setInterval(() => {
        const now = Date.now();
        if (pending !== null) {
          if (now - pending > heartbeat.deadAfterMs) {
            this.die(`the model worker stopped answering (no reply for ${Math.round((now - pending) / 1000)} s); it was ended`);
          }
          return;
        }
        pending = now;
        this.api.ping().then(
          () => (pending = null),
          () => {},
        );
      }, heartbeat.intervalMs);
      (this.beat as { unref?: () => void }).unref?.();
    }
  }

  private async call<T>(fn: (api: Remote<ModelWorkerApi>) => Promise<T>): Promise<T> {
    if (this.ended) throw new EngineStateError(this.ended);
    return Promise.race([this.ready.then(() => fn(this.api)), this.failure]);
  }

  /** End the worker now; every later call fails with the given reason. */
  terminate(reason = 'the model worker was stopped'): void {
    if (this.ended) return;
    this.ended = reason;
    if (this.beat) clearInterval(this.beat);
    this.beat = null;
    this.api[releaseProxy]();
    this.worker.terminate();
  }

  async load(source: string, options: LoadOptions = {}): Promise<ModelInfo> {
    const { signal, onProgress, dtype, files, thinking } = options;
    if (signal?.aborted) {
      this.terminate('loading was cancelled');
      throw new LabAbortError('loading');
    }
    const progress = onProgress ? proxy(onProgress) : undefined;
    const loading = this.call((api) => api.load(source, dtype, progress, files, thinking));
    if (!signal) return loading;
    return new Promise<ModelInfo>((resolve, reject) => {
      const onAbort = () => {
        this.terminate('loading was cancelled');
        reject(new LabAbortError('loading'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      loading.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  info(): Promise<ModelInfo> {
    return this.call((a) => a.info());
  }
  encode(text: string, template?: Template): Promise<number[]> {
    return this.call((a) => a.encode(text, template));
  }
  encodeContinuation(text: string): Promise<number[]> {
    return this.call((a) => a.encodeContinuation(text));
  }
  renderChat(messages: ChatMessage[], addGenerationPrompt: boolean): Promise<string> {
    return this.call((a) => a.renderChat(messages, addGenerationPrompt));
  }
  decode(ids: number[], options?: { skipSpecial?: boolean }): Promise<string> {
    return this.call((a) => a.decode(ids, options));
  }
  tokenTexts(ids: number[]): Promise<string[]> {
    return this.call((a) => a.tokenTexts(ids));
  }
  findTokens(query: string, limit?: number): Promise<number[]> {
    return this.call((a) => a.findTokens(query, limit));
  }
  score(ids: number[]): Promise<Logits> {
    return this.call((a) => a.score(ids));
  }
  createSequence(ids: number[], options?: StepOptions): Promise<{ seq: SeqId; logits: Logits }> {
    return this.call((a) => a.createSequence(ids, options));
  }
  step(seq: SeqId, ids: number[], options?: StepOptions): Promise<Logits> {
    return this.call((a) => a.step(seq, ids, options));
  }
  stepBatch(seqs: SeqId[], ids: number[][], options?: StepOptions): Promise<Logits> {
    return this.call((a) => a.stepBatch(seqs, ids, options));
  }
  fork(seq: SeqId): Promise<SeqId> {
    return this.call((a) => a.fork(seq));
  }
  tokens(seq: SeqId): Promise<number[]> {
    return this.call((a) => a.tokens(seq));
  }
  release(seq: SeqId): Promise<void> {
    return this.call((a) => a.release(seq));
  }
  liveSequences(): Promise<number> {
    return this.call((a) => a.liveSequences());
  }
  async dispose(): Promise<void> {
    if (this.ended) return;
    try {
      await this.call((a) => a.dispose());
    } finally {
      this.terminate('the engine was disposed');
    }
  }
}
