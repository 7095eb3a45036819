/**
 * `lab compare` / `lab sweep` as experiments-as-data (issue #14): `--print-spec` prints a spec that the
 * runner's strict validator accepts (and loads no model: a missing model folder does not matter), and
 * `--json` prints exactly the runner's result data for that spec.
 */
import { describe, expect, it } from 'vitest';
import type { LabEngine } from '../../engine/engine';
import { compareRunner } from '../../lab/experiments/compare';
import { sweepRunner } from '../../lab/experiments/sweep';
import { useLabPair } from '../../lab/testing/lab-pair';
import { main } from '../main';

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

let base: LabEngine;
let tuned: LabEngine;

useLabPair((p) => ({ base, tuned } = p));

describe('lab compare --print-spec / --json', () => {
  it('prints a valid spec without loading a model', async () => {
    const r = await cli('compare', '--base', 'no/such-model@v2', '--tuned', '/nowhere/tuned', '--prompt', 'Are bugs real?', '--response-from', 'base', '--response-temperature', '0.7', '--seed', '9', '--cross', '--print-spec');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const spec = compareRunner.validateSpec(JSON.parse(r.out));
    expect(spec.models.base).toEqual({ repo: 'no/such-model', revision: 'v2', dtype: null, backend: 'node' });
    expect(spec.models.tuned?.repo).toBe('/nowhere/tuned');
    expect(spec.seed).toBe(9);
    expect(spec.settings).toMatchObject({ response_source: 'base', response_temperature: 0.7, cross: true, max_tokens: 64, samples: 16, templates: { base: 'none', tuned: 'chat' } });
  });

  it('keeps the bound checks with --print-spec (exit 2)', async () => {
    expect((await cli('compare', '--base', 'a', '--tuned', 'b', '--prompt', 'x', '--samples', '999', '--print-spec')).code).toBe(2);
    expect((await cli('compare', '--base', 'a', '--tuned', 'b', '--prompt', 'x', '--response-temperature', '9', '--print-spec')).code).toBe(2);
    expect((await cli('compare', '--base', 'a', '--tuned', 'b', '--prompt', 'x', '--response', 'y', '--response-from', 'base', '--print-spec')).code).toBe(2);
  });

  it('--json equals the runner on the printed spec', async () => {
    const args = ['compare', '--base', 'models/lab-base', '--tuned', 'models/lab-sft', '--prompt', 'Are bugs real?', '--response', ' Yes.', '--samples', '2', '--max-tokens', '4', '--base-template', 'urial'];
    const spec = compareRunner.validateSpec(JSON.parse((await cli(...args, '--print-spec')).out));
    const r = await cli(...args, '--json');
    expect(r.code, r.err).toBe(0);
    const mine = await compareRunner.run(spec, { engines: { base, tuned } });
    expect(JSON.parse(r.out)).toEqual(JSON.parse(JSON.stringify(mine.data)));
    expect(compareRunner.validateResult({ kind: 'compare', version: 1, data: JSON.parse(r.out) }).data.positions.length).toBe(mine.data.positions.length);
  });
});

describe('lab sweep --print-spec / --json', () => {
  it('one model: a valid spec on the side given; the old flags map onto it', async () => {
    const r = await cli('sweep', '--model', 'lab-rl', '--prompt', 'Pick a number.', '--template', 'chat', '--temperatures', '0.5..1 step 0.25', '--group-regex', '(\\d+)', '--side', 'tuned', '--print-spec');
    expect(r.code, r.err).toBe(0);
    const spec = sweepRunner.validateSpec(JSON.parse(r.out));
    expect(spec.models).toEqual({ tuned: { repo: 'lab-rl', revision: null, dtype: null, backend: 'node' } });
    expect(spec.settings).toMatchObject({ sides: ['tuned'], grid: [0.5, 0.75, 1], temperatures: [0.5, 0.75, 1], samples: 16, max_tokens: 24, reference: null, grouping: { by: 'regex', regex: '(\\d+)' } });
    expect(spec.settings.templates.tuned).toBe('chat');
  });

  it('refuses mixed or half pairs (exit 2)', async () => {
    expect((await cli('sweep', '--model', 'a', '--base', 'b', '--tuned', 'c', '--prompt', 'x', '--temperatures', '1', '--print-spec')).code).toBe(2);
    expect((await cli('sweep', '--base', 'b', '--prompt', 'x', '--temperatures', '1', '--print-spec')).code).toBe(2);
    expect((await cli('sweep', '--model', 'a', '--prompt', 'x', '--temperatures', '1', '--group-regex', '(', '--print-spec')).code).toBe(2);
  });

  it('--json equals the runner on the printed spec (both sides, own grid, reference)', async () => {
    const args = ['sweep', '--base', 'models/lab-base', '--tuned', 'models/lab-sft', '--prompt', 'Pick a random number between 1 and 100.', '--temperatures', '1', '--grid', '0.5,1,2', '--samples', '2', '--max-tokens', '3', '--seed', '4', '--reference', ' 42'];
    const spec = sweepRunner.validateSpec(JSON.parse((await cli(...args, '--print-spec')).out));
    expect(spec.settings.sides).toEqual(['base', 'tuned']);
    const r = await cli(...args, '--json');
    expect(r.code, r.err).toBe(0);
    const mine = await sweepRunner.run(spec, { engines: { base, tuned } });
    expect(JSON.parse(r.out)).toEqual(JSON.parse(JSON.stringify(mine.data)));
    expect(mine.data.match).not.toBeNull();
    expect(mine.data.base!.reference_is_greedy).toBe(false);
    const text = await cli(...args);
    expect(text.out).toMatch(/matching temperature/);
  });
});
