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
