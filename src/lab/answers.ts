/**
 * Exact answer distributions: the probability of each candidate answer by enumeration, not sampling.
 *
 * Each candidate continuation `prefix + candidate + suffix` is tokenized on its own (no special tokens
 * added), appended to the context's token ids, and scored teacher-forced: its log-probability is the sum
 * of its tokens' log-probabilities. The context is run once; every candidate forks its KV state and the
 * candidates are scored in batches (one forward pass per batch), so the prefix is never recomputed.
 *
 * The logits rows needed are kept, so the whole result can be re-tempered exactly at any temperature.
 */
import { LabAbortError } from '../engine/errors';
import type { Engine } from '../engine/types';
import { logSoftmax } from './distributions';

export interface AnswerOptions {
  /** Text put before every candidate (e.g. " " for a space-separated answer). */
  prefix?: string;
  /** Text put after every candidate (e.g. "." or "\n" to make candidates mutually exclusive). */
  suffix?: string;
  /** Candidates per forward pass. */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface ScoredChoice {
  text: string;
  /** Token ids of the candidate continuation (prefix + candidate + suffix). */
  ids: number[];
  /** Natural log-probability of the continuation given the context, at temperature 1. */
  logp: number;
  prob: number;
  /** Per-token log-probabilities. */
  tokenLogps: number[];
}

export interface NormalizedStats {
  /** Entropy (nats) of the distribution renormalised over the candidate set. */
  entropy: number;
  /** KL(p ‖ uniform) in nats = ln n − entropy. */
  kl_uniform: number;
  /** Pearson's χ² against uniform per sample: n·Σp² − 1 (multiply by a sample count N for the
   *  statistic N draws would give in expectation). 0 for uniform, n − 1 for a point mass. */
  chi2: number;
  top1: { text: string; prob: number };
}

export interface AnswersResult {
  context: number[];
  temperature: number;
  choices: ScoredChoice[];
  /** Total probability the candidate set covers. */
  mass: number;
  normalized: NormalizedStats;
  /** Human-readable notes on prefix ambiguity (empty when candidates are mutually exclusive). */
  warnings: string[];
}

/** Logits rows kept for exact re-tempering: `rows[k]` is the distribution of candidate token k. */
export interface AnswerScores {
  context: number[];
  texts: string[];
  ids: number[][];
  /** rows[c][k]: raw logits before token k of candidate c (shared rows are the same object). */
  rows: Float32Array[][];
  warnings: string[];
}

/** Parse a candidate spec: `1..100`, `a..e`, or a list separated by newlines or commas. */
export function parseChoices(spec: string): string[] {
  const range = /^\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*$/.exec(spec);
  if (range) {
    const [a, b] = [Number(range[1]), Number(range[2])];
    if (b < a) throw new RangeError(`empty range ${spec}`);
    if (b - a >= 10000) throw new RangeError(`range ${spec} has more than 10000 candidates`);
    return Array.from({ length: b - a + 1 }, (_, i) => String(a + i));
  }
  const letters = /^\s*([A-Za-z])\s*\.\.\s*([A-Za-z])\s*$/.exec(spec);
  if (letters) {
    const [a, b] = [letters[1]!.charCodeAt(0), letters[2]!.charCodeAt(0)];
    if (b < a) throw new RangeError(`empty range ${spec}`);
    return Array.from({ length: b - a + 1 }, (_, i) => String.fromCharCode(a + i));
  }
  const sep = spec.includes('\n') ? /\r?\n/ : /,/;
  const items = spec.split(sep).map((s) => (sep.source === ',' ? s.trim() : s.replace(/\r$/, ''))).filter((s) => s.trim() !== '');
  if (items.length === 0) throw new RangeError('no candidates given');
  const dup = items.find((s, i) => items.indexOf(s) !== i);
  if (dup !== undefined) throw new RangeError(`candidate "${dup}" appears twice`);
  return items;
}

function isPrefix(a: number[], b: number[]): boolean {
  return a.length < b.length && a.every((t, i) => b[i] === t);
}

/** Notes on candidates whose token sequences are prefixes of others (the "1" covers "10" problem). */
export function ambiguityWarnings(texts: string[], ids: number[][]): string[] {
  const out: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    const covered = ids.map((other, j) => (j !== i && isPrefix(ids[i]!, other) ? texts[j]! : null)).filter((x): x is string => x !== null);
    if (covered.length) {
      const shown = covered.slice(0, 3).map((t) => `"${t}"`).join(', ');
      out.push(`"${texts[i]}" is also the start of ${shown}${covered.length > 3 ? ` and ${covered.length - 3} more` : ''}: its probability includes theirs. Add a terminating suffix (e.g. "." or a newline) to make the candidates mutually exclusive.`);
    }
  }
  return out;
}

/** Score every candidate (one context pass, candidate batches over forked KV states). */
export async function scoreAnswers(engine: Engine, context: number[], choices: string[], options: AnswerOptions = {}): Promise<AnswerScores> {
  if (context.length === 0) throw new RangeError('the prompt encodes to no tokens');
  if (choices.length === 0) throw new RangeError('no candidates given');
  const prefix = options.prefix ?? '';
  const suffix = options.suffix ?? '';
  const batchSize = Math.max(1, options.batchSize ?? 32);
  const ids: number[][] = [];
  for (const c of choices) {
    const t = await engine.encodeContinuation(prefix + c + suffix);
    if (t.length === 0) throw new RangeError(`candidate "${c}" encodes to no tokens`);
    ids.push(t);
  }
  const { seq: root, logits: first } = await engine.createSequence(context);
  const V = first.dims[1]!;
  const firstRow = first.data;
  const rows: Float32Array[][] = ids.map(() => [firstRow]);
  try {
    const multi = ids.map((t, i) => (t.length > 1 ? i : -1)).filter((i) => i >= 0);
    for (let start = 0; start < multi.length; start += batchSize) {
      if (options.signal?.aborted) throw new LabAbortError('answer scoring');
      const group = multi.slice(start, start + batchSize);
      const forks: number[] = [];
      for (let i = 0; i < group.length; i++) forks.push(await engine.fork(root));
      try {
        // Feed all tokens but the last; row j of the output is the distribution of token j + 1.
        const out = await engine.stepBatch(forks, group.map((c) => ids[c]!.slice(0, -1)), { all: true });
        const W = out.dims[1]!;
        group.forEach((c, b) => {
          for (let j = 0; j < ids[c]!.length - 1; j++) rows[c]!.push(out.data.slice((b * W + j) * V, (b * W + j + 1) * V));
        });
      } finally {
        for (const f of forks) await engine.release(f);
      }
      options.onProgress?.(Math.min(start + batchSize, multi.length), multi.length);
    }
  } finally {
    await engine.release(root);
  }
  return { context, texts: choices, ids, rows, warnings: ambiguityWarnings(choices, ids) };
}

/** The answer distribution at a temperature, exactly, from the kept logits rows. */
export function answersAt(scores: AnswerScores, temperature = 1): AnswersResult {
  const cache = new Map<Float32Array, Float64Array>();
  const lsm = (r: Float32Array) => {
    let v = cache.get(r);
    if (!v) {
      v = logSoftmax(r, temperature);
      cache.set(r, v);
    }
    return v;
  };
  const choices: ScoredChoice[] = scores.texts.map((text, c) => {
    const ids = scores.ids[c]!;
    const tokenLogps = ids.map((id, k) => lsm(scores.rows[c]![k]!)[id]!);
    const logp = tokenLogps.reduce((a, b) => a + b, 0);
    return { text, ids, logp, prob: Math.exp(logp), tokenLogps };
  });
  const mass = choices.reduce((s, c) => s + c.prob, 0);
  return { context: scores.context, temperature, choices, mass, normalized: normalizedStats(choices), warnings: scores.warnings };
}

/** Entropy, KL to uniform, χ² per sample and top-1 of the distribution renormalised over the set. */
export function normalizedStats(choices: { text: string; logp: number }[]): NormalizedStats {
  const n = choices.length;
  const m = Math.max(...choices.map((c) => c.logp));
  const w = choices.map((c) => Math.exp(c.logp - m));
  const z = w.reduce((a, b) => a + b, 0);
  const p = w.map((x) => x / z);
  let entropy = 0;
  let sumSq = 0;
  let best = 0;
  p.forEach((x, i) => {
    if (x > 0) entropy -= x * Math.log(x);
    sumSq += x * x;
    if (x > p[best]!) best = i;
  });
  return {
    entropy,
    kl_uniform: Math.max(0, Math.log(n) - entropy),
    chi2: n * sumSq - 1,
    top1: { text: choices[best]!.text, prob: p[best]! },
  };
}

/** Each candidate's share of the set: its probability renormalised over the candidates (sums to 1). */
export function normalizedShares(choices: { logp: number }[]): number[] {
  const m = Math.max(...choices.map((c) => c.logp));
  const w = choices.map((c) => Math.exp(c.logp - m));
  const z = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / z);
}

export interface AnswerPreset {
  id: string;
  label: string;
  prompt: string;
  choices: string;
  prefix: string;
  suffix: string;
  /** Published figures for context (Janus, "Mysteries of mode collapse", 2022). */
  published?: string;
}

export const ANSWER_PRESETS: AnswerPreset[] = [
  { id: 'random-integer', label: 'Tell me a random integer', prompt: 'Tell me a random integer between 1 and 100.', choices: '1..100', prefix: '', suffix: '', published: undefined },
  { id: 'think-number', label: 'Think of a number', prompt: 'Think of a number between 1 and 100.', choices: '1..100', prefix: '', suffix: '', published: 'text-davinci-002 put 66.14% on "42".' },
  { id: 'd6', label: 'Simulate a d6', prompt: 'Simulate a six-sided die roll. The result is:', choices: '1..6', prefix: ' ', suffix: '', published: 'text-davinci-002 put 73.19% on "6"; base davinci 10.82% on its favourite, "3".' },
  { id: 'd100', label: 'Simulate a d100', prompt: 'Roll a 100-sided die. The result is:', choices: '1..100', prefix: ' ', suffix: '', published: undefined },
  { id: 'bugs', label: 'Are bugs real?', prompt: 'Are bugs real?', choices: 'Yes\nNo\nIt depends', prefix: '', suffix: '', published: 'text-davinci-002 prevaricates ("it depends on how you define real"); davinci mostly answers.' },
];
