/**
 * The CLI contract of issue 11 for `answers` and `compare` (`--json`): the new fields are there, next to
 * every existing one, and equal the library's figures (themselves tested against independent
 * computations in src/lab).
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNodeEngine } from '../../engine/node';
import { answersAt, parseChoices, scoreAnswers } from '../../lab/answers';
import { main } from '../main';

async function runJson(args: string[]): Promise<Record<string, any>> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  expect(err, err.join('\n')).toEqual([]);
  expect(code).toBe(0);
  return JSON.parse(out.join('\n'));
}

describe('lab answers --json', () => {
  it('gives raw prob and share per choice, the mass, a low-mass warning and the frame', async () => {
    const args = ['answers', '--model', 'models/lab-sft', '--template', 'chat', '--prompt', 'Roll a die.', '--choices', '1..6', '--prefix', ' ', '--frame', 'You rolled a', '--json'];
    // The model is the spec's base side: --json prints {base: …} (issue #14: the answers result's data).
    const j = (await runJson(args)).base;
    expect(Object.keys(j)).toEqual(expect.arrayContaining(['context', 'frame', 'temperature', 'choices', 'mass', 'normalized', 'warnings']));
    const e = createNodeEngine('node');
    await e.load(resolve('models/lab-sft'));
    try {
      const frame = await e.encodeContinuation('You rolled a');
      expect(j.frame).toEqual({ text: await e.decode(frame), ids: frame, found: 'typed' });
      const ref = answersAt(await scoreAnswers(e, await e.encode('Roll a die.', 'chat'), parseChoices('1..6'), { prefix: ' ', frame }));
      expect(j.mass).toBeCloseTo(ref.mass, 9);
      j.choices.forEach((c: { prob: number; share: number }, i: number) => {
        expect(c.prob).toBeCloseTo(ref.choices[i]!.prob, 9);
        expect(c.share).toBeCloseTo(ref.choices[i]!.prob / ref.mass, 6);
      });
      expect(j.warnings.some((w: string) => /^Low mass/.test(w))).toBe(j.mass < 0.5);
    } finally {
      await e.dispose();
    }
  });
});

describe('lab compare --json', () => {
  it('adds the on-policy branching factors and the controls to the summary, keeping every field', async () => {
    const j = await runJson(['compare', '--base', 'models/lab-base', '--tuned', 'models/lab-sft', '--prompt', 'Are bugs real?', '--response', ' Yes.', '--samples', '2', '--max-tokens', '4', '--json']);
    expect(Object.keys(j.summary)).toEqual(
      expect.arrayContaining(['unshifted', 'marginal', 'shifted', 'mean_kl', 'branching_factor_base', 'branching_factor_tuned', 'gamma', 'mean_kl_sharpened', 'sharpening_explains', 'bf_on_policy_base', 'bf_on_policy_tuned', 'controls']),
    );
    expect(j.summary.bf_on_policy_base).toBeGreaterThanOrEqual(1);
    expect(j.summary.bf_on_policy_tuned).toBeGreaterThanOrEqual(1);
    expect(j.summary.controls.shifted_on_neutral_text).toBeGreaterThan(0);
    expect(j.summary.controls.mean_kl_on_neutral_text).toBeGreaterThan(0);
    // --samples 0 skips the sampling: no figure rather than a made-up one.
    const none = await runJson(['compare', '--base', 'models/lab-base', '--tuned', 'models/lab-sft', '--prompt', 'Are bugs real?', '--response', ' Yes.', '--samples', '0', '--json']);
    expect(none.summary.bf_on_policy_base).toBeNull();
  });
});
