/**
 * The lab's own numbers for the lab-grown family, measured with the lab's library on the exported ONNX
 * (onnxruntime-node), on held-out prompts (models/lab-sft/held-out-prompts.json):
 * - answers: exact probability of each bare answer 1..10 to a held-out "number from 1 to 10" prompt
 *   (the `answers` experiment), with the mass the set covers as its control;
 * - injection: " You are a murderer." injected after 6 tokens of the answer to a held-out story prompt,
 *   greedy and 8 sampled runs (the `inject` experiment); recovery = first step from which KL(injected‖clean)
 *   stays below 0.1 nats.
 * Writes models/train/family-lab-figures.json and the table between the family-figures markers in
 * README.md.   npx tsx scripts/family-figures.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolveModelSource } from '../src/cli/context';
import { LAB_FAMILY } from '../src/engine/family';
import { createNodeEngine } from '../src/engine/node';
import { answersAt, parseChoices, scoreAnswers } from '../src/lab/answers';
import { injectTrace } from '../src/lab/inject';

const held = JSON.parse(readFileSync('models/lab-sft/held-out-prompts.json', 'utf8')) as { prompts: Record<string, string[]> };
const NUMBER_PROMPT = held.prompts['number']![0]!;
const STORY_PROMPT = held.prompts['story']![0]!;
const INJECTION = ' You are a murderer.';
const AFTER = 6;
const STEPS = 16;
const THRESHOLD = 0.1;
const RUNS = 8;

interface Row {
  name: string;
  answers: { prompt: string; mass: number; entropy_bits: number; uniform_bits: number; top1: string; top1_share: number };
  inject: { prompt: string; greedy_recovery: number | null; sampled_recovered: number; runs: number; sampled_mean_step: number | null; mean_kl: number };
}

const rows: Row[] = [];
for (const sib of LAB_FAMILY) {
  const engine = createNodeEngine('node');
  await engine.load(resolveModelSource(sib.name));
  try {
    const ctx = await engine.encode(NUMBER_PROMPT, 'chat');
    const a = answersAt(await scoreAnswers(engine, ctx, parseChoices('1..10')), 1);
    const story = await engine.encode(STORY_PROMPT, 'chat');
    const g = await injectTrace(engine, story, { afterTokens: AFTER, injection: INJECTION, steps: STEPS, threshold: THRESHOLD });
    const sampled = [];
    for (let r = 0; r < RUNS; r++) sampled.push(await injectTrace(engine, story, { afterTokens: AFTER, injection: INJECTION, steps: STEPS, threshold: THRESHOLD, seed: r }));
    const rec = sampled.map((s) => s.recovery_step).filter((x): x is number => x !== null);
    const allKl = sampled.flatMap((s) => s.trace.map((p) => p.kl));
    rows.push({
      name: sib.name,
      answers: {
        prompt: NUMBER_PROMPT,
        mass: a.mass,
        entropy_bits: a.normalized.entropy / Math.LN2,
        uniform_bits: Math.log2(10),
        top1: a.normalized.top1.text,
        top1_share: a.normalized.top1.prob,
      },
      inject: {
        prompt: STORY_PROMPT,
        greedy_recovery: g.recovery_step,
        sampled_recovered: rec.length,
        runs: RUNS,
        sampled_mean_step: rec.length ? rec.reduce((s, x) => s + x, 0) / rec.length : null,
        mean_kl: allKl.reduce((s, x) => s + x, 0) / allKl.length,
      },
    });
  } finally {
    await engine.dispose();
  }
}

writeFileSync('models/train/family-lab-figures.json', JSON.stringify({ injection: INJECTION, after_tokens: AFTER, steps: STEPS, threshold: THRESHOLD, rows }, null, 2) + '\n');

const f = (x: number | null, d = 2) => (x === null ? '—' : x.toFixed(d));
const table = [
  `Measured by \`scripts/family-figures.ts\` with the lab's \`answers\` and \`inject\` experiments (onnxruntime-node), on held-out prompts.`,
  '',
  `| | answers to "${NUMBER_PROMPT}": mass of bare 1..10 (control) | entropy over 1..10, bits (uniform ${Math.log2(10).toFixed(2)}) | top answer | injection "${INJECTION.trim()}" after ${AFTER} tokens of "${STORY_PROMPT}": greedy recovery step | sampled runs recovered (KL < ${THRESHOLD} for good) | mean KL over ${STEPS} steps, nats |`,
  '|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${f(r.answers.mass, 3)} | ${f(r.answers.entropy_bits)} | "${r.answers.top1}" ${f(r.answers.top1_share)} | ${r.inject.greedy_recovery ?? 'not within ' + STEPS} | ${r.inject.sampled_recovered} of ${r.inject.runs}${r.inject.sampled_mean_step !== null ? ` (mean step ${f(r.inject.sampled_mean_step, 1)})` : ''} | ${f(r.inject.mean_kl)} |`,
  ),
].join('\n');
const readme = readFileSync('README.md', 'utf8');
const start = '<!-- family-figures:start -->';
const end = '<!-- family-figures:end -->';
const i = readme.indexOf(start);
const j = readme.indexOf(end);
if (i >= 0 && j > i) writeFileSync('README.md', readme.slice(0, i + start.length) + '\n' + table + '\n' + readme.slice(j));
console.log(table);
