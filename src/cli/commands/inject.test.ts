import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEngine } from '../../engine/engine';
import { createNodeEngine } from '../../engine/node';
import { injectTrace } from '../../lab/inject';
import { run } from './inject';

const MODEL = resolve('models/lab-sft');
const PROMPT = "Write a toast for my best friend's wedding.";

async function cli(args: string[]): Promise<string[]> {
  const out: string[] = [];
  await run(args, { out: (l) => out.push(l), err: () => {} });
  return out;
}

describe('lab inject', () => {
  let engine: LabEngine;
  beforeAll(async () => {
    engine = createNodeEngine('node');
    await engine.load(MODEL);
  });
  afterAll(() => engine.dispose());

  it('--json keeps the old fields and adds outcome, ended_step and the aligned trace; --seed drives both runs and the control', async () => {
    const base = ['--model', MODEL, '--prompt', PROMPT, '--template', 'chat', '--after-tokens', '2', '--injection', ' You are a murderer.', '--steps', '6', '--json'];
    for (const extra of [[], ['--seed', '7', '--window', '3', '--run', '2', '--threshold', '0.2', '--rel-threshold', '0.5']]) {
      const [line] = await cli([...base, ...extra]);
      // The model is the spec's base side: --json prints {base: …} (issue #14: the inject result's data).
      const j = JSON.parse(line!).base;
      for (const k of ['after_tokens', 'clean', 'injected', 'trace', 'recovery_step', 'outcome', 'ended_step', 'recovery_offset', 'threshold', 'window', 'run', 'control']) expect(j).toHaveProperty(k);
      for (const p of j.trace) expect(Object.keys(p).sort()).toEqual(['aligned_offset', 'kl', 'kl_aligned', 'logp_clean_next', 'p_end', 'step']);
      expect(['recovered', 'ended', 'diverged']).toContain(j.outcome);
      const ctx = await engine.encode(PROMPT, 'chat');
      const seeded = extra.length > 0;
      const mine = await injectTrace(engine, ctx, { afterTokens: 2, injection: ' You are a murderer.', steps: 6, ...(seeded ? { seed: 7, window: 3, run: 2, threshold: 0.2, relThreshold: 0.5 } : {}) });
      expect(j.clean.continuation).toEqual(mine.clean.continuation);
      expect(j.injected.continuation).toEqual(mine.injected.continuation);
      expect([j.outcome, j.recovery_step, j.recovery_offset, j.ended_step, j.window, j.run, j.seed]).toEqual([mine.outcome, mine.recovery_step, mine.recovery_offset, mine.ended_step, mine.window, mine.run, mine.seed]);
      expect(j.threshold).toEqual(mine.threshold);
      expect(j.control === null).toBe(!seeded);
      if (seeded) expect(j.control.continuation).toEqual(mine.control!.continuation);
    }
  });

  it('prints the trace, the aligned tokens and the outcome; rejects bad flags', async () => {
    const text = (await cli(['--model', MODEL, '--prompt', PROMPT, '--template', 'chat', '--after-tokens', '3', '--injection', '', '--steps', '4'])).join('\n');
    expect(text).toMatch(/KL aligned/);
    expect(text).toMatch(/aligned tokens \(clean \| injected\)/);
    expect(text).toMatch(/outcome: recovered at step 0, offset 0/);
    for (const [flag, v] of [['--window', '-1'], ['--run', '0'], ['--threshold', '0'], ['--rel-threshold', '-0.1']]) {
      await expect(cli(['--model', MODEL, '--prompt', PROMPT, '--after-tokens', '3', '--injection', 'x', flag!, v!])).rejects.toMatchObject({ name: 'UsageError' });
    }
  });
});
