/**
 * The next-token view: the full distribution after a prefix, summarised (top-k with token text,
 * probability, log-probability, entropy, mass outside the list). Used by the first lab page and the CLI.
 */
import type { Engine, Template } from '../engine/types';
import { summarize, type DistributionSummary } from './distributions';

export interface NextTokenEntry {
  id: number;
  text: string;
  logit: number;
  prob: number;
  logprob: number;
}

export interface NextTokenView {
  /** The prefix as the model saw it. */
  tokens: { id: number; text: string }[];
  entropy: number;
  massOutside: number;
  top: NextTokenEntry[];
  /** The raw logits (temperature 1), full vocabulary. */
  logits: Float32Array;
}

export async function encodePrompt(engine: Engine, text: string, template: Template): Promise<number[]> {
  return engine.encode(text, template);
}

/** Score a prefix (one forward pass) and summarise the next-token distribution. */
export async function nextTokenView(engine: Engine, ids: number[], k: number): Promise<NextTokenView> {
  if (ids.length === 0) throw new RangeError('the prompt encodes to no tokens: type some text first');
  const { seq, logits } = await engine.createSequence(ids);
  await engine.release(seq);
  return viewFromLogits(engine, ids, logits.data, k);
}

export async function viewFromLogits(engine: Engine, ids: number[], logits: Float32Array, k: number): Promise<NextTokenView> {
  const summary: DistributionSummary = summarize(logits, k);
  const texts = await engine.tokenTexts([...ids, ...summary.top.map((t) => t.id)]);
  return {
    tokens: ids.map((id, i) => ({ id, text: texts[i]! })),
    entropy: summary.entropy,
    massOutside: summary.massOutside,
    top: summary.top.map((t, i) => ({ ...t, text: texts[ids.length + i]! })),
    logits,
  };
}

/**
 * One live sequence per engine, for `nextTokenViewCached`: the Next-token tab appends a token at a time,
 * so the context usually extends the previous one and only the new tokens are run.
 */
interface PrefixEntry {
  seq: import('../engine/types').SeqId;
  tokens: number[];
  logits: Float32Array;
}
const prefixes = new WeakMap<Engine, PrefixEntry>();
const queues = new WeakMap<Engine, Promise<unknown>>();

/** Like `nextTokenView`, reusing the engine's previous context (its KV cache) when `ids` extends it.
 *  Calls on one engine run one at a time. */
export function nextTokenViewCached(engine: Engine, ids: number[], k: number): Promise<NextTokenView> {
  const run = (queues.get(engine) ?? Promise.resolve()).then(async () => {
    if (ids.length === 0) throw new RangeError('the prompt encodes to no tokens: type some text first');
    const c = prefixes.get(engine);
    let logits: Float32Array;
    if (c && ids.length >= c.tokens.length && c.tokens.every((t, i) => ids[i] === t)) {
      if (ids.length === c.tokens.length) logits = c.logits;
      else {
        try {
          logits = (await engine.step(c.seq, ids.slice(c.tokens.length))).data;
        } catch (err) {
          prefixes.delete(engine);
          await engine.release(c.seq).catch(() => undefined);
          throw err;
        }
        c.tokens = ids.slice();
        c.logits = logits;
      }
    } else {
      prefixes.delete(engine);
      if (c) await engine.release(c.seq).catch(() => undefined);
      const created = await engine.createSequence(ids);
      logits = created.logits.data;
      prefixes.set(engine, { seq: created.seq, tokens: ids.slice(), logits });
    }
    return viewFromLogits(engine, ids, logits, k);
  });
  queues.set(engine, run.catch(() => undefined));
  return run;
}

/** Release the sequence `nextTokenViewCached` keeps for an engine (tests, leak checks). */
export async function forgetPrefix(engine: Engine): Promise<void> {
  const c = prefixes.get(engine);
  prefixes.delete(engine);
  if (c) await engine.release(c.seq);
}
