/**
 * Speed targets of the lab's experiments, each a ratio of two numbers measured in this run on the same
 * model and backend:
 * - branching: a step after a backtrack or on another branch (a forked sequence) vs a plain step, with
 *   1, 16 and 128 branches alive in the tree (target ≤ 1.2×, flat in the number of branches);
 * - sweeps: 32 samples at one temperature as one batch vs 32 sequential generations of the same length
 *   (target ≥ 10× faster);
 * - answers: scoring 100 candidates vs one forward pass over the prompt + the longest candidate
 *   (target ≤ 3×).
 */
import { createNodeEngine, type NodeBackend } from '../src/engine/node';
import { parseChoices, scoreAnswers } from '../src/lab/answers';
import { generate } from '../src/lab/generate';
import { sampleBatch } from '../src/lab/sweep';
import { performance } from 'node:perf_hooks';
import { markdownTable, measure, median } from './util';

export async function labBench(folder: string, backend: NodeBackend): Promise<string> {
  const engine = createNodeEngine(backend);
  await engine.load(folder);
  const rows: (string | number)[][] = [];
  const prompt = await engine.encode('Tell me a story about a lighthouse keeper.', 'chat');

  // Branching: plain steps on one sequence vs steps on a fork of an earlier node, with many branches alive.
  const { seq: trunk } = await engine.createSequence(prompt);
  for (let i = 0; i < 32; i++) await engine.step(trunk, [300 + (i % 50)]);
  await engine.step(trunk, [299]);
  // Interleaved, so both sides see the same machine load: a plain step (a sequence that just stepped
  // steps again) and a step after a backtrack (a fork of the trunk node, as the explorer does), both at
  // the same context length, with 1, 16 and 128 other branches alive.
  for (const branches of [1, 16, 128]) {
    const alive: number[] = [];
    for (let b = 0; b < branches; b++) {
      const f = await engine.fork(trunk);
      await engine.step(f, [500 + (b % 100)]);
      alive.push(f);
    }
    const plainTimes: number[] = [];
    const branchTimes: number[] = [];
    for (let i = 0; i < 120; i++) {
      const s = await engine.fork(trunk);
      await engine.step(s, [400 + (i % 50)]);
      let t0 = performance.now();
      await engine.step(s, [450 + (i % 50)]);
      const plainT = performance.now() - t0;
      await engine.release(s);
      const back = await engine.fork(trunk);
      await engine.step(back, [401 + (i % 50)]);
      await engine.release(back);
      const f = await engine.fork(alive[i % alive.length]!);
      t0 = performance.now();
      await engine.step(f, [600 + (i % 50)]);
      const branchT = performance.now() - t0;
      await engine.release(f);
      if (i >= 10) {
        plainTimes.push(plainT);
        branchTimes.push(branchT);
      }
    }
    const plain = median(plainTimes);
    const branch = median(branchTimes);
    rows.push([`step after a backtrack / on another branch (${branches} branches alive) vs plain step`, `${branch.toFixed(2)} ms vs ${plain.toFixed(2)} ms`, (branch / plain).toFixed(2) + '×', '≤ 1.2×']);
    for (const f of alive) await engine.release(f);
  }
  await engine.release(trunk);

  // Sweeps: one batch of 32 samples vs 32 sequential generations of the same length.
  const len = 16;
  const batched = await measure(() => sampleBatch(engine, prompt, 1, 0, { samples: 32, maxTokens: len, seed: 1, stopIds: [] }), 3, 1);
  const sequential = await measure(async () => {
    for (let i = 0; i < 32; i++) await generate(engine, prompt, { maxTokens: len, seed: i, sampling: { temperature: 1, topK: 0, topP: 1, minP: 0 }, stopIds: [] });
  }, 2, 1);
  rows.push([`32 samples × ${len} tokens: one batch vs 32 sequential generations`, `${batched.toFixed(0)} ms vs ${sequential.toFixed(0)} ms`, (sequential / batched).toFixed(1) + '× faster', '≥ 10× faster']);

  // Answers: 100 candidates vs one forward pass over prompt + longest candidate.
  const choices = parseChoices('1..100');
  const die = await engine.encode('Think of a number between 1 and 100.', 'chat');
  const longest = Math.max(...(await Promise.all(choices.map((c) => engine.encodeContinuation(c + '<|im_end|>')))).map((x) => x.length));
  const one = await measure(() => engine.score([...die, ...new Array(longest).fill(300)]), 10, 2);
  const all = await measure(() => scoreAnswers(engine, die, choices, { suffix: '<|im_end|>', batchSize: 100 }), 5, 1);
  rows.push([`100 candidates (1..100 + "<|im_end|>", ≤ ${longest} tokens) vs one forward pass over prompt + longest`, `${all.toFixed(1)} ms vs ${one.toFixed(1)} ms`, (all / one).toFixed(2) + '×', '≤ 3×']);

  await engine.dispose();
  return markdownTable(['measurement', 'times (median)', 'ratio', 'target'], rows);
}
