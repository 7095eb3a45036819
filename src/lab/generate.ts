/**
 * Generation on top of the engine: greedy or sampled (temperature, top-k, top-p, min-p, seed), one
 * step per token with the KV cache. The sampled token always comes from the processed distribution.
 */
import { LabAbortError } from '../engine/errors';
import type { Engine } from '../engine/types';
import { processedProbs, sampleIndex, seededRandom, topK, type SamplingSettings } from './distributions';

export interface GenerateOptions {
  maxTokens: number;
  /** Omitted or temperature 0: greedy. */
  sampling?: SamplingSettings;
  seed?: number;
  /** Stop after emitting one of these (default: the model's EOS ids). */
  stopIds?: number[];
  signal?: AbortSignal;
  onToken?: (id: number, logits: Float32Array) => void;
}

export interface Generation {
  ids: number[];
  stopped: 'eos' | 'length';
}

export function chooseToken(logits: Float32Array, sampling: SamplingSettings | undefined, random: () => number): number {
  if (!sampling || sampling.temperature === 0) return topK(logits, 1)[0]!;
  return sampleIndex(processedProbs(logits, sampling), random());
}

export async function generate(engine: Engine, context: number[], options: GenerateOptions): Promise<Generation> {
  const stop = new Set(options.stopIds ?? (await engine.info()).eosTokenIds);
  const random = seededRandom(options.seed ?? 0);
  const ids: number[] = [];
  if (options.maxTokens <= 0) return { ids, stopped: 'length' };
  const { seq, logits: first } = await engine.createSequence(context);
  try {
    let logits = first.data;
    for (;;) {
      if (options.signal?.aborted) throw new LabAbortError('generation');
      const id = chooseToken(logits, options.sampling, random);
      ids.push(id);
      options.onToken?.(id, logits);
      if (stop.has(id)) return { ids, stopped: 'eos' };
      if (ids.length >= options.maxTokens) return { ids, stopped: 'length' };
      logits = (await engine.step(seq, [id])).data;
    }
  } finally {
    await engine.release(seq);
  }
}
