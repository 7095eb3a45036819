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
import { logSoftmax, row } from './distributions';
import { generate } from './generate';
import { sampleBatch } from './sweep';

export interface AnswerOptions {
  /** The model's own words in its turn before the answer (e.g. a tuned model's "Sure! How about"), as
   *  token ids appended to the context: the candidates are scored where the model puts its probability. */
  frame?: number[];
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
  /** Raw probability of the continuation (what published next-token figures report). */
  prob: number;
  /** The probability of this candidate's path that does not go on into a longer candidate's path (prob
   *  minus its direct extensions in the set; equal to prob when no candidate's tokens start with its). */
  prob_exclusive: number;
  /** Its share of the candidate set: prob_exclusive renormalised over the set (the shares sum to 1). */
  share: number;
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
  /** Frame token ids scored after the context, before every candidate (empty: none). */
  frame: number[];
  temperature: number;
  choices: ScoredChoice[];
  /** Total probability the candidate set covers: the probability of the union of the candidates' paths
   *  (the sum of prob_exclusive, so a candidate that starts another is not counted twice). */
  mass: number;
  normalized: NormalizedStats;
  /** Human-readable notes: prefix ambiguity, and a low-mass warning when the set covers < 50%. */
  warnings: string[];
}

/** Below this covered mass the shares describe a path the model rarely takes: a warning is given. */
export const LOW_MASS = 0.5;

export function lowMassWarning(mass: number): string {
  return `Low mass: the candidates cover only ${(mass * 100).toPrecision(3)}% of the model's probability (below ${LOW_MASS * 100}%). Most of its probability goes to other continuations, so the shares describe a path it rarely takes. Give a frame (the model's own words before the answer) or widen the candidate set.`;
}

/** Logits rows kept for exact re-tempering: `rows[k]` is the distribution of candidate token k. */
export interface AnswerScores {
  context: number[];
  frame: number[];
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
      out.push(`"${texts[i]}" is also the start of ${shown}${covered.length > 3 ? ` and ${covered.length - 3} more` : ''}: its raw probability includes theirs (its share, and the mass, count only the paths that do not go on into them). A terminating suffix (e.g. "." or a newline) makes the candidates mutually exclusive.`);
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
  const frame = options.frame ?? [];
  const { seq: root, logits: first } = await engine.createSequence([...context, ...frame]);
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
  return { context, frame, texts: choices, ids, rows, warnings: ambiguityWarnings(choices, ids) };
}

/**
 * Log-probabilities of the candidates as exclusive events: a candidate's path minus the paths of its direct
 * extensions in the set (candidates whose tokens start with its tokens, with no candidate in between).
 * Sibling extensions diverge, so they are disjoint and their probabilities add; the results sum to the
 * probability of the union of all candidates' paths. Computed in log space (tiny probabilities survive).
 */
export function exclusiveLogps(ids: number[][], logps: number[]): number[] {
  return ids.map((c, i) => {
    const ext = ids.map((d, j) => (j !== i && isPrefix(c, d) ? j : -1)).filter((j) => j >= 0);
    const direct = ext.filter((j) => !ext.some((k) => k !== j && isPrefix(ids[k]!, ids[j]!)));
    if (direct.length === 0) return logps[i]!;
    const ratio = direct.reduce((s, j) => s + Math.exp(logps[j]! - logps[i]!), 0);
    return ratio >= 1 ? -Infinity : logps[i]! + Math.log1p(-ratio);
  });
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
  const raw = scores.texts.map((text, c) => {
    const ids = scores.ids[c]!;
    const tokenLogps = ids.map((id, k) => lsm(scores.rows[c]![k]!)[id]!);
    const logp = tokenLogps.reduce((a, b) => a + b, 0);
    return { text, ids, logp, prob: Math.exp(logp), tokenLogps };
  });
  const exclusive = exclusiveLogps(raw.map((c) => c.ids), raw.map((c) => c.logp));
  const shares = normalizedShares(exclusive.map((logp) => ({ logp })));
  const choices: ScoredChoice[] = raw.map((c, i) => ({ text: c.text, ids: c.ids, logp: c.logp, prob: c.prob, prob_exclusive: Math.exp(exclusive[i]!), share: shares[i]!, tokenLogps: c.tokenLogps }));
  const mass = choices.reduce((s, c) => s + c.prob_exclusive, 0);
  const warnings = mass < LOW_MASS ? [lowMassWarning(mass), ...scores.warnings] : scores.warnings.slice();
  return { context: scores.context, frame: scores.frame, temperature, choices, mass, normalized: normalizedStats(raw.map((c, i) => ({ text: c.text, logp: exclusive[i]! }))), warnings };
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

/** One published figure: a model's arg-max answer and its RAW next-token probability. */
export interface PublishedRow {
  model: 'davinci' | 'text-davinci-002';
  answer: string;
  /** Raw probability (not renormalised over the valid answers), as a fraction. */
  prob: number;
}

export interface PublishedFigures {
  /** The prompt's name in the source's table. */
  prompt: string;
  rows: PublishedRow[];
  /** What a true random generator would put on each answer. */
  uniform: number;
}

/** Janus, "How good is GPT-3 at generating random numbers, before and after RLHF?" (generative.ink,
 *  2022; the data behind "Mysteries of mode collapse"). Raw arg-max probabilities, not renormalised. */
export const PUBLISHED_SOURCE = { title: 'Janus (2022), GPT-3 random numbers before and after RLHF', url: 'https://generative.ink/experiments/random-numbers/' };

export interface AnswerPreset {
  id: string;
  label: string;
  prompt: string;
  choices: string;
  /** Before every candidate; with a frame, usually the space between the frame's last word and the answer. */
  prefix: string;
  suffix: string;
  /** Per model, the words before the answer: "auto" finds the model's own opener greedily (findFrame),
   *  any other text is used as typed, "" scores the candidates right after the context. */
  frames: { base: string; tuned: string };
  /** Published figures for context (raw probabilities). */
  published?: PublishedFigures;
  /** Why a preset may still cover < 50% of a model's mass, when it is known. */
  note?: string;
}

const RANGE_1_100 = '1..100';

/** A typed frame for a base model trained on prose (Brown): it writes numbers after labels such as "No."
 *  (number), rarely right after a question; the frame puts the candidates where it writes numbers. */
export const BASE_NUMBER_FRAME = ' No.';

export const ANSWER_PRESETS: AnswerPreset[] = [
  {
    id: 'random-integer',
    label: 'Tell me a random integer',
    prompt: 'Tell me a random integer between 1 and 100.',
    choices: RANGE_1_100,
    prefix: ' ',
    suffix: '',
    frames: { base: BASE_NUMBER_FRAME, tuned: 'auto' },
    published: { prompt: 'Tell me a random integer', rows: [{ model: 'davinci', answer: '42', prob: 0.0399 }, { model: 'text-davinci-002', answer: '97', prob: 0.209 }], uniform: 0.01 },
  },
  {
    id: 'think-number',
    label: 'Think of a number',
    prompt: 'Think of a number between 1 and 100.',
    choices: RANGE_1_100,
    prefix: ' ',
    suffix: '',
    frames: { base: BASE_NUMBER_FRAME, tuned: 'auto' },
    published: { prompt: 'Think of a number (OAI assistant)', rows: [{ model: 'davinci', answer: '42', prob: 0.0918 }, { model: 'text-davinci-002', answer: '42', prob: 0.6614 }], uniform: 0.01 },
  },
  {
    id: 'd6',
    label: 'Simulate a d6',
    prompt: 'Simulate a six-sided die roll. The result is:',
    choices: '1..6',
    prefix: ' ',
    suffix: '',
    frames: { base: BASE_NUMBER_FRAME, tuned: 'auto' },
    published: { prompt: 'Simulate d6', rows: [{ model: 'davinci', answer: '3', prob: 0.1082 }, { model: 'text-davinci-002', answer: '6', prob: 0.7319 }], uniform: 1 / 6 },
  },
  {
    id: 'd100',
    label: 'Simulate a d100',
    prompt: 'Roll a 100-sided die. The result is:',
    choices: RANGE_1_100,
    prefix: ' ',
    suffix: '',
    frames: { base: BASE_NUMBER_FRAME, tuned: 'auto' },
    published: { prompt: 'Simulate d100', rows: [{ model: 'davinci', answer: '1', prob: 0.0438 }, { model: 'text-davinci-002', answer: '100', prob: 0.1056 }], uniform: 0.01 },
  },
  { id: 'bugs', label: 'Are bugs real?', prompt: 'Are bugs real?', choices: 'Yes\nNo\nIt depends', prefix: '', suffix: '', frames: { base: '', tuned: '' }, note: 'An open question: no fixed answer set covers most of either model\'s mass. Use the free-answer mode.' },
];

/**
 * The model's own opener, found greedily: its greedy continuation after the context, cut at the token
 * boundary where the candidates' first tokens (prefix + candidate + suffix, tokenized on its own) get the
 * most probability. Cut 0 is no frame. One generation and one teacher-forced pass.
 */
export async function findFrame(
  engine: Engine,
  context: number[],
  choices: string[],
  options: { prefix?: string; suffix?: string; maxTokens?: number; signal?: AbortSignal } = {},
): Promise<{ frame: number[]; text: string; firstTokenMass: number; greedy: number[] }> {
  const prefix = options.prefix ?? '';
  const suffix = options.suffix ?? '';
  const firsts = new Set<number>();
  for (const c of choices) {
    const t = await engine.encodeContinuation(prefix + c + suffix);
    if (t.length) firsts.add(t[0]!);
  }
  const eos = new Set((await engine.info()).eosTokenIds);
  const g = await generate(engine, context, { maxTokens: options.maxTokens ?? 24, ...(options.signal ? { signal: options.signal } : {}) });
  const greedy = g.ids.filter((id, i) => !(eos.has(id) && i === g.ids.length - 1));
  const out = await engine.score([...context, ...greedy]);
  const V = out.dims[1]!;
  let best = 0;
  let bestMass = -1;
  for (let k = 0; k <= greedy.length; k++) {
    const lp = logSoftmax(row(out.data, context.length - 1 + k, V));
    let m = 0;
    for (const id of firsts) m += Math.exp(lp[id]!);
    if (m > bestMass + 1e-12) {
      bestMass = m;
      best = k;
    }
  }
  const frame = greedy.slice(0, best);
  return { frame, text: await engine.decode(frame), firstTokenMass: bestMass, greedy };
}

export interface FreeAnswers {
  /** Per candidate: how many samples were classified as it, and that count over all samples. */
  counts: { text: string; count: number; fraction: number }[];
  /** Samples that matched no candidate. */
  other: number;
  other_fraction: number;
  samples: { text: string; answer: string | null }[];
}

/** Classify one completion: with a regex, its first capture group (else the whole match) must equal a
 *  candidate; without, the trimmed completion (trailing punctuation dropped) must. null = "other". */
export function classifyAnswer(text: string, choices: string[], regex?: RegExp): string | null {
  let key: string;
  if (regex) {
    const m = regex.exec(text);
    if (!m) return null;
    key = (m[1] ?? m[0]).trim();
  } else key = text.trim().replace(/[.!?,;:]+$/u, '').trim();
  return choices.includes(key) ? key : null;
}

/** Free answers: N samples from the model (at `temperature`, one batch sharing the prompt), each
 *  classified into the candidate set or "other", for answers that do not start at a fixed place. */
export async function freeAnswers(
  engine: Engine,
  context: number[],
  choices: string[],
  o: { samples: number; maxTokens: number; seed: number; temperature?: number; regex?: RegExp; signal?: AbortSignal },
): Promise<FreeAnswers> {
  const r = await sampleBatch(engine, context, o.temperature ?? 1, 0, { samples: o.samples, maxTokens: o.maxTokens, seed: o.seed, ...(o.signal ? { signal: o.signal } : {}) });
  const samples: FreeAnswers['samples'] = [];
  for (const ids of r.samples) {
    const text = await engine.decode(ids, { skipSpecial: true });
    samples.push({ text, answer: classifyAnswer(text, choices, o.regex) });
  }
  const n = samples.length;
  const counts = choices.map((text) => {
    const count = samples.filter((s) => s.answer === text).length;
    return { text, count, fraction: n ? count / n : 0 };
  });
  const other = samples.filter((s) => s.answer === null).length;
  return { counts, other, other_fraction: n ? other / n : 0, samples };
}
