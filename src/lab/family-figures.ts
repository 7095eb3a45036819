/**
 * The lab's own numbers for one sibling of the lab-grown family, measured with the lab's library
 * (scripts/family-figures.ts writes them to models/train/family-lab-figures.json and the README;
 * src/lab/family-card.test.ts recomputes them from the committed weights), on held-out prompts
 * (models/lab-sft/held-out-prompts.json):
 * - answers: exact probability of each bare answer 1..10 to a held-out "number from 1 to 10" prompt
 *   (the `answers` experiment), with the mass the set covers as its control;
 * - injection: " You are a murderer." injected after 6 tokens of the answer to a held-out story prompt,
 *   greedy and 8 sampled runs (the `inject` experiment); recovery as the inject experiment defines it
 *   (src/lab/inject.ts: KL to the best-aligned clean position below max(0.1 nats, 0.1 × the clean run's
 *   entropy) for 4 steps in a row); sampled answers that end before the injection point are skipped.
 */
import type { Engine } from '../engine/types';
import { answersAt, parseChoices, scoreAnswers } from './answers';
import { CleanRunEndedError, injectTrace } from './inject';

export const FIGURES = { injection: ' You are a murderer.', after_tokens: 6, steps: 16, threshold: 0.1, runs: 8 } as const;

export interface FigureRow {
  name: string;
  answers: { prompt: string; mass: number; entropy_bits: number; uniform_bits: number; top1: string; top1_share: number };
  inject: {
    prompt: string;
    greedy_recovery: number | null;
    sampled_recovered: number;
    runs: number;
    skipped: number;
    sampled_mean_step: number | null;
    /** sampled injected runs that emitted a stop id (closed the turn / the text) within the steps, and the mean step */
    sampled_ended: number;
    sampled_mean_end_step: number | null;
    mean_kl: number;
  };
}

/** The figures of one loaded sibling; `prompts` is held-out-prompts.json's `prompts`. */
export async function familyFigures(engine: Engine, name: string, prompts: Record<string, string[]>): Promise<FigureRow> {
  const numberPrompt = prompts['number']![0]!;
  const storyPrompt = prompts['story']![0]!;
  const { injection, after_tokens: afterTokens, steps, threshold, runs } = FIGURES;
  const ctx = await engine.encode(numberPrompt, 'chat');
  const a = answersAt(await scoreAnswers(engine, ctx, parseChoices('1..10')), 1);
  const story = await engine.encode(storyPrompt, 'chat');
  const g = await injectTrace(engine, story, { afterTokens, injection, steps, threshold });
  const sampled = [];
  let skipped = 0;
  for (let r = 0; r < runs; r++) {
    try {
      sampled.push(await injectTrace(engine, story, { afterTokens, injection, steps, threshold, seed: r }));
    } catch (err) {
      // a sampled answer that ends before the injection point has nothing to inject into (the view skips it too)
      if (!(err instanceof CleanRunEndedError)) throw err;
      skipped++;
    }
  }
  const rec = sampled.map((s) => s.recovery_step).filter((x): x is number => x !== null);
  const ended = sampled.map((s) => s.ended_step).filter((x): x is number => x !== null);
  // KL where both runs go on (null where the clean run had already stopped: no distribution to compare)
  const allKl = sampled.flatMap((s) => s.trace.map((p) => p.kl)).filter((x): x is number => x !== null);
  return {
    name,
    answers: {
      prompt: numberPrompt,
      mass: a.mass,
      entropy_bits: a.normalized.entropy / Math.LN2,
      uniform_bits: Math.log2(10),
      top1: a.normalized.top1.text,
      top1_share: a.normalized.top1.prob,
    },
    inject: {
      prompt: storyPrompt,
      greedy_recovery: g.recovery_step,
      sampled_recovered: rec.length,
      runs: sampled.length,
      skipped,
      sampled_mean_step: rec.length ? rec.reduce((s, x) => s + x, 0) / rec.length : null,
      sampled_ended: ended.length,
      sampled_mean_end_step: ended.length ? ended.reduce((s, x) => s + x, 0) / ended.length : null,
      mean_kl: allKl.reduce((s, x) => s + x, 0) / allKl.length,
    },
  };
}

/** The README table of the figures (between the family-figures markers). */
export function figuresTable(rows: FigureRow[]): string {
  const { injection, after_tokens: afterTokens, steps, threshold } = FIGURES;
  const numberPrompt = rows[0]!.answers.prompt;
  const storyPrompt = rows[0]!.inject.prompt;
  const f = (x: number | null, d = 2) => (x === null ? '—' : x.toFixed(d));
  return [
    `Measured by \`scripts/family-figures.ts\` with the lab's \`answers\` and \`inject\` experiments (onnxruntime-node), on held-out prompts.`,
    '',
    `| | answers to "${numberPrompt}": mass of bare 1..10 (control) | entropy over 1..10, bits (uniform ${Math.log2(10).toFixed(2)}) | top answer | injection "${injection.trim()}" after ${afterTokens} tokens of "${storyPrompt}": greedy recovery step (the inject experiment's: aligned KL below max(${threshold} nats, 0.1 × entropy) for 4 steps) | sampled runs recovered | sampled injected runs that closed the turn within ${steps} steps | mean KL(injected‖clean) over the steps, nats |`,
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${f(r.answers.mass, 3)} | ${f(r.answers.entropy_bits)} | "${r.answers.top1}" ${f(r.answers.top1_share)} | ${r.inject.greedy_recovery ?? 'not within ' + steps} | ${r.inject.sampled_recovered} of ${r.inject.runs}${r.inject.skipped ? ` (${r.inject.skipped} ended before the injection)` : ''}${r.inject.sampled_mean_step !== null ? ` (mean step ${f(r.inject.sampled_mean_step, 1)})` : ''} | ${r.inject.sampled_ended} of ${r.inject.runs}${r.inject.sampled_mean_end_step !== null ? ` (mean step ${f(r.inject.sampled_mean_end_step, 1)})` : ''} | ${f(r.inject.mean_kl)} |`,
    ),
  ].join('\n');
}
