/**
 * The loom: a tree of continuations of one prompt, for one model or several models side by side on
 * the same token path (they must share a tokenizer). DOM-free.
 *
 * Each node is one token choice: its parent, its token id, and per model the probability of that edge
 * (raw, at T = 1, and under the sampling settings in force when it was chosen), its raw rank, and the
 * path's total log-probability (sum of the edge log-probabilities from the root, so the path
 * probability is the product of the edge probabilities).
 *
 * Engine states: per model, a node may hold a sequence (`SeqId`, the KV state after the node) and its
 * next-token logits. A new node costs ONE forward pass per model: `fork(parent's sequence)` +
 * `step(fork, [token])`; the prefix is never re-run. Sequences are kept for at most `maxLive` nodes
 * per model (the root, the cursor, and the most recently used ones); logits for at most `maxLogits`.
 * A node whose state was dropped is re-created from its nearest ancestor with a live sequence: fork it
 * and step the missing tokens as one multi-token step (still one forward pass).
 */
import type { Engine, SeqId } from '../engine/types';
import {
  entropyOfProbs,
  logSoftmax,
  processedProbs,
  rankOf,
  sampleIndex,
  seededRandom,
  topK,
  DEFAULT_SAMPLING,
  type SamplingSettings,
} from './distributions';

/** One model's view of an edge (parent → node). */
export interface EdgeData {
  /** Raw probability of the token after the parent (softmax of the raw logits, T = 1). */
  prob: number;
  logprob: number;
  /** Probability under the node's sampling settings (temperature, top-k, top-p, min-p). */
  processedProb: number;
  /** 1-based rank in the raw distribution. */
  rank: number;
  /** Sum of the edge log-probabilities from the root to this node. */
  pathLogprob: number;
}

/** One model's summary of the next-token distribution after a node (kept when the logits are dropped). */
export interface NextSummary {
  entropy: number;
  /** The most likely next tokens, raw probabilities, best first. */
  top: { id: number; prob: number }[];
}

export type NodeSource = 'root' | 'sampled' | 'chosen' | 'typed' | 'link';

export interface LoomNode {
  readonly id: number;
  readonly parent: number | null;
  /** null at the root (the prompt). */
  readonly token: number | null;
  readonly depth: number;
  readonly children: number[];
  source: NodeSource;
  /** The sampling settings in force when this token was chosen (its processed probability uses them). */
  settings: SamplingSettings;
  /** Per model (index as in the loom's engines); null until computed. */
  edges: (EdgeData | null)[];
  next: (NextSummary | null)[];
  /** Samples drawn at this node so far (makes repeated sampling with one seed reproducible). */
  draws: number;
}

export interface LoomOptions {
  /** Live sequences kept per model (root and cursor included). Default 24. */
  maxLive?: number;
  /** Nodes whose next-token logits are kept per model. Default 256. */
  maxLogits?: number;
  /** How many alternatives each node's summary keeps. Default 10. */
  summaryK?: number;
}

interface Entry {
  logits: Float32Array;
  seq: SeqId | null;
}

/** Softmax, rank and processed probability of one token in a logits row. */
function edgeFrom(logits: Float32Array, token: number, settings: SamplingSettings, parentPath: number): EdgeData {
  const lp = logSoftmax(logits);
  const logprob = lp[token]!;
  const processed = processedProbs(logits, settings);
  return { prob: Math.exp(logprob), logprob, processedProb: processed[token]!, rank: rankOf(logits, token), pathLogprob: parentPath + logprob };
}

function summaryOf(logits: Float32Array, k: number): NextSummary {
  const lp = logSoftmax(logits);
  let h = 0;
  for (let i = 0; i < lp.length; i++) if (lp[i]! > -Infinity) h -= Math.exp(lp[i]!) * lp[i]!;
  return { entropy: h, top: topK(logits, k).map((id) => ({ id, prob: Math.exp(lp[id]!) })) };
}

export class Loom {
  readonly nodes: LoomNode[] = [];
  private cursorId = 0;
  private readonly cache: Map<number, Entry>[];
  private readonly maxLive: number;
  private readonly maxLogits: number;
  private readonly summaryK: number;
  private disposed = false;
  private pinned: number | null = null;

  private constructor(
    readonly engines: readonly Engine[],
    readonly prompt: readonly number[],
    readonly vocabSize: number,
    options: LoomOptions,
  ) {
    this.maxLive = Math.max(2, options.maxLive ?? 24);
    this.maxLogits = Math.max(this.maxLive, options.maxLogits ?? 256);
    this.summaryK = options.summaryK ?? 10;
    this.cache = engines.map(() => new Map());
  }

  /** Start a loom on `prompt` (one forward pass per model). */
  static async create(engines: Engine[], prompt: number[], options: LoomOptions = {}): Promise<Loom> {
    if (engines.length === 0) throw new RangeError('a loom needs at least one model');
    if (prompt.length === 0) throw new RangeError('the prompt encodes to no tokens: type some text first');
    const infos = await Promise.all(engines.map((e) => e.info()));
    const V = infos[0]!.vocabSize;
    if (infos.some((i) => i.vocabSize !== V)) throw new RangeError('the models have different vocabularies: a loom needs one shared tokenizer');
    const loom = new Loom(engines, prompt.slice(), V, options);
    const root: LoomNode = {
      id: 0, parent: null, token: null, depth: 0, children: [], source: 'root', settings: { ...DEFAULT_SAMPLING },
      edges: engines.map(() => ({ prob: 1, logprob: 0, processedProb: 1, rank: 1, pathLogprob: 0 })),
      next: engines.map(() => null), draws: 0,
    };
    loom.nodes.push(root);
    const made: [Engine, SeqId][] = [];
    try {
      await Promise.all(
        engines.map(async (engine, m) => {
          const { seq, logits } = await engine.createSequence(prompt);
          made.push([engine, seq]);
          loom.cache[m]!.set(0, { logits: logits.data.slice(0, V), seq });
          root.next[m] = summaryOf(logits.data, loom.summaryK);
        }),
      );
    } catch (err) {
      await Promise.allSettled(made.map(([engine, s]) => engine.release(s)));
      throw err;
    }
    return loom;
  }

  get root(): LoomNode {
    return this.nodes[0]!;
  }

  get cursor(): LoomNode {
    return this.nodes[this.cursorId]!;
  }

  node(id: number): LoomNode {
    const n = this.nodes[id];
    if (!n) throw new RangeError(`no node ${id} in the loom`);
    return n;
  }

  /** Nodes from the root's first child to `id` (the root itself excluded). */
  path(id = this.cursorId): LoomNode[] {
    const out: LoomNode[] = [];
    for (let n: LoomNode | undefined = this.node(id); n && n.parent !== null; n = this.nodes[n.parent]) out.push(n);
    return out.reverse();
  }

  /** Token ids chosen from the prompt to `id`. */
  pathTokens(id = this.cursorId): number[] {
    return this.path(id).map((n) => n.token!);
  }

  /** Prompt + path: the whole context the next-token distribution at `id` is for. */
  context(id = this.cursorId): number[] {
    return [...this.prompt, ...this.pathTokens(id)];
  }

  /** Sum of the raw edge log-probabilities from the root to `id` under model `m` (NaN while a node on
   *  the path is still being computed). */
  pathLogprob(m: number, id = this.cursorId): number {
    return this.path(id).reduce((s, n) => s + (n.edges[m]?.logprob ?? NaN), 0);
  }

  /** Children of a node's parent, in the order they were made (the node's branch and its siblings). */
  siblings(id = this.cursorId): LoomNode[] {
    const n = this.node(id);
    if (n.parent === null) return [n];
    return this.node(n.parent).children.map((c) => this.node(c));
  }

  /** The child of `parent` with this token, if there is one. */
  childWith(parent: number, token: number): LoomNode | undefined {
    return this.node(parent).children.map((c) => this.node(c)).find((c) => c.token === token);
  }

  /** Raw next-token logits after node `id` for model `m` (computed if they were dropped). */
  async logits(m: number, id = this.cursorId): Promise<Float32Array> {
    const e = this.cache[m]!.get(id);
    if (e) {
      this.touch(m, id, e);
      return e.logits;
    }
    await this.materialise(m, id);
    return this.cache[m]!.get(id)!.logits;
  }

  /** Choose `token` after the cursor: reuse the child with that token or grow a new one (one forward
   *  pass per model), and move the cursor to it. */
  async choose(token: number, settings: SamplingSettings = DEFAULT_SAMPLING, source: NodeSource = 'chosen'): Promise<LoomNode> {
    return this.extend([token], settings, source);
  }

  /** Append several tokens after the cursor (typed text, a link's path): new nodes for the ones not in
   *  the tree yet, computed with one multi-token step per model; the cursor moves to the last. */
  async extend(tokens: number[], settings: SamplingSettings = DEFAULT_SAMPLING, source: NodeSource = 'typed'): Promise<LoomNode> {
    this.alive();
    for (const t of tokens) {
      if (!Number.isInteger(t) || t < 0 || t >= this.vocabSize) throw new RangeError(`token id ${t} is outside the vocabulary (0..${this.vocabSize - 1})`);
    }
    let at = this.cursorId;
    for (const t of tokens) {
      const existing = this.childWith(at, t);
      if (existing) {
        at = existing.id;
        continue;
      }
      const parent = this.node(at);
      const n: LoomNode = {
        id: this.nodes.length, parent: at, token: t, depth: parent.depth + 1, children: [], source,
        settings: { ...settings }, edges: this.engines.map(() => null), next: this.engines.map(() => null), draws: 0,
      };
      this.nodes.push(n);
      parent.children.push(n.id);
      at = n.id;
    }
    await this.goto(at, true);
    return this.cursor;
  }

  /** Move the cursor to any node (its logits are computed if they were dropped). `withState` also
   *  makes sure it has a live sequence to grow children from. */
  async goto(id: number, withState = false): Promise<LoomNode> {
    this.alive();
    this.node(id);
    // The cursor moves once the node is computed (so a reader never sees a cursor without its edges);
    // meanwhile the node is kept from eviction like the cursor.
    this.pinned = id;
    try {
      await Promise.all(this.engines.map((_, m) => (withState ? this.materialise(m, id) : this.logits(m, id))));
      this.cursorId = id;
    } finally {
      this.pinned = null;
    }
    return this.cursor;
  }

  /** Step back to the parent; null at the root. No forward pass while the parent's logits are kept. */
  async back(): Promise<LoomNode | null> {
    const p = this.cursor.parent;
    if (p === null) return null;
    return this.goto(p);
  }

  /** Switch to the previous (-1) or next (+1) sibling branch; null if there is none that way. */
  async switchBranch(delta: number): Promise<LoomNode | null> {
    const sibs = this.siblings();
    const i = sibs.findIndex((s) => s.id === this.cursorId) + delta;
    if (i < 0 || i >= sibs.length || sibs.length < 2) return null;
    return this.goto(sibs[i]!.id);
  }

  /** Sample the next token from model `m`'s processed distribution at the cursor and choose it.
   *  The uniform number comes from (seed, depth, draws at this node), so a link replays. */
  async sample(m: number, settings: SamplingSettings, seed: number): Promise<LoomNode> {
    const at = this.cursor;
    const logits = await this.logits(m, at.id);
    const u = drawUniform(seed, at.depth, at.draws);
    at.draws++;
    const id = sampleIndex(processedProbs(logits, settings), u);
    return this.choose(id, settings, 'sampled');
  }

  /** Live sequences this loom holds for model `m`. */
  liveSequences(m: number): number {
    let n = 0;
    for (const e of this.cache[m]!.values()) if (e.seq !== null) n++;
    return n;
  }

  /** Release every sequence this loom holds. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.allSettled(
      this.engines.flatMap((engine, m) => [...this.cache[m]!.values()].filter((e) => e.seq !== null).map((e) => engine.release(e.seq!))),
    );
    for (const c of this.cache) c.clear();
  }

  // ——— states ———

  private alive(): void {
    if (this.disposed) throw new Error('this loom was disposed');
  }

  private touch(m: number, id: number, e: Entry): void {
    const c = this.cache[m]!;
    c.delete(id);
    c.set(id, e);
  }

  /** Give node `id` a live sequence (and logits) for model `m`: fork the nearest ancestor that has one
   *  and step the missing tokens in one forward pass. Edges and summaries of the nodes on the way are
   *  filled in. */
  private async materialise(m: number, id: number): Promise<void> {
    const cache = this.cache[m]!;
    const own = cache.get(id);
    if (own?.seq != null) {
      this.touch(m, id, own);
      return;
    }
    const chain: LoomNode[] = [];
    let a = this.node(id);
    while (cache.get(a.id)?.seq == null) {
      chain.push(a);
      if (a.parent === null) throw new Error('the loom lost its root state');
      a = this.node(a.parent);
    }
    chain.reverse();
    const engine = this.engines[m]!;
    const anchor = cache.get(a.id)!;
    this.touch(m, a.id, anchor);
    const seq = await engine.fork(anchor.seq!);
    let rows: Float32Array;
    try {
      const out = await engine.step(seq, chain.map((n) => n.token!), { all: chain.length > 1 });
      rows = out.data;
    } catch (err) {
      await engine.release(seq);
      throw err;
    }
    const V = this.vocabSize;
    let parentLogits = anchor.logits;
    chain.forEach((n, i) => {
      const logits = rows.slice(i * V, (i + 1) * V);
      if (!n.edges[m]) {
        const parentPath = this.node(n.parent!).edges[m]!.pathLogprob;
        n.edges[m] = edgeFrom(parentLogits, n.token!, n.settings, parentPath);
      }
      if (!n.next[m]) n.next[m] = summaryOf(logits, this.summaryK);
      const last = i === chain.length - 1;
      const e = cache.get(n.id);
      if (last) {
        if (e) cache.delete(n.id);
        cache.set(n.id, { logits: e?.logits ?? logits, seq });
      } else if (!e) {
        cache.set(n.id, { logits, seq: null });
      }
      parentLogits = logits;
    });
    await this.evict(m);
  }

  /** Keep at most `maxLive` sequences and `maxLogits` logits for model `m`, least recently used go first;
   *  the root and the cursor stay. */
  private async evict(m: number): Promise<void> {
    const cache = this.cache[m]!;
    const engine = this.engines[m]!;
    const pinned = (id: number) => id === 0 || id === this.cursorId || id === this.pinned;
    let live = this.liveSequences(m);
    const releases: Promise<void>[] = [];
    for (const [id, e] of cache) {
      if (live <= this.maxLive) break;
      if (pinned(id) || e.seq === null) continue;
      releases.push(engine.release(e.seq));
      e.seq = null;
      live--;
    }
    for (const [id, e] of cache) {
      if (cache.size <= this.maxLogits) break;
      if (pinned(id)) continue;
      if (e.seq !== null) releases.push(engine.release(e.seq));
      cache.delete(id);
    }
    await Promise.all(releases);
  }
}

/** The uniform number for the `draw`-th sample at depth `depth` with `seed` (mulberry32 of a mix). */
export function drawUniform(seed: number, depth: number, draw: number): number {
  const mixed = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(depth + 1, 0x85ebca6b) ^ Math.imul(draw + 1, 0xc2b2ae35)) >>> 0;
  return seededRandom(mixed)();
}

// ——— the chosen path in a URL ———

/** Token ids as `12.7.301` (URL-safe, no escaping needed). */
export function serializePath(ids: readonly number[]): string {
  return ids.join('.');
}

/** Parse `serializePath`'s output; null if it is not a list of non-negative integers below `vocabSize`. */
export function parsePath(text: string | null, vocabSize = Infinity): number[] | null {
  if (text === null) return null;
  if (text.trim() === '') return [];
  const parts = text.split('.');
  const ids: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,9}$/.test(p)) return null;
    const id = Number(p);
    if (id >= vocabSize) return null;
    ids.push(id);
  }
  return ids;
}

// ——— what a step shows ———

export interface StepRow {
  id: number;
  /** 1-based rank in the raw distribution. */
  rank: number;
  prob: number;
  logprob: number;
  /** Probability after temperature and truncation (0 when truncated away). */
  processedProb: number;
}

export interface StepDistribution {
  /** The raw (T = 1) distribution's entropy in nats, and the processed one's. */
  entropy: number;
  processedEntropy: number;
  /** The `n` most likely tokens (raw ranking). */
  rows: StepRow[];
  /** Probability outside the listed rows, raw and processed. */
  massOutside: number;
  processedMassOutside: number;
  /** Tokens the processed distribution keeps (probability > 0). */
  kept: number;
}

/** The full next-token distribution for the explorer: raw top-`n` with the processed probability of
 *  each, entropies, and the mass outside the list. */
export function stepDistribution(logits: Float32Array, settings: SamplingSettings, n: number): StepDistribution {
  const lp = logSoftmax(logits);
  const processed = processedProbs(logits, settings);
  const ids = topK(logits, n);
  let listed = 0;
  let listedProcessed = 0;
  const rows = ids.map((id, i) => {
    const prob = Math.exp(lp[id]!);
    listed += prob;
    listedProcessed += processed[id]!;
    return { id, rank: i + 1, prob, logprob: lp[id]!, processedProb: processed[id]! };
  });
  let h = 0;
  for (let i = 0; i < lp.length; i++) if (lp[i]! > -Infinity) h -= Math.exp(lp[i]!) * lp[i]!;
  let kept = 0;
  for (let i = 0; i < processed.length; i++) if (processed[i]! > 0) kept++;
  return {
    entropy: h,
    processedEntropy: entropyOfProbs(processed),
    rows,
    massOutside: Math.max(0, 1 - listed),
    processedMassOutside: Math.max(0, 1 - listedProcessed),
    kept,
  };
}

/** One token of the vocabulary in a distribution: raw probability, log-probability, raw rank, and
 *  probability after processing. */
export function lookupToken(logits: Float32Array, settings: SamplingSettings, id: number): StepRow {
  const lp = logSoftmax(logits);
  return { id, rank: rankOf(logits, id), prob: Math.exp(lp[id]!), logprob: lp[id]!, processedProb: processedProbs(logits, settings)[id]! };
}

/** GLTR-style rank buckets. */
export type RankBucket = 'top1' | 'top10' | 'top100' | 'beyond';

export function rankBucket(rank: number): RankBucket {
  if (rank <= 1) return 'top1';
  if (rank <= 10) return 'top10';
  if (rank <= 100) return 'top100';
  return 'beyond';
}

/** Whether two engines share one tokenizer: the same vocabulary size, the same text for every token
 *  (up to `maxCompare` ids), the same encoding of a probe text. */
export async function sameTokenizer(a: Engine, b: Engine, maxCompare = 300_000): Promise<boolean> {
  const [ia, ib] = await Promise.all([a.info(), b.info()]);
  if (ia.vocabSize !== ib.vocabSize || ia.vocabSize > maxCompare) return false;
  const ids = Array.from({ length: ia.vocabSize }, (_, i) => i);
  const [ta, tb] = await Promise.all([a.tokenTexts(ids), b.tokenTexts(ids)]);
  if (!ta.every((t, i) => t === tb[i])) return false;
  const probe = 'Hello, world!\n  The 2 "lab" prompts: <tags> & naïve café…';
  const [ea, eb] = await Promise.all([a.encode(probe, 'none'), b.encode(probe, 'none')]);
  return ea.length === eb.length && ea.every((t, i) => t === eb[i]);
}
