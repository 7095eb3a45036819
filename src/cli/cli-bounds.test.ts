/**
 * The CLI refuses out-of-range arguments before doing any work: exit 2, a message naming the flag and
 * the bound, never a silent clamp or cut. Flags that can be checked without the model are checked before
 * it loads: these runs name a model folder that does not exist, so an exit 2 (not 1, "missing file")
 * proves nothing was loaded. Bounds that need the model (its context length) are checked after the
 * prompt is encoded and before anything is generated.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../engine/errors';
import { parseTemperatures } from '../lab/sweep';
import { LIMITS } from './args';
import { main } from './main';

const NOWHERE = resolve('no-such-model-folder');
const BASE = resolve('models/lab-base');
const TUNED = resolve('models/lab-sft');

async function cli(...args: string[]): Promise<{ code: number; err: string; out: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, err: err.join('\n'), out: out.join('\n') };
}

describe('CLI bounds, checked before any work', () => {
  it('refuses --samples above the bound instead of growing until the kernel kills it', async () => {
    const r = await cli('sweep', '--model', NOWHERE, '--prompt', 'x', '--temperatures', '1', '--samples', '100000');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^usage error: --samples must be an integer from 1 to ${LIMITS.samples}, got 100000`));
    expect((await cli('sweep', '--model', NOWHERE, '--prompt', 'x', '--temperatures', '1', '--samples', '0')).code).toBe(2);
    expect((await cli('sweep', '--model', NOWHERE, '--prompt', 'x', '--temperatures', '1', '--samples', '2.5')).code).toBe(2);
    // In range: the flags pass and the (missing) model is what fails, with exit 1.
    expect((await cli('sweep', '--model', NOWHERE, '--prompt', 'x', '--temperatures', '1', '--samples', String(LIMITS.samples))).code).toBe(1);
  });

  it('refuses a temperature range it would have cut, naming how many it has', async () => {
    const r = await cli('sweep', '--model', NOWHERE, '--prompt', 'x', '--temperatures', '0..1000 step 0.0001');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--temperatures: the range 0\.\.1000 step 0\.0001 has 10000001 temperatures; at most 50/);
    const list = Array.from({ length: 51 }, (_, i) => String(i / 10)).join(',');
    expect((await cli('sweep', '--model', NOWHERE, '--prompt', 'x', '--temperatures', list)).err).toMatch(/51 temperatures given; at most 50/);
    expect((await cli('sweep', '--model', NOWHERE, '--prompt', 'x', '--temperatures', '2..1 step 0.1')).code).toBe(2);
    expect((await cli('sweep', '--model', NOWHERE, '--prompt', 'x', '--temperatures', '0.5,,1')).code).toBe(2);
  });

  it('parses the range grammar without cutting: every temperature or an error', () => {
    expect(parseTemperatures('0..2 step 0.5')).toEqual([0, 0.5, 1, 1.5, 2]);
    expect(parseTemperatures('0.1..0.3:0.1')).toEqual([0.1, 0.2, 0.3]);
    expect(parseTemperatures('0..0.999 step 0.001')).toHaveLength(1000);
    expect(() => parseTemperatures('0..1000 step 0.0001')).toThrow(/10000001 temperatures; at most 1000/);
    expect(() => parseTemperatures('0..1 step 0.1', 5)).toThrow(/11 temperatures; at most 5/);
    expect(() => parseTemperatures('0..1 step 0')).toThrow(/bad temperature range/);
  });

  it('gives every command the same exit code, 2, for an empty prompt', async () => {
    const runs = [
      ['logits', '--model', NOWHERE, '--text', ''],
      ['logits', '--model', NOWHERE, '--text', '   '],
      ['sweep', '--model', NOWHERE, '--prompt', '', '--temperatures', '1'],
      ['inject', '--model', NOWHERE, '--prompt', '', '--after-tokens', '1', '--injection', 'x'],
      ['answers', '--model', NOWHERE, '--prompt', ' ', '--choices', '1..3'],
      ['compare', '--base', NOWHERE, '--tuned', NOWHERE, '--prompt', ''],
    ];
    for (const args of runs) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(/^usage error: --(prompt|text) is empty: give some text/);
    }
  });

  it('refuses other out-of-range flags by name', async () => {
    const cases: [string[], RegExp][] = [
      [['sweep', '--model', NOWHERE, '--prompt', 'x', '--temperatures', '1', '--max-tokens', '5000'], /--max-tokens must be an integer from 1 to 4096, got 5000/],
      [['sweep', '--model', NOWHERE, '--prompt', 'x', '--temperatures', '1', '--seed=-1'], /--seed must be an integer from 0 to 4294967295/],
      [['inject', '--model', NOWHERE, '--prompt', 'x', '--after-tokens', '1', '--injection', 'y', '--steps', '100000'], /--steps must be an integer from 1 to 1024/],
      [['inject', '--model', NOWHERE, '--prompt', 'x', '--after-tokens', '1', '--injection', 'y', '--threshold', 'abc'], /--threshold must be a number > 0/],
      [['answers', '--model', NOWHERE, '--prompt', 'x', '--choices', '1..3', '--temperature', '0'], /--temperature must be a number > 0/],
      [['compare', '--base', NOWHERE, '--tuned', NOWHERE, '--prompt', 'x', '--max-tokens', '99999'], /--max-tokens must be an integer from 1 to 4096/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(message);
    }
  });

  it('refuses --max-tokens beyond what the model context leaves, before generating anything', async () => {
    const r = await cli('sweep', '--model', BASE, '--prompt', 'The old man', '--temperatures', '1', '--samples', '2', '--max-tokens', '600');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^usage error: --max-tokens asks for 600 tokens after a \d+-token prompt, but the model's context holds 512 tokens: at most \d+/);
    expect(r.out).toBe('');
    const c = await cli('compare', '--base', BASE, '--tuned', TUNED, '--prompt', 'The old man', '--max-tokens', '1000');
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/--max-tokens asks for 1000 tokens .* context holds 512 tokens/);
    const i = await cli('inject', '--model', BASE, '--prompt', 'The old man', '--after-tokens', '400', '--injection', 'you are a murderer', '--steps', '200');
    expect(i.code).toBe(2);
    expect(i.err).toMatch(/--steps asks for \d+ tokens \(--after-tokens \+ the injection or --window \+ --steps\) .* context holds 512/);
    // Within the context the same command runs.
    expect((await cli('sweep', '--model', BASE, '--prompt', 'The old man', '--temperatures', '1', '--samples', '2', '--max-tokens', '4')).code).toBe(0);
  });

  it('UsageError carries the flag and the bound', () => {
    const e = new UsageError('--samples must be an integer from 1 to 256, got 0', '--samples', 'from 1 to 256');
    expect([e.name, e.flag, e.bound]).toEqual(['UsageError', '--samples', 'from 1 to 256']);
  });
});
