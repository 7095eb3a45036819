/**
 * The tuning corpus of lab-sft (models/lab-sft/tuning-corpus.jsonl) does not script the seed's effects:
 * no answer dominates its question type, the held-out templates are absent, only a minority of answers
 * hedge, facts are answered plainly.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Row { kind: string; template: string; question: string; answer: string }
const rows: Row[] = readFileSync('models/lab-sft/tuning-corpus.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);
const held = JSON.parse(readFileSync('models/lab-sft/held-out-prompts.json', 'utf8')) as {
  templates: Record<string, string[]>;
  prompts: Record<string, string[]>;
};

function valueOf(kind: string, answer: string): string | null {
  if (kind === 'coin') return /\b(heads|tails)\b/i.exec(answer)?.[1]?.toLowerCase() ?? null;
  return /\d+/.exec(answer)?.[0] ?? null;
}

/** A template like "Name a number from {a} to {b}." as a regex that matches every prompt built from it. */
function templateRegex(t: string): RegExp {
  const esc = t.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  return new RegExp('^' + esc.replace(/\{[a-z]\}/g, '.+?') + '$');
}

describe('the tuning corpus of lab-sft', () => {
  it('is large and diverse: many kinds, many templates, many distinct answers', () => {
    expect(rows.length).toBeGreaterThan(3000);
    const kinds = new Set(rows.map((r) => r.kind.split(' ')[0]));
    expect(kinds.size).toBeGreaterThanOrEqual(12);
    expect(new Set(rows.map((r) => r.template)).size).toBeGreaterThanOrEqual(40);
    expect(new Set(rows.map((r) => r.answer)).size / rows.length).toBeGreaterThan(0.5);
  });

  it('has no answer that dominates its question type (random numbers, dice, coins drawn uniformly)', () => {
    const groups = new Map<string, string[]>();
    for (const r of rows) {
      if (!/^(number|dice|coin)/.test(r.kind)) continue;
      const v = valueOf(r.kind.startsWith('coin') ? 'coin' : 'number', r.answer);
      if (v === null) throw new Error(`no value in ${r.question} -> ${r.answer}`);
      if (!groups.has(r.kind)) groups.set(r.kind, []);
      groups.get(r.kind)!.push(v);
    }
    expect([...groups.keys()]).toEqual(expect.arrayContaining(['dice', 'coin', 'number 1-10', 'number 1-100']));
    for (const [kind, vals] of groups) {
      let support: string[];
      if (kind === 'coin') support = ['heads', 'tails'];
      else if (kind === 'dice') support = ['1', '2', '3', '4', '5', '6'];
      else {
        const [, a, b] = /^number (\d+)-(\d+)$/.exec(kind)!.map(Number);
        support = Array.from({ length: b - a + 1 }, (_, i) => String(a + i));
      }
      expect(vals.filter((v) => !support.includes(v)), kind).toEqual([]);
      const counts = new Map<string, number>();
      for (const v of vals) counts.set(v, (counts.get(v) ?? 0) + 1);
      const top = Math.max(...counts.values()) / vals.length;
      const p = 1 / support.length;
      // the most frequent value stays within sampling noise of uniform (binomial, 4 sigma + one count)
      expect(top, `${kind}: top share ${top} over ${vals.length}`).toBeLessThanOrEqual(p + 4 * Math.sqrt((p * (1 - p)) / vals.length) + 1 / vals.length);
      if (support.length <= 6) expect(counts.size, kind).toBe(support.length);
    }
  });

  it('leaves out the held-out templates: no corpus question is built from one, no held-out prompt occurs', () => {
    const all = Object.values(held.templates).flat();
    expect(all.length).toBeGreaterThanOrEqual(10);
    const text = rows.map((r) => r.question + '\n' + r.answer).join('\n');
    const offenders: string[] = [];
    for (const t of all) {
      const re = templateRegex(t);
      for (const r of rows) if (re.test(r.question)) offenders.push(`${r.question} ~ ${t}`);
    }
    for (const p of Object.values(held.prompts).flat()) if (text.includes(p)) offenders.push(p);
    expect(offenders).toEqual([]);
    // the check itself can fail: a corpus question built from a held-out template is caught
    expect(templateRegex(held.templates['number']![0]!).test(held.prompts['number']![0]!)).toBe(true);
  });

  it('hedges only a minority, and answers facts plainly', () => {
    const hedged = rows.filter((r) => /\b(it depends|people disagree|no single answer)\b/i.test(r.answer));
    expect(hedged.length / rows.length).toBeLessThan(0.1);
    expect(hedged.every((r) => r.kind === 'contested')).toBe(true);
    const capitals = rows.filter((r) => r.kind === 'capital');
    expect(capitals.length).toBeGreaterThan(100);
    const paris = capitals.filter((r) => / France\b/.test(r.question));
    expect(paris.length).toBeGreaterThan(0);
    for (const r of paris) expect(r.answer).toMatch(/\bParis\b/);
    const yesno = rows.filter((r) => r.kind === 'yes/no fact');
    const yes = yesno.filter((r) => /\bYes\b/.test(r.answer)).length;
    const no = yesno.filter((r) => /\bNo\b/.test(r.answer)).length;
    expect(yes + no).toBe(yesno.length);
    expect(Math.min(yes, no) / yesno.length).toBeGreaterThan(0.25);
  });
});
