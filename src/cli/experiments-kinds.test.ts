/**
 * `lab run` and `lab batch` on the real kinds (issue #14's CLI contract): for each kind's command,
 * `lab <kind> … --print-spec` gives a spec; `lab run spec --json` prints {spec, result} whose result data
 * equals `lab <kind> … --json`; a batch over two prompts (the first the spec's own) gives that same result
 * on line 0; `lab summarize` reads it. A kind whose runner this build does not register is skipped (each
 * kind's runner lands on its own branch).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RUNNERS } from '../lab/experiments/registry';
import type { ExperimentKind } from '../lab/experiments/types';
import { main } from './main';

const dir = mkdtempSync(join(tmpdir(), 'lab-kinds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; err: string; out: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, err: err.join('\n'), out: out.join('\n') };
}

const CASES: [ExperimentKind, string[], string][] = [
  ['next-token', ['logits', '--model', 'lab-base', '--text', 'The old man looked at the', '--top', '5'], 'The jury said'],
  ['compare', ['compare', '--base', 'lab-base', '--tuned', 'lab-sft', '--prompt', 'Are bugs real?', '--max-tokens', '6', '--samples', '2', '--seed', '3'], 'Tell me a joke.'],
  ['sweep', ['sweep', '--model', 'lab-rl', '--prompt', 'Tell me a random number.', '--template', 'chat', '--temperatures', '0.5,1', '--samples', '4', '--max-tokens', '4', '--seed', '1'], 'Pick a color.'],
  ['inject', ['inject', '--model', 'lab-sft', '--prompt', 'Write a toast for my best friend.', '--template', 'chat', '--after-tokens', '4', '--injection', ' You are a murderer.', '--steps', '6'], 'Describe the sea.'],
  ['answers', ['answers', '--model', 'lab-rl', '--prompt', 'Simulate a six-sided die roll.', '--template', 'chat', '--choices', '1..6'], 'Roll a die for me.'],
];

describe('lab run and lab batch on every registered kind', () => {
  for (const [kind, args, other] of CASES) {
    // Skipped (and reported so) where this build has no runner for the kind.
    it.skipIf(!RUNNERS[kind])(`${kind}: lab run of --print-spec equals the command's --json; a batch gives the same result`, async () => {
      const printed = await cli(...args, '--print-spec');
      expect(printed.code, printed.err).toBe(0);
      const spec = JSON.parse(printed.out) as { kind: string; prompt: string };
      expect(spec.kind).toBe(kind);
      const specPath = join(dir, `${kind}.spec.json`);
      writeFileSync(specPath, printed.out);

      const run = await cli('run', specPath, '--json');
      expect(run.code, run.err).toBe(0);
      const r = JSON.parse(run.out) as { spec: { kind: string }; result: { kind: string; version: number; data: unknown } };
      expect(r.result.kind).toBe(kind);
      expect(RUNNERS[kind]!.validateResult(r.result)).toBeTruthy();
      const direct = await cli(...args, '--json');
      expect(direct.code, direct.err).toBe(0);
      expect(r.result.data).toEqual(JSON.parse(direct.out));
      // {spec, result} runs again to the same result.
      const runPath = join(dir, `${kind}.run.json`);
      writeFileSync(runPath, run.out);
      expect(JSON.parse((await cli('run', runPath, '--json')).out).result).toEqual(r.result);

      const prompts = join(dir, `${kind}.prompts.jsonl`);
      writeFileSync(prompts, `${JSON.stringify({ prompt: spec.prompt })}\n${JSON.stringify({ prompt: other })}\n`);
      const out = join(dir, `${kind}.results.jsonl`);
      const b = await cli('batch', specPath, '--prompts', prompts, '--out', out);
      expect(b.code, b.err).toBe(0);
      const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prompt_index: number; prompt: string; result: unknown });
      expect(lines.map((l) => [l.prompt_index, l.prompt])).toEqual([[0, spec.prompt], [1, other]]);
      expect(lines[0]!.result).toEqual(r.result);
      const s = await cli('summarize', out, '--json');
      expect(s.code, s.err).toBe(0);
      const metrics = (JSON.parse(s.out) as { metrics: Record<string, { n: number; missing: number }> }).metrics;
      expect(Object.keys(metrics)).toEqual(Object.keys(RUNNERS[kind]!.headline((lines[0]!.result as { data: unknown }).data)));
      for (const m of Object.values(metrics)) expect(m.n + m.missing).toBe(2);
    }, 300_000);
  }
});
