/**
 * The pure parts of `lab run` / `lab batch` / `lab summarize`: shard syntax, prompts.jsonl and results.jsonl
 * readers, the resume plan, spec files of every shape, and the statistics (against a printed t table and
 * figures worked by hand).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fakeRunner } from '../../cli/testing/fake-runner';
import { batchLineText, parsePrompts, parseResults, parseShard, planResume, specDifference } from './batch';
import { RUNNERS } from './registry';
import { specFromJson, specFromText } from './spec-file';
import { describe as summarize, describeHeadlines, tCdf, tQuantile } from './summary';
import { ExperimentDataError, type ResultEnvelope } from './types';

const before = RUNNERS['next-token'];
RUNNERS['next-token'] = fakeRunner;
afterAll(() => {
  if (before) RUNNERS['next-token'] = before;
  else delete RUNNERS['next-token'];
});

const SPEC = { kind: 'next-token', version: 1, models: {}, prompt: 'hello', seed: 1, settings: {} };

describe('Student t quantiles', () => {
  // t(0.975, df) from a printed table (two-sided 95%), 3 decimals.
  const TABLE: [number, number][] = [
    [1, 12.706], [2, 4.303], [3, 3.182], [4, 2.776], [5, 2.571], [6, 2.447], [7, 2.365], [8, 2.306], [9, 2.262],
    [10, 2.228], [15, 2.131], [20, 2.086], [30, 2.042], [60, 2.0], [120, 1.98],
  ];
  it.each(TABLE)('df %i: %f', (df, t) => {
    expect(Math.abs(tQuantile(0.975, df) - t)).toBeLessThan(6e-4);
  });
  it('has the closed forms of df 1 and 2, symmetry, and the normal limit', () => {
    // df 1 (Cauchy): tan(π(p − ½)); df 2: (2p − 1)·√(2 / (4p(1 − p))).
    for (const p of [0.6, 0.9, 0.975, 0.995]) {
      expect(tQuantile(p, 1)).toBeCloseTo(Math.tan(Math.PI * (p - 0.5)), 9);
      expect(tQuantile(p, 2)).toBeCloseTo((2 * p - 1) * Math.sqrt(2 / (4 * p * (1 - p))), 9);
      expect(tQuantile(1 - p, 7)).toBeCloseTo(-tQuantile(p, 7), 9);
    }
    expect(tQuantile(0.975, 1e7)).toBeCloseTo(1.959964, 5);
    expect(tCdf(0, 5)).toBeCloseTo(0.5, 12);
    expect(() => tQuantile(1, 3)).toThrow(RangeError);
  });
});

describe('describe: n, mean, sd, 95% CI, min, max', () => {
  it('matches a computation by hand', () => {
    // 2 4 4 4 5 5 7 9: mean 5, Σ(x − 5)² = 32, sd = √(32/7) = 2.138090, t(0.975, 7) = 2.365 (table),
    // half-width 2.365 · 2.138090 / √8 = 1.787776.
    const s = summarize([2, 4, null, 4, 4, 5, 5, 7, 9]);
    expect(s.n).toBe(8);
    expect(s.missing).toBe(1);
    expect(s.mean).toBe(5);
    expect(s.sd).toBeCloseTo(2.13809, 5);
    expect(s.ci95![0]).toBeCloseTo(5 - 1.787776, 3);
    expect(s.ci95![1]).toBeCloseTo(5 + 1.787776, 3);
    expect([s.min, s.max]).toEqual([2, 9]);
    // n = 2: 1 and 3: mean 2, sd √2, t(0.975, 1) = 12.706: half 12.706 · √2 / √2 = 12.706.
    const two = summarize([1, 3]);
    expect(two.ci95![0]).toBeCloseTo(2 - 12.706, 2);
    expect(two.ci95![1]).toBeCloseTo(2 + 12.706, 2);
  });
  it('leaves sd and CI undefined for n < 2 and counts nulls and non-finite values as missing', () => {
    expect(summarize([3])).toEqual({ n: 1, missing: 0, mean: 3, sd: null, ci95: null, min: 3, max: 3 });
    expect(summarize([null, NaN])).toEqual({ n: 0, missing: 2, mean: null, sd: null, ci95: null, min: null, max: null });
    expect(summarize([4, 4, 4]).ci95).toEqual([4, 4]);
    // (0.1 + 0.1 + 0.1) / 3 is 0.10000000000000002 in floating point; equal values still give exactly 0.1, sd 0.
    expect(summarize([0.1, 0.1, 0.1])).toEqual({ n: 3, missing: 0, mean: 0.1, sd: 0, ci95: [0.1, 0.1], min: 0.1, max: 0.1 });
  });
  it('summarizes headline records by name, in first-seen order', () => {
    const h = describeHeadlines([{ a: 1, b: null }, { a: 3, c: 2 }]);
    expect(Object.keys(h)).toEqual(['a', 'b', 'c']);
    expect(h['a']!.mean).toBe(2);
    expect(h['b']!.n).toBe(0);
    expect(h['c']).toMatchObject({ n: 1, missing: 1, mean: 2 });
  });
});

describe('--shard i/n', () => {
  it('reads i/n with 0 ≤ i < n', () => {
    expect(parseShard('0/1')).toEqual({ index: 0, count: 1 });
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
  });
  it.each(['3/2', '2/2', '0/0', '-1/2', '1.5/2', 'a/b', '1/', '/2', '1', '1/2/3', ''])('refuses %j', (s) => {
    expect(() => parseShard(s)).toThrow(/--shard must be i\/n/);
  });
});

describe('prompts.jsonl', () => {
  it('reads one {"prompt"} per line, skipping blank lines, with the file line of each', () => {
    const r = parsePrompts('{"prompt":"a"}\n\n  \n{"prompt":"b c","id":7}\r\n{"prompt":"  d"}', 'p.jsonl');
    expect(r).toEqual({ prompts: ['a', 'b c', '  d'], lines: [1, 4, 5] });
  });
  it.each([
    ['{"prompt":"a"}\n{"prompt": "b"', /p\.jsonl line 2: not valid JSON/],
    ['{"prompt":"a"}\n["b"]', /p\.jsonl line 2: line: must be an object/],
    ['{"prompt":"a"}\n\n{"text":"b"}', /p\.jsonl line 3: line: has no "prompt"/],
    ['{"prompt":"   "}', /p\.jsonl line 1: line\.prompt: is empty/],
    ['{"prompt":5}', /p\.jsonl line 1: line\.prompt: must be a string/],
    ['{"prompt":"a","__proto__":{"x":1}}', /p\.jsonl line 1: line: the key "__proto__" is not allowed/],
    ['', /p\.jsonl has no prompts/],
    ['\n  \n', /p\.jsonl has no prompts/],
  ])('refuses %j', (text, re) => {
    expect(() => parsePrompts(text, 'p.jsonl')).toThrow(re);
  });
});

describe('results.jsonl and the resume plan', () => {
  const res = (p: string): ResultEnvelope => ({ kind: 'next-token', version: 1, data: { chars: p.length, words: 1, score: 0.5, tokens: null } });
  const validate = () => (r: unknown) => fakeRunner.validateResult(r);
  const line = (i: number, p: string) => batchLineText(i, p, res(p));
  const prompts = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];

  it('keeps whole lines and reports a torn last line', () => {
    const text = `${line(0, 'p0')}\n${line(2, 'p2')}\n${line(4, 'p4').slice(0, 30)}`;
    const f = parseResults(text, 'r.jsonl', validate);
    expect(f.rows.map((r) => r.value.prompt_index)).toEqual([0, 2]);
    expect(f.torn).toEqual({ line: 3, text: line(4, 'p4').slice(0, 30) });
    // A whole last line without its newline is kept.
    const g = parseResults(`${line(0, 'p0')}\n${line(2, 'p2')}`, 'r.jsonl', validate);
    expect(g.rows).toHaveLength(2);
    expect(g.torn).toBeNull();
    expect(g.endsWithNewline).toBe(false);
  });
  it('refuses a bad line that is not the last one, naming it', () => {
    expect(() => parseResults(`${line(0, 'p0')}\nnot json\n${line(2, 'p2')}\n`, 'r.jsonl', validate)).toThrow(/r\.jsonl line 2: not valid JSON/);
    expect(() => parseResults(`{"prompt_index":0,"prompt":"p0","result":${JSON.stringify(res('p0'))},"x":1}\n`, 'r.jsonl', validate)).toThrow(/line 1: line: unknown key "x"/);
    expect(() => parseResults(`{"prompt_index":-1,"prompt":"p0","result":${JSON.stringify(res('p0'))}}\n`, 'r.jsonl', validate)).toThrow(/line 1: line\.prompt_index/);
  });
  it('keeps the lines of this shard whose prompt matches, and runs the rest', () => {
    const text = [line(0, 'p0'), line(1, 'p1'), line(2, 'CHANGED'), line(4, 'p4'), line(9, 'p9')].join('\n') + '\n';
    const plan = planResume(parseResults(text, 'r.jsonl', validate), prompts, { index: 0, count: 2 }, 'r.jsonl');
    expect(plan.keep.map((r) => r.value.prompt_index)).toEqual([0, 4]);
    expect(plan.drop.map((d) => d.reason)).toEqual([
      'prompt_index 1 is not in shard 0/2',
      "prompt 2 differs from the prompts file's",
      'prompt_index 9 is past the last prompt (5)',
    ]);
    expect(plan.todo).toEqual([2]);
  });
  it('refuses a prompt_index kept twice', () => {
    const text = [line(0, 'p0'), line(0, 'p0')].join('\n') + '\n';
    expect(() => planResume(parseResults(text, 'r.jsonl', validate), prompts, { index: 0, count: 1 }, 'r.jsonl')).toThrow(/prompt_index 0 twice \(lines 1 and 2\)/);
  });
  it('compares specs without their prompts', () => {
    expect(specDifference(SPEC, { ...SPEC, prompt: 'other' })).toBeNull();
    expect(specDifference(SPEC, { ...SPEC, seed: 2 })).toBe('spec.seed (1 vs 2)');
    expect(specDifference({ ...SPEC, models: { base: { repo: 'a', backend: 'node' } } }, { ...SPEC, models: { base: { repo: 'a', backend: 'wasm' } } })).toBe(
      'spec.models.base.backend ("node" vs "wasm")',
    );
    expect(specDifference(SPEC, { ...SPEC, settings: { sides: [] } })).toBe('spec.settings.sides (absent vs [])');
  });
});

describe('spec files: a spec, {spec, result}, a record, an export', () => {
  const result = { kind: 'next-token', version: 1, data: { chars: 5, words: 1, score: 0.1, tokens: null } };
  const record = (id: string, prompt: string) => ({ id, kind: 'next-token', title: `t ${id}`, notes: '', pinned: false, created: '2026-01-01T00:00:00Z', appVersion: '0.1.0', spec: { ...SPEC, prompt }, result });
  it('takes the spec of each shape', () => {
    expect(specFromJson(SPEC)).toMatchObject({ shape: 'spec', spec: { prompt: 'hello', settings: { sides: [] } } });
    expect(specFromJson({ spec: SPEC, result })).toMatchObject({ shape: 'run' });
    expect(specFromJson(record('a', 'x'))).toMatchObject({ shape: 'record', spec: { prompt: 'x' } });
    const exp = { format: 'world-prior-lab/runs', version: 1, runs: [record('a', 'x'), record('b', 'y')] };
    expect(specFromJson(exp, 1)).toMatchObject({ shape: 'export', spec: { prompt: 'y' } });
    expect(specFromJson({ ...exp, runs: [record('a', 'x')] })).toMatchObject({ spec: { prompt: 'x' } });
  });
  it('refuses with the reason', () => {
    const exp = { format: 'world-prior-lab/runs', version: 1, runs: [record('a', 'x'), record('b', 'y')] };
    expect(() => specFromJson(exp)).toThrow(/holds 2 runs: choose one with --index 0…1\n {2}0: next-token · t a\n {2}1: next-token · t b/);
    expect(() => specFromJson(exp, 2)).toThrow(/--index 2 is past the last run/);
    expect(() => specFromJson(SPEC, 0)).toThrow(/--index picks a run of a library export/);
    expect(() => specFromJson({ ...exp, version: 2 })).toThrow(/version 2 was written by a newer lab/);
    expect(() => specFromJson({ ...exp, format: 'other' })).toThrow(/format: must be "world-prior-lab\/runs"/);
    expect(() => specFromJson({ ...exp, runs: [] })).toThrow(/holds no runs/);
    expect(() => specFromJson({ ...exp, runs: [record('a', 'x'), { ...record('b', ''), spec: { ...SPEC, seed: -1 } }] }, 1)).toThrow(/^runs\[1\]: spec\.seed/);
    const compare = RUNNERS['compare'];
    delete RUNNERS['compare']; // (a build without that kind's runner)
    try {
      expect(() => specFromJson({ ...SPEC, kind: 'compare' })).toThrow(/spec\.kind: this lab has no runner for compare experiments/);
    } finally {
      if (compare) RUNNERS['compare'] = compare;
    }
    expect(() => specFromJson({ ...SPEC, kind: 'nope' })).toThrow(/spec\.kind: must be one of/);
    expect(() => specFromJson({ ...SPEC, version: 9 })).toThrow(/spec\.version: version 9 was written by a newer lab/);
    expect(() => specFromJson({ ...SPEC, prompt: '' })).toThrow(/spec\.prompt: must not be empty/);
    expect(() => specFromJson(JSON.parse('{"kind":"next-token","version":1,"models":{},"prompt":"a","seed":1,"settings":{"__proto__":{}}}'))).toThrow(/__proto__/);
    expect(() => specFromText('', 's.json')).toThrow(/^s\.json: the spec file is empty/);
    expect(() => specFromText('{"kind":', 's.json')).toThrow(/^s\.json: the spec file is not valid JSON/);
    expect(() => specFromText('[]', 's.json')).toThrow(ExperimentDataError);
  });
  it('replaces the prompt before checking when asked (a batch template)', () => {
    expect(specFromJson({ ...SPEC, prompt: '' }, undefined, 'from the batch').spec.prompt).toBe('from the batch');
  });
});
