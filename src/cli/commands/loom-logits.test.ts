/** `lab logits` and `lab loom`: --print-spec prints a spec its runner accepts; --json prints runner(spec).data. */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEngine } from '../../engine/engine';
import { createNodeEngine } from '../../engine/node';
import { loomRunner } from '../../lab/experiments/loom';
import { nextTokenRunner } from '../../lab/experiments/next-token';
import { main } from '../main';

const BASE = resolve('models/lab-base');
const TUNED = resolve('models/lab-sft');
let base: LabEngine;
let tuned: LabEngine;

async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

beforeAll(async () => {
  base = createNodeEngine('node');
  tuned = createNodeEngine('node');
  await base.load(BASE);
  await tuned.load(TUNED);
});

afterAll(async () => {
  await base?.dispose();
  await tuned?.dispose();
});

describe('lab logits', () => {
  it('--print-spec prints a next-token spec and runs nothing; --json equals the runner on that spec', async () => {
    const p = await cli(['logits', '--model', BASE, '--text', 'The jury said', '--top', '4', '--template', 'chat', '--print-spec']);
    expect(p.code).toBe(0);
    const spec = nextTokenRunner.validateSpec(JSON.parse(p.out.join('\n')));
    expect(spec.models).toEqual({ base: { repo: BASE, revision: null, dtype: 'fp32', backend: 'node' } });
    expect(spec.settings).toEqual({ template: 'chat', k: 4, appended: [] });
    const r = await cli(['logits', '--model', BASE, '--text', 'The jury said', '--top', '4', '--template', 'chat', '--json']);
    expect(r.code).toBe(0);
    const data = JSON.parse(r.out.join('\n'));
    const want = await nextTokenRunner.run(spec, { engines: { base } });
    expect(data).toEqual(JSON.parse(JSON.stringify(want.data)));
    expect(data.sides.base.next.top).toHaveLength(4);
  });
});

describe('lab loom', () => {
  it('--print-spec prints a loom spec; --json equals the runner on that spec', async () => {
    const args = ['loom', '--base', BASE, '--tuned', TUNED, '--prompt', 'The old man', '--path', '50,51.52', '--top', '3', '--temperature', '0.7', '--top-p', '0.9'];
    const p = await cli([...args, '--print-spec']);
    expect(p.code).toBe(0);
    const spec = loomRunner.validateSpec(JSON.parse(p.out.join('\n')));
    expect(spec.settings).toEqual({ template: 'none', path: [50, 51, 52], sampling: { temperature: 0.7, topK: 0, topP: 0.9, minP: 0 }, k: 3, drive: 'tuned' });
    const r = await cli([...args, '--json']);
    expect(r.code, r.err.join('\n')).toBe(0);
    const data = JSON.parse(r.out.join('\n'));
    const want = await loomRunner.run(spec, { engines: { base, tuned } });
    expect(data).toEqual(JSON.parse(JSON.stringify(want.data)));
    expect(data.steps).toHaveLength(4);
    // the text table
    const t = await cli(args);
    expect(t.code).toBe(0);
    expect(t.out.join('\n')).toMatch(/KL\(t‖b\)/);
    expect(t.out.at(-1)).toMatch(/^log p\(path\): base -\d+\.\d{4} · tuned -\d+\.\d{4}$/);
  });

  it('refuses bad flags with exit 2 naming the flag, before loading anything', async () => {
    for (const [args, flag] of [
      [['loom', '--prompt', 'x', '--path', '1'], '--base'],
      [['loom', '--base', '/nowhere', '--prompt', 'x', '--path', '1.x'], '--path'],
      [['loom', '--base', '/nowhere', '--prompt', 'x'], '--path'],
      [['loom', '--base', '/nowhere', '--prompt', 'x', '--path', '1', '--top-p', '0'], '--top-p'],
      [['loom', '--base', '/nowhere', '--prompt', 'x', '--path', '1', '--temperature', '6'], '--temperature'],
      [['loom', '--base', '/nowhere', '--prompt', 'x', '--path', '1', '--top', '501'], '--top'],
      [['loom', '--base', '/nowhere', '--prompt', '', '--path', '1'], '--prompt'],
    ] as const) {
      const r = await cli([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.join('\n')).toContain(flag);
    }
    const v = await cli(['loom', '--base', BASE, '--prompt', 'x', '--path', '999999']);
    expect(v.code).toBe(2);
    expect(v.err.join('\n')).toMatch(/--path has token id 999999, outside the vocabulary/);
  });
});
