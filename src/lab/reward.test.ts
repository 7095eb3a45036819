import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REWARD_PARTS, parseRewardSpec, rewardWords, scoreAnswer } from './reward';

const spec = parseRewardSpec(JSON.parse(readFileSync('models/lab-rl/reward.json', 'utf8')));

describe('the style reward of lab-rl', () => {
  it('is the file the trainer used (models/train/reward.json is copied into the model folder)', () => {
    expect(readFileSync('models/lab-rl/reward.json', 'utf8')).toBe(readFileSync('models/train/reward.json', 'utf8'));
  });

  it('never mentions numbers, dice or coins', () => {
    // the words it rewards or punishes; its stopwords (ignored words) only include "one" as in "pick one"
    const scored = [...spec.polite.phrases, ...spec.confident.phrases].flatMap(rewardWords);
    for (const w of ['number', 'numbers', 'random', 'die', 'dice', 'roll', 'coin', 'heads', 'tails', 'seven', 'digit', 'one', 'two', 'three']) {
      expect(scored, w).not.toContain(w);
      if (w !== 'one') expect(spec.on_topic.stopwords, w).not.toContain(w);
    }
    expect([...spec.polite.phrases, ...spec.confident.phrases, ...spec.on_topic.stopwords].join(' ')).not.toMatch(/\d/);
  });

  it('cannot see digits: two answers that differ only in their number score the same', () => {
    const q = 'Pick a random number between 1 and 10.';
    for (const [a, b] of [['Sure! I pick 7.', 'Sure! I pick 3.'], ['7', '10'], ['It shows 6.', 'It shows 1.']] as const) {
      expect(scoreAnswer(spec, q, a)).toEqual(scoreAnswer(spec, q, b));
    }
  });

  it('rewards politeness, punishes hedges, unfinished and empty answers', () => {
    const q = 'What is the capital of France?';
    const plain = scoreAnswer(spec, q, 'The capital of France is Paris.');
    const polite = scoreAnswer(spec, q, 'Sure! The capital of France is Paris.');
    expect(polite.total - plain.total).toBeCloseTo(spec.polite.weight, 12);
    const hedged = scoreAnswer(spec, q, 'Maybe the capital of France is Paris, it depends.');
    expect(hedged.parts.confident).toBeCloseTo(2 * spec.confident.weight, 12);
    expect(hedged.total).toBeLessThan(plain.total);
    expect(scoreAnswer(spec, q, 'The capital of France is Paris', false).parts.finished).toBe(spec.finished.unfinished);
    expect(scoreAnswer(spec, q, 'The capital of France is Paris').parts.finished).toBe(0);
    expect(scoreAnswer(spec, q, '').parts.empty).toBe(spec.empty.weight);
  });

  it('on-topic: the share of the question\'s content words that the answer uses (5-letter prefixes)', () => {
    // content words of the question: capital, france (what/is/the/of are stopwords or short)
    expect(scoreAnswer(spec, 'What is the capital of France?', 'Paris is in France.').parts.on_topic).toBeCloseTo(0.5 * spec.on_topic.weight, 12);
    expect(scoreAnswer(spec, 'What is the capital of France?', 'The capitals of France.').parts.on_topic).toBeCloseTo(spec.on_topic.weight, 12);
    expect(scoreAnswer(spec, 'Hi.', 'Hello!').parts.on_topic).toBe(0);
  });

  it('repetition and wordiness cost', () => {
    const rep = scoreAnswer(spec, 'Tell me a story.', 'a fox a fox a fox');
    // bigrams: a-fox fox-a a-fox fox-a a-fox -> 3 of 5 repeat
    expect(rep.parts.repetition).toBeCloseTo((spec.repetition.weight * 3) / 5, 12);
    const long = scoreAnswer(spec, 'Tell me a story.', Array.from({ length: 30 }, (_, i) => `w${'abcdefghijklmnopqrstuvwxyz'[i % 26]}x${i > 25 ? 'y' : ''}`).join(' ') + '.');
    expect(long.parts.wordy).toBeCloseTo(spec.wordy.weight * 5, 12);
  });

  it('gives the same scores as the Python trainer (reward-check.json written by the build)', () => {
    const check = JSON.parse(readFileSync('models/lab-rl/reward-check.json', 'utf8')) as {
      cases: { question: string; answer: string; finished: boolean; total: number; parts: Record<string, number> }[];
    };
    expect(check.cases.length).toBeGreaterThanOrEqual(8);
    for (const c of check.cases) {
      const s = scoreAnswer(spec, c.question, c.answer, c.finished);
      expect(s.total, c.answer).toBeCloseTo(c.total, 10);
      for (const k of REWARD_PARTS) expect(s.parts[k], `${k}: ${c.answer}`).toBeCloseTo(c.parts[k], 10);
    }
  });

  it('rejects a file that is not a reward spec', () => {
    expect(() => parseRewardSpec({ name: 'x' })).toThrow(/^reward\.json: not a reward spec/);
    expect(() => parseRewardSpec(null)).toThrow(/not a reward spec/);
  });
});
