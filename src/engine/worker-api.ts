/**
 * The model worker's API, typed in this one file. The worker entry (`workers/model.worker.ts`) only
 * calls `expose(createModelWorkerHost())`; the page talks to it through `WorkerEngine`.
 *
 * Logits cross the boundary as transferred Float32Arrays (no copy); KV caches never leave the worker,
 * sequences are named by ids. Load progress arrives through a proxied callback.
 */
import { transfer } from 'comlink';
import type { LabEngine } from './engine';
import { EngineStateError } from './errors';
import { installErrorTransfer } from './worker-errors';
import { createWebEngine, type WebEngineOptions } from './web';
import type { Dtype, Engine, LoadProgress, Logits, ModelInfo } from './types';

/** The engine's API (minus `load`, whose options cross the boundary one by one), and the worker's own
 *  `init` and `ping`. */
export interface ModelWorkerApi extends Omit<Engine, 'load'> {
  init(options: WebEngineOptions): Promise<void>;
  /** The heartbeat: answered whenever the worker's thread is free (WorkerEngine declares it dead when a
   *  ping goes unanswered too long). */
  ping(): Promise<true>;
  load(source: string, dtype: Dtype | undefined, onProgress?: (p: LoadProgress) => void, files?: Map<string, Blob>, thinking?: boolean): Promise<ModelInfo>;
}

function moved(l: Logits): Logits {
  return transfer(l, [l.data.buffer as ArrayBuffer]);
}

export function createModelWorkerHost(): ModelWorkerApi {
  installErrorTransfer();
  let engine: LabEngine | null = null;
  const e = (): LabEngine => {
    if (!engine) throw new EngineStateError('the model worker was not initialised');
    return engine;
  };
  return {
    async init(options) {
      engine = createWebEngine(options);
    },
    ping: async () => true,
    load: (source, dtype, onProgress, files, thinking) =>
      e().load(source, { ...(dtype ? { dtype } : {}), ...(onProgress ? { onProgress } : {}), ...(files ? { files } : {}), ...(thinking !== undefined ? { thinking } : {}) }),
    info: () => e().info(),
    encode: (text, template) => e().encode(text, template),
    encodeContinuation: (text) => e().encodeContinuation(text),
    renderChat: (messages, add) => e().renderChat(messages, add),
    decode: (ids, options) => e().decode(ids, options),
    tokenTexts: (ids) => e().tokenTexts(ids),
    findTokens: (q, limit) => e().findTokens(q, limit),
    score: async (ids) => moved(await e().score(ids)),
    createSequence: async (ids, options) => {
      const r = await e().createSequence(ids, options);
      return transfer(r, [r.logits.data.buffer as ArrayBuffer]);
    },
    step: async (seq, ids, options) => moved(await e().step(seq, ids, options)),
    stepBatch: async (seqs, ids, options) => moved(await e().stepBatch(seqs, ids, options)),
    fork: (seq) => e().fork(seq),
    tokens: (seq) => e().tokens(seq),
    release: (seq) => e().release(seq),
    liveSequences: () => e().liveSequences(),
    dispose: () => e().dispose(),
  };
}
