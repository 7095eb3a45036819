/**
 * LabEngine: one model, raw full-vocabulary logits, and sequence states whose KV caches we control.
 * DOM-free: the same class runs in a worker (browser, onnxruntime-web on WebGPU or WASM), in Node
 * (onnxruntime-node or onnxruntime-web) and in Vitest. The runtime (which onnxruntime, which execution
 * provider) and the file source are injected.
 *
 * Sequence states: a sequence is a list of tokens plus a row in a KV block. A KV block holds the
 * `present.*` tensors of one forward pass (batch × kv-heads × length × head-dim) and a 0/1 mask per row
 * (padding inside a block is masked). Forward passes never modify a block; they make a new one. So a
 * fork only shares the block (reference count), and stepping a fork never touches its parent.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import {
  BackendError,
  ContextOverflowError,
  DeviceLostError,
  NumericalError,
  EngineStateError,
  LabAbortError,
  ModelFileError,
  SequenceError,
  isLabError,
  throwIfAborted,
} from './errors';
import { blobSource, checkOnnxBytes, onnxFileFor, readJson, type FileSource } from './files';
import { rowProblem } from './logits-check';
import { float16Use, rotaryCacheLength } from './onnx-proto';
import { LabTokenizer } from './tokenizer';
import { backendProblem, graphFlags, inspectGraph, kvBits, toFloat32, trustedContext, type GraphInterface } from './graph-interface';
import type {
  Backend,
  ChatMessage,
  Dtype,
  Engine,
  LoadOptions,
  LoadProgress,
  Logits,
  ModelInfo,
  SeqId,
  StepOptions,
  Template,
} from './types';

/** The parts of an onnxruntime module (web or node) the engine uses. */
export interface OrtModule {
  Tensor: new (type: string, data: unknown, dims: readonly number[]) => Tensor;
  InferenceSession: { create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession> };
  /** onnxruntime-web: `env.webgpu.device` is the GPUDevice its WebGPU backend created. */
  env?: { webgpu?: { device?: unknown } };
}

export interface Runtime {
  ort: OrtModule;
  backend: Backend;
  /** Adapter or CPU description for display. */
  adapter: string;
  executionProviders: InferenceSession.SessionOptions['executionProviders'];
  /** Keep `present.*` outputs on the GPU between steps (WebGPU). */
  kvOnGpu: boolean;
  extraSessionOptions?: Partial<InferenceSession.SessionOptions>;
  /** WebGPU: whether the adapter has `shader-f16` (float16 in shaders). */
  shaderF16?: boolean;
  /** Why this backend runs (e.g. `auto` chose WASM over a software adapter); shown with the badge. */
  note?: string;
  /** The runtime to use instead when this one cannot run the graph (`auto`: WASM); absent when the
   *  backend was forced, then the load is refused with the reason. */
  fallback?: () => Promise<Runtime>;
}

export interface EngineDeps {
  /** Resolve the runtime lazily (WebGPU adapters are requested at load time). */
  runtime: () => Promise<Runtime>;
  /** Turn a source string (folder, URL, hub id) into a file source. */
  source: (source: string) => FileSource;
  /** Check the graph's float16 use against the adapter before creating a session (default true; tests
   *  turn it off to show that the run-time GPU error watch catches the same failure). */
  checkFloat16?: boolean;
}

/** Errors a WebGPU device reported (uncaptured ones, through the `uncapturederror` event), and its loss.
 *  One per device: engines in one process share onnxruntime-web's device. */
interface GpuWatch {
  device: GPUDevice;
  errors: string[];
  lost: { reason: string; message: string } | null;
}

const gpuWatches = new WeakMap<object, GpuWatch>();

function describeGpuError(error: { message?: string; constructor?: { name?: string } } | null | undefined): string {
  const message = String(error?.message ?? 'unknown error');
  const kind = error?.constructor?.name || 'GPUError';
  const first = message.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 2).join(' ').slice(0, 300);
  if (/\bf16\b|shader-f16|float16/i.test(message)) return `the graph uses float16, which this adapter lacks (no shader-f16) — ${kind}: ${first}`;
  return `${kind}: ${first}`;
}

function watchDevice(device: GPUDevice): GpuWatch {
  const known = gpuWatches.get(device);
  if (known) return known;
  const watch: GpuWatch = { device, errors: [], lost: null };
  device.addEventListener('uncapturederror', (ev) => {
    // Handled here: reported as a typed error by the run it spoils (and kept off stdout in Node, where
    // Dawn prints unhandled ones).
    ev.preventDefault();
    watch.errors.push(describeGpuError((ev as GPUUncapturedErrorEvent).error));
  });
  void device.lost.then((info) => {
    watch.lost = { reason: String(info?.reason ?? 'unknown'), message: String(info?.message ?? '') };
  });
  gpuWatches.set(device, watch);
  return watch;
}

const SCOPES: GPUErrorFilter[] = ['validation', 'out-of-memory', 'internal'];

type Json = Record<string, unknown>;
/** float16 data arrives as raw bits (Uint16Array) or, where the platform has it, as a Float16Array (then
 *  onnxruntime-web hands those out: Chromium). Arrays are copied with their own constructor, so the
 *  values are never converted between the two. */
type KvArray = Float32Array | Uint16Array;
type ArrayCtor = new (length: number) => KvArray;

interface KvBlock {
  /** Keyed by the past input name (`past_key_values.N.key`). */
  tensors: Map<string, Tensor>;
  batch: number;
  length: number;
  masks: Uint8Array[];
  refs: number;
  /** The block's tensors on the CPU: one download per block, shared by every row that needs it (rows
   *  forked from one prompt all point at the same block, and two downloads of one GPU tensor at once
   *  fail). Kept as the promise so a second caller waits for the first download. */
  cpu?: Promise<Map<string, KvArray>>;
}

interface SeqState {
  block: KvBlock | null;
  row: number;
  tokens: number[];
}

/**
 * A GroupQueryAttention graph reads the mask only as sequence lengths, so padded rows are wrong there, but
 * a batch with no padding at all is exact: one new token per row, every row's past of the same length and
 * unpadded (its block holds exactly its tokens). That is a sweep's or the answers' common case (forks of
 * one prompt stepping together), so those batches run as one pass. Dynamically quantized graphs never
 * batch: their activations' scale is shared by the whole call.
 */
function lengthsOnlyBatch(graph: { gqa: boolean; dynamicQuant: boolean }, rows: SeqState[], widths: number[]): boolean {
  if (!graph.gqa || graph.dynamicQuant) return false;
  if (widths.some((w) => w !== 1)) return false;
  const n = rows[0]!.tokens.length;
  return n > 0 && rows.every((r) => r.block !== null && r.tokens.length === n && r.block.length === n);
}

interface Loaded {
  info: ModelInfo;
  session: InferenceSession;
  runtime: Runtime;
  tokenizer: LabTokenizer;
  pastNames: string[];
  presentOf: Map<string, string>;
  kvType: 'float32' | 'float16';
  hasPositionIds: boolean;
  hasCacheBranch: boolean;
  /** WebGPU only: the device's errors and loss. */
  gpu: GpuWatch | null;
  graph: GraphInterface;
}

function num(config: Json, key: string): number | undefined {
  const v = config[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Text config of multimodal wrappers (e.g. gemma-3) lives under `text_config`. */
function textConfig(config: Json): Json {
  const tc = config['text_config'];
  return tc && typeof tc === 'object' ? { ...config, ...(tc as Json) } : config;
}

export class LabEngine implements Engine {
  private loaded: Loaded | null = null;
  private loading = false;
  private disposed = false;
  private readonly seqs = new Map<SeqId, SeqState>();
  private nextSeq = 1;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: EngineDeps) {}

  /** Serialise every operation that touches the session or the sequence table. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private get model(): Loaded {
    if (this.disposed) throw new EngineStateError('the engine was disposed');
    if (!this.loaded) throw new EngineStateError('no model is loaded yet');
    return this.loaded;
  }

  async load(sourceName: string, options: LoadOptions = {}): Promise<ModelInfo> {
    if (this.loaded || this.loading) throw new EngineStateError('this engine already holds a model; create another engine');
    this.loading = true;
    try {
      this.loaded = await this.loadModel(sourceName, options);
      return this.loaded.info;
    } finally {
      this.loading = false;
    }
  }

  private async loadModel(sourceName: string, options: LoadOptions): Promise<Loaded> {
    const { signal, onProgress } = options;
    const dtype: Dtype = options.dtype ?? 'fp32';
    const source = options.files ? blobSource(sourceName, options.files) : this.deps.source(sourceName);
    const sizes = new Map<string, { loaded: number; total: number }>();
    const report = (file: string, phase: LoadProgress['phase']) => (loaded: number, total: number) => {
      sizes.set(file, { loaded, total });
      let overallLoaded = 0;
      let overallTotal = 0;
      for (const s of sizes.values()) {
        overallLoaded += s.loaded;
        overallTotal += Math.max(s.total, s.loaded);
      }
      onProgress?.({ file, loaded, total, overallLoaded, overallTotal, phase });
    };
    const json = async (file: string, optional = false) => {
      const bytes = await source.readBytes(file, { optional, signal, onProgress: report(file, 'download') });
      if (bytes === null) return null;
      return readJson<Json>({ ...source, readBytes: async () => bytes }, file);
    };

    const config = textConfig((await json('config.json'))!);
    const tokenizerJson = (await json('tokenizer.json'))!;
    const tokenizerConfig = (await json('tokenizer_config.json'))!;
    const generationConfig = (await json('generation_config.json', true)) ?? {};
    let chatTemplate: string | null = null;
    if (!tokenizerConfig['chat_template']) {
      const t = await source.readBytes('chat_template.jinja', { optional: true, signal });
      if (t) chatTemplate = new TextDecoder().decode(t);
    }

    const architectures = (config['architectures'] as string[] | undefined) ?? [];
    if (architectures.length && !architectures.some((a) => /ForCausalLM$|LMHeadModel$|ForConditionalGeneration$/.test(a))) {
      throw new ModelFileError('config.json', `is not a causal language model (architectures: ${architectures.join(', ')})`);
    }
    const modelType = String(config['model_type'] ?? '');
    if (!modelType) throw new ModelFileError('config.json', 'has no model_type');
    const numLayers = num(config, 'num_hidden_layers') ?? num(config, 'n_layer');
    const numHeads = num(config, 'num_attention_heads') ?? num(config, 'n_head');
    const hidden = num(config, 'hidden_size') ?? num(config, 'n_embd');
    const vocabSize = num(config, 'vocab_size');
    if (!numLayers || !numHeads || !hidden || !vocabSize) {
      throw new ModelFileError('config.json', 'lacks num_hidden_layers, num_attention_heads, hidden_size or vocab_size');
    }
    const numKvHeads = num(config, 'num_key_value_heads') ?? numHeads;
    const headDim = num(config, 'head_dim') ?? hidden / numHeads;
    const contextLength = num(config, 'max_position_embeddings') ?? num(config, 'n_positions') ?? 2048;

    const tokenizer = await LabTokenizer.create(tokenizerJson, tokenizerConfig, chatTemplate);
    throwIfAborted(signal, 'loading');
    // The source's notes (e.g. a file not cached for lack of quota) are read after the weights below; these
    // are the engine's own.
    const ownNotes: string[] = [];
    if (options.thinking !== undefined) {
      if (tokenizer.takesThinking) tokenizer.thinking = options.thinking;
      else ownNotes.push(`thinking ${options.thinking ? 'on' : 'off'} was asked for, but this model's chat template has no enable_thinking: ignored`);
    }

    const onnxFile = onnxFileFor(dtype);
    const weights = (await source.readBytes(onnxFile, { signal, onProgress: report(onnxFile, 'download') }))!;
    checkOnnxBytes(onnxFile, weights);
    const externalData: { path: string; data: Uint8Array }[] = [];
    const jsConfig = (config['transformers.js_config'] ?? {}) as Json;
    const ext = jsConfig['use_external_data_format'];
    const extCount = typeof ext === 'object' && ext ? Number((ext as Json)[`model${onnxFile.slice(10, -5)}.onnx`] ?? (ext as Json)[dtype] ?? 0) : ext ? 1 : 0;
    for (let i = 0; i < extCount; i++) {
      const name = `${onnxFile}_data${i === 0 ? '' : `_${i}`}`;
      const data = (await source.readBytes(name, { signal, onProgress: report(name, 'download') }))!;
      externalData.push({ path: name.slice('onnx/'.length), data });
    }
    throwIfAborted(signal, 'loading');

    let runtime = await this.deps.runtime();
    let backendNote = runtime.note;
    if (runtime.backend === 'webgpu' && runtime.shaderF16 === false && this.deps.checkFloat16 !== false) {
      let uses: string[] = [];
      try {
        uses = float16Use(weights);
      } catch {
        // not a protobuf: session creation reports the file
      }
      if (uses.length) {
        const why = `the graph uses float16 (${uses.join('; ')}), which this adapter (${runtime.adapter}) lacks (no shader-f16)`;
        if (!runtime.fallback) throw new BackendError('webgpu', `${why}; run it on WASM (--backend wasm, ?backend=wasm) or load its fp32 variant`);
        runtime = await runtime.fallback();
        backendNote = `${runtime.backend === 'wasm' ? 'WASM' : runtime.backend} instead of WebGPU: ${why}`;
      }
    }
    // Graphs this backend is known to run wrong: WebGPU falls back to WASM where it can, else a clear error.
    const flags = graphFlags(weights);
    const wrongHere = backendProblem(flags, runtime.backend, dtype);
    if (wrongHere) {
      if (runtime.backend !== 'webgpu' || !runtime.fallback) throw new BackendError(runtime.backend, wrongHere);
      runtime = await runtime.fallback();
      backendNote = `${runtime.backend === 'wasm' ? 'WASM' : runtime.backend} instead of WebGPU: ${wrongHere}`;
      const still = backendProblem(flags, runtime.backend, dtype);
      if (still) throw new BackendError(runtime.backend, still);
    }
    onProgress?.({ file: onnxFile, loaded: weights.length, total: weights.length, overallLoaded: 0, overallTotal: 0, phase: 'session' });
    let session: InferenceSession;
    const sessionOptions: InferenceSession.SessionOptions = {
      executionProviders: runtime.executionProviders,
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      ...(externalData.length ? { externalData } : {}),
      ...runtime.extraSessionOptions,
    };
    try {
      session = await runtime.ort.InferenceSession.create(weights, {
        ...sessionOptions,
        // The KV cache (`present.*`) stays on the GPU and is fed back from there; the logits come back
        // to the CPU with the run (one download per step).
        ...(runtime.kvOnGpu
          ? {
              preferredOutputLocation: Object.fromEntries([
                ['logits', 'cpu' as const],
                ...Array.from({ length: numLayers }, (_, i) => [
                  [`present.${i}.key`, 'gpu-buffer' as const],
                  [`present.${i}.value`, 'gpu-buffer' as const],
                ]).flat(),
              ]),
            }
          : {}),
      });
    } catch (err) {
      const msg = String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 300);
      if (/protobuf parsing failed/i.test(msg)) throw new ModelFileError(onnxFile, 'is corrupt or truncated: onnxruntime could not parse the model');
      if (/backend not found|no available backend|webgpu is not supported|failed to get gpu adapter/i.test(msg)) throw new BackendError(runtime.backend, msg);
      throw new ModelFileError(onnxFile, `onnxruntime could not load it (${msg})`);
    }
    const device = runtime.backend === 'webgpu' ? runtime.ort.env?.webgpu?.device : undefined;
    const gpu = device && typeof (device as GPUDevice).pushErrorScope === 'function' ? watchDevice(device as GPUDevice) : null;
    const inputs = session.inputNames;
    for (const required of ['input_ids', 'attention_mask']) {
      if (!inputs.includes(required)) throw new ModelFileError(onnxFile, `has no input named ${required}; inputs are ${inputs.join(', ')}`);
    }
    if (!session.outputNames.includes('logits')) throw new ModelFileError(onnxFile, 'has no output named logits');
    const pastNames = inputs.filter((n) => n.startsWith('past_key_values.'));
    if (pastNames.length === 0) throw new ModelFileError(onnxFile, 'has no past_key_values inputs (an export without KV cache)');
    const presentOf = new Map<string, string>();
    for (const p of pastNames) {
      const present = p.replace(/^past_key_values\./, 'present.');
      if (!session.outputNames.includes(present)) throw new ModelFileError(onnxFile, `has ${p} but no output ${present}`);
      presentOf.set(p, present);
    }
    const graph = inspectGraph(session, weights, { dtype, numKvHeads, headDim });
    // A rotary cache shorter than config.json's context bounds the context: past it the graph's attention
    // op fails (or, in some kernels, reads out of range), so the engine refuses with ContextOverflowError.
    let graphContext = contextLength;
    let rotary: number | null = null;
    try {
      rotary = rotaryCacheLength(weights);
    } catch {
      // not a protobuf: session creation would have failed already
    }
    if (rotary !== null && rotary < contextLength) {
      graphContext = rotary;
      graph.notes.push(`context limited to ${rotary} tokens: the graph's rotary cache (cos_cache) covers ${rotary} positions, config.json says ${contextLength}`);
    }
    const trusted = trustedContext(config, graph, runtime.backend, graphContext);
    if (trusted.note) graph.notes.push(trusted.note);

    const eos = generationConfig['eos_token_id'] ?? config['eos_token_id'];
    const eosTokenIds = (Array.isArray(eos) ? eos : eos === undefined || eos === null ? [] : [eos]).map(Number);
    const bos = config['bos_token_id'];
    const loadNotes = [...(source.notes ?? []), ...ownNotes];
    const info: ModelInfo = {
      source: sourceName,
      name: source.name,
      backend: runtime.backend,
      adapter: runtime.adapter,
      dtype,
      modelType,
      vocabSize,
      contextLength: trusted.contextLength,
      numLayers: pastNames.length / 2,
      numKvHeads: graph.numKvHeads,
      headDim: graph.headDim,
      eosTokenIds,
      bosTokenId: typeof bos === 'number' ? bos : null,
      hasChatTemplate: tokenizer.hasChatTemplate,
      ...(tokenizer.takesThinking ? { thinking: tokenizer.thinking ?? true } : {}),
      weightBytes: weights.length + externalData.reduce((s, e) => s + e.data.length, 0),
      ...(backendNote ? { backendNote } : {}),
      ...(loadNotes.length ? { notes: loadNotes } : {}),
      batching: graph.rowsOneAtATime ? 'one-row-per-pass' : 'padded',
      graphNotes: graph.notes,
    };
    onProgress?.({ file: onnxFile, loaded: weights.length, total: weights.length, overallLoaded: info.weightBytes, overallTotal: info.weightBytes, phase: 'ready' });
    return {
      info,
      session,
      runtime,
      tokenizer,
      pastNames,
      presentOf,
      kvType: graph.kvType,
      hasPositionIds: graph.hasPositionIds,
      hasCacheBranch: graph.hasCacheBranch,
      graph,
      gpu,
    };
  }

  async info(): Promise<ModelInfo> {
    return this.model.info;
  }

  async encode(text: string, template: Template = 'none'): Promise<number[]> {
    const { tokenizer } = this.model;
    return template === 'chat' ? tokenizer.encodeChat(text) : tokenizer.encode(text);
  }

  async encodeContinuation(text: string): Promise<number[]> {
    return this.model.tokenizer.encodeContinuation(text);
  }

  async renderChat(messages: ChatMessage[], addGenerationPrompt: boolean): Promise<string> {
    return this.model.tokenizer.renderChat(messages, addGenerationPrompt);
  }

  async decode(ids: number[], options: { skipSpecial?: boolean } = {}): Promise<string> {
    return this.model.tokenizer.decode(ids, options.skipSpecial ?? false);
  }

  async tokenTexts(ids: number[]): Promise<string[]> {
    const { tokenizer } = this.model;
    return ids.map((id) => tokenizer.tokenText(id));
  }

  async findTokens(query: string, limit = 20): Promise<number[]> {
    return this.model.tokenizer.findTokens(query, limit);
  }

  score(ids: number[]): Promise<Logits> {
    return this.exclusive(async () => {
      const seq: SeqState = { block: null, row: 0, tokens: [] };
      try {
        const out = await this.forward([seq], [ids], true);
        return { data: out.data, dims: [ids.length, out.dims[2]!] };
      } finally {
        this.dropRef(seq.block);
      }
    });
  }

  createSequence(ids: number[], options: StepOptions = {}): Promise<{ seq: SeqId; logits: Logits }> {
    return this.exclusive(async () => {
      const state: SeqState = { block: null, row: 0, tokens: [] };
      const logits = await this.forward([state], [ids], options.all ?? false);
      const seq = this.nextSeq++;
      this.seqs.set(seq, state);
      return { seq, logits };
    });
  }

  step(seq: SeqId, ids: number[], options: StepOptions = {}): Promise<Logits> {
    return this.exclusive(() => this.forward([this.state(seq)], [ids], options.all ?? false));
  }

  stepBatch(seqs: SeqId[], ids: number[][], options: StepOptions = {}): Promise<Logits> {
    return this.exclusive(async () => {
      if (seqs.length !== ids.length) throw new RangeError(`${seqs.length} sequences but ${ids.length} token lists`);
      if (new Set(seqs).size !== seqs.length) throw new SequenceError('a sequence appears twice in one batch');
      return this.forward(seqs.map((s) => this.state(s)), ids, options.all ?? false);
    });
  }

  fork(seq: SeqId): Promise<SeqId> {
    return this.exclusive(async () => {
      const s = this.state(seq);
      if (s.block) s.block.refs++;
      const id = this.nextSeq++;
      this.seqs.set(id, { block: s.block, row: s.row, tokens: s.tokens.slice() });
      return id;
    });
  }

  async tokens(seq: SeqId): Promise<number[]> {
    return this.state(seq).tokens.slice();
  }

  release(seq: SeqId): Promise<void> {
    return this.exclusive(async () => {
      const s = this.seqs.get(seq);
      if (!s) return;
      this.seqs.delete(seq);
      this.dropRef(s.block);
    });
  }

  async liveSequences(): Promise<number> {
    return this.seqs.size;
  }

  dispose(): Promise<void> {
    return this.exclusive(async () => {
      if (this.disposed) return;
      for (const s of this.seqs.values()) this.dropRef(s.block);
      this.seqs.clear();
      const session = this.loaded?.session;
      this.disposed = true;
      this.loaded = null;
      await session?.release();
    });
  }

  private state(seq: SeqId): SeqState {
    void this.model;
    const s = this.seqs.get(seq);
    if (!s) throw new SequenceError(`sequence ${seq} does not exist (released or never created)`);
    return s;
  }

  private dropRef(block: KvBlock | null): void {
    if (!block) return;
    block.refs--;
    if (block.refs > 0) return;
    const tensors = [...block.tensors.values()];
    const download = block.cpu;
    block.tensors.clear();
    block.cpu = undefined;
    // Never dispose a tensor while it is being downloaded: wait for the download to settle first.
    // A GPU tensor that was downloaded reports location 'cpu' but still holds its GPU buffer, so every
    // tensor of the block is disposed (disposing a plain CPU tensor only drops its data).
    const free = () => {
      for (const t of tensors) {
        try {
          t.dispose();
        } catch {
          /* already disposed */
        }
      }
    };
    if (download) void download.then(free, free);
    else free();
  }

  /** Copy of a block's tensors on the CPU (downloaded once from the GPU, however many rows ask). */
  private cpuOf(block: KvBlock): Promise<Map<string, KvArray>> {
    if (!block.cpu) {
      const entries = [...block.tensors];
      const download = Promise.all(entries.map(async ([name, t]) => [name, kvBits(await t.getData())] as const)).then((pairs) => new Map(pairs));
      // A failed download is not remembered: the next caller tries again.
      download.catch(() => {
        if (block.cpu === download) block.cpu = undefined;
      });
      block.cpu = download;
    }
    return block.cpu;
  }

  private emptyKv(m: Loaded, batch: number): Map<string, Tensor> {
    const { numKvHeads, headDim } = m.info;
    const out = new Map<string, Tensor>();
    for (const name of m.pastNames) {
      const data = m.kvType === 'float16' ? new Uint16Array(0) : new Float32Array(0);
      out.set(name, new m.runtime.ort.Tensor(m.kvType, data, [batch, numKvHeads, 0, headDim]));
    }
    return out;
  }

  /** Past tensors and masks for these rows: the rows' own block when they are exactly it, otherwise a
   *  new CPU block gathered (and padded) from the rows' blocks. */
  private async pastFor(m: Loaded, rows: SeqState[]): Promise<{ tensors: Map<string, Tensor>; length: number; masks: Uint8Array[]; owned: boolean }> {
    const B = rows.length;
    const first = rows[0]!.block;
    if (first && first.batch === B && rows.every((r, i) => r.block === first && r.row === i)) {
      return { tensors: first.tensors, length: first.length, masks: first.masks, owned: false };
    }
    if (rows.every((r) => r.block === null)) {
      return { tensors: this.emptyKv(m, B), length: 0, masks: rows.map(() => new Uint8Array(0)), owned: true };
    }
    const P = Math.max(...rows.map((r) => r.block?.length ?? 0));
    const { numKvHeads: H, headDim: D } = m.info;
    const masks = rows.map((r) => {
      const mask = new Uint8Array(P);
      if (r.block) mask.set(r.block.masks[r.row]!);
      return mask;
    });
    // One block at a time: rows that share a block (forks of one sequence) must not download the same GPU
    // tensor concurrently (onnxruntime-web rejects a second getData while one is in flight); the first
    // download is kept on the block and the other rows reuse it.
    const cpuBlocks: (Map<string, KvArray> | null)[] = [];
    for (const r of rows) cpuBlocks.push(r.block ? await this.cpuOf(r.block) : null);
    const tensors = new Map<string, Tensor>();
    for (const name of m.pastNames) {
      const sample = cpuBlocks.find((c) => c)?.get(name);
      const Ctor: ArrayCtor = sample ? (sample.constructor as ArrayCtor) : m.kvType === 'float16' ? Uint16Array : Float32Array;
      const dst = new Ctor(B * H * P * D);
      rows.forEach((r, b) => {
        const blk = r.block;
        if (!blk) return;
        const src = cpuBlocks[b]!.get(name)!;
        const L = blk.length;
        for (let h = 0; h < H; h++) {
          const s = ((r.row * H + h) * L) * D;
          dst.set(src.subarray(s, s + L * D), ((b * H + h) * P) * D);
        }
      });
      tensors.set(name, new m.runtime.ort.Tensor(m.kvType, dst, [B, H, P, D]));
    }
    return { tensors, length: P, masks, owned: true };
  }

  /** session.run, watched on WebGPU: error scopes around the run, the device's uncaptured errors and its
   *  loss. A run with any GPU error is discarded (its outputs disposed) and becomes a typed error. */
  private async run(m: Loaded, feeds: Record<string, Tensor>, cleanup: () => void): Promise<InferenceSession.OnnxValueMapType> {
    const gpu = m.gpu;
    if (gpu?.lost) throw new DeviceLostError(gpu.lost.reason, gpu.lost.message);
    const before = gpu?.errors.length ?? 0;
    if (gpu) for (const f of SCOPES) gpu.device.pushErrorScope(f);
    let out: InferenceSession.OnnxValueMapType | undefined;
    let failure: unknown;
    try {
      out = await m.session.run(feeds);
    } catch (err) {
      failure = err;
    } finally {
      cleanup();
    }
    if (!gpu) {
      if (failure !== undefined) throw failure;
      return out!;
    }
    const scoped: string[] = [];
    for (let i = 0; i < SCOPES.length; i++) {
      const e = await gpu.device.popErrorScope().catch(() => null);
      if (e) scoped.push(describeGpuError(e));
    }
    const errors = [...scoped, ...gpu.errors.slice(before)];
    if (gpu.lost || errors.length || failure !== undefined) {
      for (const v of Object.values(out ?? {})) {
        try {
          (v as Tensor).dispose?.();
        } catch {
          /* already gone */
        }
      }
      if (gpu.lost) throw new DeviceLostError(gpu.lost.reason, gpu.lost.message);
      if (errors.length) {
        const more = errors.length > 1 ? ` (and ${errors.length - 1} more GPU error${errors.length > 2 ? 's' : ''})` : '';
        throw new BackendError('webgpu', `WebGPU failed while running the model, so its output was discarded: ${errors[0]}${more}`);
      }
      // onnxruntime's own failure on WebGPU (e.g. a shader it could not build): typed, with its message.
      if (failure instanceof Error && !isLabError(failure)) {
        throw new BackendError('webgpu', `WebGPU failed while running the model, so its output was discarded: ${describeGpuError(failure)}`);
      }
      throw failure;
    }
    return out!;
  }

  /** A batched step on a graph that cannot run padded rows: one forward pass per row, the results laid
   *  out as one padded batch would give them (positions past a row's width are zero with `all`). */
  private async forwardRowByRow(rows: SeqState[], ids: number[][], all: boolean, L: number): Promise<Logits> {
    const outs: Logits[] = [];
    for (let b = 0; b < rows.length; b++) outs.push(await this.forward([rows[b]!], [ids[b]!], all));
    const V = outs[0]!.dims[outs[0]!.dims.length - 1]!;
    if (!all) {
      const data = new Float32Array(rows.length * V);
      outs.forEach((o, b) => data.set(o.data, b * V));
      return { data, dims: [rows.length, V] };
    }
    const data = new Float32Array(rows.length * L * V);
    outs.forEach((o, b) => data.set(o.data, b * L * V));
    return { data, dims: [rows.length, L, V] };
  }

  /** One forward pass for several rows; moves each row's state to the new block. */
  private async forward(rows: SeqState[], ids: number[][], all: boolean): Promise<Logits> {
    const m = this.model;
    const B = rows.length;
    if (B === 0) throw new RangeError('a forward pass needs at least one sequence');
    const widths = ids.map((x) => x.length);
    const L = Math.max(...widths);
    if (widths.some((w) => w === 0)) throw new SequenceError('every sequence in a step needs at least one new token');
    const limit = m.info.contextLength;
    rows.forEach((r, b) => {
      const requested = r.tokens.length + widths[b]!;
      if (requested > limit) throw new ContextOverflowError(requested, limit);
    });
    const V = m.info.vocabSize;
    for (const list of ids) {
      for (const t of list) {
        if (!Number.isInteger(t) || t < 0 || t >= V) throw new RangeError(`token id ${t} is outside the vocabulary (0..${V - 1})`);
      }
    }

    if (m.graph.rowsOneAtATime && B > 1 && !lengthsOnlyBatch(m.graph, rows, widths)) return this.forwardRowByRow(rows, ids, all, L);

    const past = await this.pastFor(m, rows);
    const P = past.length;
    const T = m.runtime.ort.Tensor;
    const inputIds = new BigInt64Array(B * L);
    const positions = new BigInt64Array(B * L);
    const attention = new BigInt64Array(B * (P + L));
    const newMasks: Uint8Array[] = [];
    rows.forEach((r, b) => {
      const w = widths[b]!;
      const start = r.tokens.length;
      const mask = new Uint8Array(P + L);
      mask.set(past.masks[b]!);
      for (let j = 0; j < L; j++) {
        inputIds[b * L + j] = BigInt(j < w ? ids[b]![j]! : 0);
        positions[b * L + j] = BigInt(start + Math.min(j, w - 1));
        mask[P + j] = j < w ? 1 : 0;
      }
      for (let j = 0; j < P + L; j++) attention[b * (P + L) + j] = BigInt(mask[j]!);
      newMasks.push(mask);
    });

    const feeds: Record<string, Tensor> = {
      input_ids: new T('int64', inputIds, [B, L]),
      attention_mask: new T('int64', attention, [B, P + L]),
    };
    if (m.hasPositionIds) feeds['position_ids'] = new T('int64', positions, [B, L]);
    // (a merged decoder: its with-past branch once there is a past; the branch without reads no past inputs)
    if (m.hasCacheBranch) feeds['use_cache_branch'] = new T('bool', new Uint8Array([P > 0 ? 1 : 0]), m.graph.cacheBranchDims);
    // Only the last position is needed, and it is the same column for every row: let the graph skip the rest.
    const keepLast = !all && widths.every((w) => w === L);
    if (m.graph.hasNumLogitsToKeep) feeds['num_logits_to_keep'] = new T('int64', new BigInt64Array([keepLast ? 1n : 0n]), []);
    for (const [name, t] of past.tensors) feeds[name] = t;

    const out = await this.run(m, feeds, () => {
      if (past.owned) for (const t of past.tensors.values()) if (t.location !== 'cpu') t.dispose();
    });
    const discard = () => {
      for (const v of Object.values(out)) {
        try {
          (v as Tensor).dispose?.();
        } catch {
          /* already gone */
        }
      }
    };
    const logitsTensor = out['logits'] as Tensor;
    const fullV = logitsTensor.dims[2]!;
    const kept = logitsTensor.dims[1]!; // L, or 1 when num_logits_to_keep = 1 was honoured
    if (fullV !== V) {
      // Some exports pad the vocabulary; report what the model gives.
      m.info.vocabSize = fullV;
    }
    let raw: Float32Array;
    if (logitsTensor.location === 'cpu') raw = toFloat32(logitsTensor.data);
    else {
      raw = toFloat32(await logitsTensor.getData());
      logitsTensor.dispose();
    }
    // Every logits row handed on is checked first; a broken one discards the whole run.
    for (let b = 0; b < B; b++) {
      for (let j = all ? L - kept : widths[b]! - 1; j < widths[b]!; j++) {
        const bad = rowProblem(raw, (b * kept + j - (L - kept)) * fullV, fullV);
        if (bad) {
          discard();
          throw new NumericalError(bad.problem, rows[b]!.tokens.length + j, b, bad.count, fullV, m.info.backend);
        }
      }
    }

    const block: KvBlock = { tensors: new Map(), batch: B, length: P + L, masks: newMasks, refs: 0 };
    for (const name of m.pastNames) block.tensors.set(name, out[m.presentOf.get(name)!] as Tensor);
    for (const [k, v] of Object.entries(out)) {
      if (k !== 'logits' && !k.startsWith('present')) (v as Tensor).dispose?.();
    }
    rows.forEach((r, b) => {
      this.dropRef(r.block);
      r.block = block;
      r.row = b;
      block.refs++;
      for (const t of ids[b]!) r.tokens.push(t);
    });

    if (all) return { data: raw, dims: [B, L, fullV] };
    const last = new Float32Array(B * fullV);
    for (let b = 0; b < B; b++) {
      const at = (b * kept + widths[b]! - 1 - (L - kept)) * fullV;
      last.set(raw.subarray(at, at + fullV), b * fullV);
    }
    return { data: last, dims: [B, fullV] };
  }
}


export { LabAbortError };
