import { describe, expect, it } from 'vitest';
import { DEFAULT_K, DEFAULT_PROMPT, LAB_PAIR, MAX_K, isLabPair, readParams, writeParams } from './params';

describe('page params', () => {
  it('defaults to the lab-grown pair, auto backend, no template, k = 10', () => {
    expect(readParams('')).toEqual({ view: 'next', ...LAB_PAIR, prompt: DEFAULT_PROMPT, backend: 'auto', template: 'none', k: DEFAULT_K });
    expect(writeParams(readParams(''))).toBe('');
  });

  it('reads and writes every parameter, round trip', () => {
    const search = '?view=compare&base=https%3A%2F%2Fexample.org%2Fm%2Fbase%2F&tuned=org%2Fname&prompt=%3Cscript%3E+%26+more%0A&backend=wasm&template=chat&k=25';
    const p = readParams(search);
    expect(p).toEqual({ view: 'compare', base: 'https://example.org/m/base/', tuned: 'org/name', prompt: '<script> & more\n', backend: 'wasm', template: 'chat', k: 25 });
    expect(readParams(writeParams(p))).toEqual(p);
  });

  it('ignores unknown values and clamps k', () => {
    const p = readParams('?backend=cuda&template=alpaca&k=100000');
    expect(p.backend).toBe('auto');
    expect(p.template).toBe('none');
    expect(p.k).toBe(MAX_K);
    expect(readParams('?k=0').k).toBe(1);
    expect(readParams('?k=abc').k).toBe(DEFAULT_K);
    expect(readParams('?prompt=').prompt).toBe('');
    expect(readParams('?view=nope').view).toBe('next');
  });

  it("keeps the views' own parameters when writing", () => {
    const p = readParams('?view=answers&prompt=x&choices=1..6');
    expect(writeParams({ ...p, prompt: 'y' }, '?view=answers&prompt=x&choices=1..6')).toBe('?choices=1..6&view=answers&prompt=y');
  });

  it('the lab-grown family: any two siblings by name, lab-tuned (old links) is lab-sft', () => {
    expect(LAB_PAIR).toEqual({ base: './models/lab-base/', tuned: './models/lab-sft/' });
    const p = readParams('?base=lab-sft&tuned=lab-rl');
    expect([p.base, p.tuned]).toEqual(['./models/lab-sft/', './models/lab-rl/']);
    expect(isLabPair(p)).toBe(true);
    expect(readParams('?tuned=./models/lab-tuned/').tuned).toBe('./models/lab-sft/');
    expect(readParams('?tuned=lab-tuned').tuned).toBe('./models/lab-sft/');
    expect(writeParams(readParams('?tuned=./models/lab-tuned/'))).toBe('');
    expect(writeParams(readParams('?base=lab-sft&tuned=lab-rl'))).toBe('?base=.%2Fmodels%2Flab-sft%2F&tuned=.%2Fmodels%2Flab-rl%2F');
    expect(isLabPair(readParams('?tuned=org/other'))).toBe(false);
    expect(readParams('?tuned=org/lab-rl').tuned).toBe('org/lab-rl');
  });
});
