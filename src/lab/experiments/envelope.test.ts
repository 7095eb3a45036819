/**
 * The helpers the kinds' modules share (envelope.ts): the `sides` list and per-side settings readers, the
 * per-side result reader, and the title helpers. Each refusal is an ExperimentDataError with the JSON path.
 */
import { describe, expect, it } from 'vitest';
import { readPerSide, readResultSides, readSides, repoName, shortText } from './envelope';
import { read } from './json-safety';
import { ExperimentDataError } from './types';

function refusal(f: () => unknown): { path: string; message: string } {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ExperimentDataError);
    return { path: (err as ExperimentDataError).path, message: (err as Error).message };
  }
  throw new Error('did not throw');
}

describe('readSides', () => {
  it('keeps the order given; refuses none, a side twice, an unknown side, more than two', () => {
    expect(readSides(['tuned', 'base'], 's.sides')).toEqual(['tuned', 'base']);
    expect(readSides(['base'], 's.sides')).toEqual(['base']);
    expect(refusal(() => readSides([], 's.sides'))).toEqual({ path: 's.sides', message: 's.sides: must name at least one side' });
    expect(refusal(() => readSides(['base', 'base'], 's.sides'))).toEqual({ path: 's.sides', message: 's.sides: names a side twice' });
    expect(refusal(() => readSides(['base', 'other'], 's.sides')).path).toBe('s.sides[1]');
    expect(refusal(() => readSides(['base', 'tuned', 'base'], 's.sides')).path).toBe('s.sides');
    expect(refusal(() => readSides('base', 's.sides')).path).toBe('s.sides');
  });
});

describe('readPerSide', () => {
  const str = (v: unknown, p: string) => read.string(v, p, { max: 10 });
  it('reads the running sides only; refuses a missing running side and an unknown key', () => {
    expect(readPerSide({ base: 'a', tuned: 'b' }, 's.t', ['base', 'tuned'], str)).toEqual({ base: 'a', tuned: 'b' });
    // A side that does not run may be present; it is not read (nor returned).
    expect(readPerSide({ base: 'a', tuned: 42 }, 's.t', ['base'], str)).toEqual({ base: 'a' });
    expect(refusal(() => readPerSide({ base: 'a' }, 's.t', ['base', 'tuned'], str))).toEqual({ path: 's.t.tuned', message: 's.t.tuned: is missing (the tuned side runs)' });
    expect(refusal(() => readPerSide({ base: 'a', extra: 'x' }, 's.t', ['base'], str)).path).toBe('s.t.extra');
    expect(refusal(() => readPerSide({ base: 'a'.repeat(11) }, 's.t', ['base'], str)).path).toBe('s.t.base');
    expect(refusal(() => readPerSide(null, 's.t', ['base'], str)).path).toBe('s.t');
  });
});

describe('readResultSides', () => {
  it('reads every side present; refuses an empty object and an unknown key', () => {
    expect(readResultSides({ tuned: 1 }, 'r.data', (v, p) => read.int(v, p, 0, 9))).toEqual({ tuned: 1 });
    expect(refusal(() => readResultSides({}, 'r.data', (v) => v))).toEqual({ path: 'r.data', message: 'r.data: holds no side' });
    expect(refusal(() => readResultSides({ base: 1, both: 2 }, 'r.data', (v) => v)).path).toBe('r.data.both');
    expect(refusal(() => readResultSides({ base: 'x' }, 'r.data', (v, p) => read.int(v, p, 0, 9))).path).toBe('r.data.base');
  });
});

describe('titles', () => {
  it('shortText collapses whitespace and cuts with an ellipsis; repoName keeps the last segment', () => {
    expect(shortText('  a\n b\t c ')).toBe('a b c');
    expect(shortText('abcdefghij', 5)).toBe('abcd…');
    expect(shortText('abcde', 5)).toBe('abcde');
    expect(repoName('./models/lab-sft/')).toBe('lab-sft');
    expect(repoName('org/name@rev')).toBe('name@rev');
    expect(repoName('plain')).toBe('plain');
  });
});
