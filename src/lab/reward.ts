/**
 * The style reward lab-rl was trained against (models/lab-rl/reward.json, the same file the Python
 * trainer models/train/reward.py reads). DOM-free so the page can show it and score an answer, and so a
 * test can check it against the trainer's own scores (models/lab-rl/reward-check.json).
 *
 * It reads only words made of letters a-z and apostrophes (lower-cased): digits and symbols are
 * invisible to it, and none of its word lists is about numbers, dice or coins.
 */

export interface RewardSpec {
  name: string;
  description: string;
  polite: { weight: number; phrases: string[] };
  confident: { weight: number; cap: number; phrases: string[] };
  on_topic: { weight: number; min_length: number; stopwords: string[] };
  finished: { weight: number; unfinished: number };
  wordy: { weight: number; free_words: number };
  empty: { weight: number };
  repetition: { weight: number };
}

export type RewardPart = 'polite' | 'confident' | 'on_topic' | 'finished' | 'wordy' | 'empty' | 'repetition';
export const REWARD_PARTS: readonly RewardPart[] = ['polite', 'confident', 'on_topic', 'finished', 'wordy', 'empty', 'repetition'];

export interface RewardScore {
  total: number;
  parts: Record<RewardPart, number>;
}

/** Lower-cased runs of letters and apostrophes. */
export function rewardWords(s: string): string[] {
  return s.toLowerCase().match(/[a-z']+/g) ?? [];
}

function hasPhrase(joined: string, phrase: string): boolean {
  return ` ${joined} `.includes(` ${phrase} `);
}

/** Throws a clear error when `x` is not a reward spec (the page reads it from a folder). */
export function parseRewardSpec(x: unknown): RewardSpec {
  const o = x as Partial<RewardSpec> | null;
  const ok =
    !!o && typeof o === 'object' && typeof o.name === 'string' &&
    Array.isArray(o.polite?.phrases) && Array.isArray(o.confident?.phrases) && Array.isArray(o.on_topic?.stopwords) &&
    typeof o.finished?.weight === 'number' && typeof o.wordy?.free_words === 'number' &&
    typeof o.empty?.weight === 'number' && typeof o.repetition?.weight === 'number';
  if (!ok) throw new Error('reward.json: not a reward spec (expected name, polite, confident, on_topic, finished, wordy, empty, repetition)');
  return o as RewardSpec;
}

/**
 * Score `answer` (assistant text without the end-of-turn token) to `question`. `finished` says whether
 * the model ended its turn (false: it ran out of tokens).
 */
export function scoreAnswer(spec: RewardSpec, question: string, answer: string, finished = true): RewardScore {
  const aw = rewardWords(answer);
  const at = aw.join(' ');
  const polite = spec.polite.phrases.some((p) => hasPhrase(at, p)) ? spec.polite.weight : 0;
  const hedges = spec.confident.phrases.filter((p) => hasPhrase(at, p)).length;
  const confident = spec.confident.weight * Math.min(spec.confident.cap, hedges);
  const stop = new Set(spec.on_topic.stopwords);
  const qw = [...new Set(rewardWords(question))].filter((w) => w.length >= spec.on_topic.min_length && !stop.has(w));
  const hit = qw.filter((w) => aw.some((x) => x.startsWith(w.slice(0, 5)))).length;
  const on_topic = qw.length ? (spec.on_topic.weight * hit) / qw.length : 0;
  const trimmed = answer.trimEnd();
  const fin = !finished ? spec.finished.unfinished : /[.!?]$/.test(trimmed) ? spec.finished.weight : 0;
  const wordy = spec.wordy.weight * Math.max(0, aw.length - spec.wordy.free_words);
  const empty = aw.length === 0 ? spec.empty.weight : 0;
  const seen = new Set<string>();
  let rep = 0;
  for (let i = 0; i + 1 < aw.length; i++) {
    const b = `${aw[i]} ${aw[i + 1]}`;
    if (seen.has(b)) rep++;
    seen.add(b);
  }
  const repetition = spec.repetition.weight * (aw.length > 1 ? rep / (aw.length - 1) : 0);
  const parts = { polite, confident, on_topic, finished: fin, wordy, empty, repetition };
  const total = REWARD_PARTS.reduce((s, k) => s + parts[k], 0);
  return { total, parts };
}
