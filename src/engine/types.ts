/**
 * The one engine interface. The same shape is implemented in-process (Node CLI, Vitest, benchmarks)
 * by `LabEngine`, and across a worker boundary by `WorkerEngine` (Comlink). Experiments in `src/lab`
 * take an `Engine` and never know which one they hold.
 *
 * Everything is async so that the worker implementation can satisfy it. Logits are always raw
 * (before temperature or truncation), full vocabulary, row-major Float32Array.
 */

export type Backend = 'webgpu' | 'wasm' | 'node';
export type BackendChoice = Backend | 'auto';

/** Weight variants, named as in the Hugging Face hub's ONNX exports (`onnx/model_<suffix>.onnx`). */
export type Dtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4';

/** Which context template a text is wrapped in before encoding. */
export type Template = 'none' | 'chat';

export interface LoadOptions {
  dtype?: Dtype;
  /** Called as bytes arrive. */
  onProgress?: (progress: LoadProgress) => void;
  signal?: AbortSignal;
  /** Load from these files (a folder chosen on the page, by relative path) instead of fetching `source`. */
  files?: Map<string, Blob>;
  /** `enable_thinking` for chat templates that read it (Qwen3): false renders the empty `<think>` block
   *  that turns reasoning off. Unset: the template's default (thinking on). Ignored, with a note, by
   *  templates without it. */
  thinking?: boolean;
}

export interface LoadProgress {
  file: string;
  loaded: number;
  /** 0 when the size is not known yet. */
  total: number;
  /** Bytes of all model files together, as far as known. */
  overallLoaded: number;
  overallTotal: number;
  phase: 'download' | 'session' | 'ready';
}

export interface ModelInfo {
  /** What the caller passed: a folder, a URL or a hub id. */
  source: string;
  /** Short display name, e.g. `lab-base`. */
  name: string;
  backend: Backend;
  /** The GPU adapter (WebGPU), or a description of the CPU path. */
  adapter: string;
  dtype: Dtype;
  modelType: string;
  vocabSize: number;
  /** Maximum number of positions (prompt + generated). */
  contextLength: number;
  numLayers: number;
  numKvHeads: number;
  headDim: number;
  eosTokenIds: number[];
  bosTokenId: number | null;
  hasChatTemplate: boolean;
  /** Present when the chat template reads `enable_thinking` (Qwen3): whether thinking is on in the
   *  chat prompts this engine renders. */
  thinking?: boolean;
  /** Bytes of the ONNX weights that were loaded. */
  weightBytes: number;
  /** Why this backend runs when it is not the one asked for or expected (e.g. `auto` chose WASM over a
   *  software WebGPU adapter, or a float16 graph on an adapter without shader-f16). */
  backendNote?: string;
  /** Notes on how the files were got, e.g. that the cache was full and the model runs from memory. */
  notes?: string[];
  /** How batched steps run: in one padded forward pass, or one row per pass (graphs whose attention reads
   *  the mask only as lengths, e.g. GroupQueryAttention). Absent on engines that predate it. */
  batching?: 'padded' | 'one-row-per-pass';
  /** Facts about the graph's interface the engine adapted to (float16 KV, no position_ids, …). */
  graphNotes?: string[];
}

/** A handle on a sequence state (tokens + KV cache) that lives inside the engine. */
export type SeqId = number;

export interface Logits {
  /** Row-major raw logits. */
  data: Float32Array;
  /** `[rows, vocab]` for last-position results, `[batch, width, vocab]` with `all`. */
  dims: number[];
}

export interface StepOptions {
  /** Return logits at every new position instead of only the last one. */
  all?: boolean;
}

export interface Engine {
  /** Load a model from a hub-layout folder (path or URL) or a hub id. Once per engine. */
  load(source: string, options?: LoadOptions): Promise<ModelInfo>;
  info(): Promise<ModelInfo>;

  /** Encode a text: `none` encodes it as the tokenizer does by default; `chat` wraps it as one user
   *  message in the model's chat template with the generation prompt. */
  encode(text: string, template?: Template): Promise<number[]>;
  /** Encode a continuation on its own: no special tokens, no template. */
  encodeContinuation(text: string): Promise<number[]>;
  /** Render a chat (list of messages) with the model's chat template, as text. */
  renderChat(messages: ChatMessage[], addGenerationPrompt: boolean): Promise<string>;
  decode(ids: number[], options?: { skipSpecial?: boolean }): Promise<string>;
  /** The text each token stands for on its own (decoded individually). */
  tokenTexts(ids: number[]): Promise<string[]>;
  /** Ids whose text matches a query (for vocabulary search), best matches first. */
  findTokens(query: string, limit?: number): Promise<number[]>;

  /** Teacher-forced scoring of a whole sequence in one forward pass: logits at every position,
   *  dims `[ids.length, vocab]`; row t is the distribution of token t+1. */
  score(ids: number[]): Promise<Logits>;

  /** Start a sequence from a prefix (one forward pass); returns its id and the last position's logits. */
  createSequence(ids: number[], options?: StepOptions): Promise<{ seq: SeqId; logits: Logits }>;
  /** Append tokens to a sequence, reusing its KV cache; logits of the last (or every) new position. */
  step(seq: SeqId, ids: number[], options?: StepOptions): Promise<Logits>;
  /** Append tokens to several sequences in one forward pass; `ids[i]` goes to `seqs[i]`.
   *  Rows may have different lengths (padded and masked); with `all`, dims are
   *  `[batch, max length, vocab]`, else `[batch, vocab]` holding each row's last real position. */
  stepBatch(seqs: SeqId[], ids: number[][], options?: StepOptions): Promise<Logits>;
  /** A new sequence sharing this one's state; no recomputation of the prefix. */
  fork(seq: SeqId): Promise<SeqId>;
  /** Token ids of a sequence so far. */
  tokens(seq: SeqId): Promise<number[]>;
  release(seq: SeqId): Promise<void>;
  /** Number of live sequences (for leak checks). */
  liveSequences(): Promise<number>;
  dispose(): Promise<void>;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}
