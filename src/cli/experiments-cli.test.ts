/**
 * `lab run`, `lab batch` and `lab summarize` through the real CLI (main() in this process, and child
 * processes for the kill-and-resume test), on the test-only fake runner (src/cli/testing/fake-runner.ts,
 * registered as the kind `next-token`); `lab run` also loads a real model (lab-base) for it.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createNodeEngine } from '../engine/node';
import { RUNNERS } from '../lab/experiments/registry';
import { main } from './main';
import { fakeRunner } from './testing/fake-runner';

const before = RUNNERS['next-token'];
RUNNERS['next-token'] = fakeRunner;
const dir = mkdtempSync(join(tmpdir(), 'lab-batch-'));
afterAll(() => {
  if (before) RUNNERS['next-token'] = before;
  else delete RUNNERS['next-token'];
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  delete process.env['LAB_TEST_DELAY_MS'];
  delete process.env['LAB_TEST_CALL_LOG'];
});

async function cli(...args: string[]): Promise<{ code: number; err: string; out: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, err: err.join('\n'), out: out.join('\n') };
}

let n = 0;
/** A fresh path in the test folder. */
const path = (name: string) => join(dir, `${n++}-${name}`);
function file(name: string, text: string): string {
  const p = path(name);
  writeFileSync(p, text);
  return p;
}
const SPEC = { kind: 'next-token', version: 1, models: {}, prompt: '', seed: 5, settings: {} };
const specFile = (spec: object = SPEC) => file('spec.json', JSON.stringify(spec));
const PROMPTS = Array.from({ length: 10 }, (_, i) => `prompt number ${i}${' x'.repeat(i % 4)}`);
const promptsFile = (prompts = PROMPTS) => file('prompts.jsonl', prompts.map((p) => JSON.stringify({ prompt: p })).join('\n') + '\n');
const lines = (p: string) => readFileSync(p, 'utf8').split('\n').filter((l) => l !== '');
const byIndex = (ls: string[]) => [...ls].sort((a, b) => (JSON.parse(a) as { prompt_index: number }).prompt_index - (JSON.parse(b) as { prompt_index: number }).prompt_index);
const calls = (log: string) => (existsSync(log) ? lines(log).map((l) => (JSON.parse(l) as { prompt: string }).prompt) : []);

describe('lab run', () => {
  it('prints {spec, result} with --json: the spec as run and the runner\'s result', async () => {
    const r = await cli('run', specFile({ ...SPEC, prompt: 'two words' }), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { spec: unknown; result: unknown };
    expect(j.spec).toEqual({ ...SPEC, prompt: 'two words', settings: { sides: [] } });
    expect(j.result).toEqual(await fakeRunner.run(fakeRunner.validateSpec(j.spec), { engines: {} }));
    expect(j.result).toMatchObject({ kind: 'next-token', version: 1, data: { chars: 9, words: 2, tokens: null } });
    // What it prints runs again: {spec, result} is a spec file too.
    const again = await cli('run', file('run.json', r.out), '--json');
    expect(again.out).toBe(r.out);
  });

  it('loads the spec\'s model, fills in backend and dtype, and runs on it', async () => {
    const spec = { ...SPEC, prompt: 'The old man looked at the sea', models: { base: { repo: 'lab-base', revision: null, dtype: null, backend: 'auto' } }, settings: { sides: ['base'] } };
    const r = await cli('run', specFile(spec), '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as { spec: { models: { base: unknown } }; result: { data: { tokens: number } } };
    expect(j.spec.models.base).toEqual({ repo: 'lab-base', revision: null, dtype: 'fp32', backend: 'node' });
    const engine = createNodeEngine('node');
    try {
      await engine.load(resolve('models/lab-base'));
      expect(j.result.data.tokens).toBe((await engine.encode(spec.prompt)).length);
    } finally {
      await engine.dispose();
    }
    // The flag wins over the spec's backend; a spec without the model a kind needs is refused.
    const p = await cli('run', specFile({ ...spec, models: { base: { ...spec.models.base, backend: 'webgpu' } } }), '--backend', 'node', '--print-spec');
    expect(JSON.parse(p.out)).toMatchObject({ models: { base: { backend: 'node' } } });
    const none = await cli('run', specFile({ ...spec, models: {} }), '--json');
    expect(none.code).toBe(1);
    expect(JSON.parse(none.out)).toEqual({ error: { name: 'ExperimentDataError', path: 'spec.models.base', message: expect.stringMatching(/spec\.models\.base: is missing: a next-token run needs the base model/) } });
  });

  it('prints the title and the headline numbers without --json; picks a run of an export with --index', async () => {
    const rec = (prompt: string) => ({ id: prompt, kind: 'next-token', title: prompt, notes: '', pinned: false, created: '2026-01-01T00:00:00Z', appVersion: '0.1.0', spec: { ...SPEC, prompt }, result: { kind: 'next-token', version: 1, data: { chars: 1, words: 1, score: 0, tokens: null } } });
    const exp = file('export.json', JSON.stringify({ format: 'world-prior-lab/runs', version: 1, runs: [rec('first run'), rec('the second one')] }));
    const refused = await cli('run', exp);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/export\.json: runs: the export holds 2 runs: choose one with --index 0…1\n {2}0: next-token · first run\n {2}1: next-token · the second one$/);
    const r = await cli('run', exp, '--index', '1');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toEqual(['fake · “the second one”', expect.stringMatching(/^ {2}chars +14$/), expect.stringMatching(/^ {2}words +3$/), expect.stringMatching(/^ {2}score +0\.\d+$/), expect.stringMatching(/^ {2}tokens +–$/)]);
  });

  it('refuses bad input with the CLI\'s error style', async () => {
    expect((await cli('run')).code).toBe(2);
    expect((await cli('run', 'a.json', 'b.json')).code).toBe(2);
    expect((await cli('run', specFile(), '--backend', 'cuda')).code).toBe(2);
    const missing = await cli('run', path('nowhere.json'), '--json');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.out).error.message).toMatch(/cannot read the spec file \(ENOENT\)/);
    const bad = await cli('run', file('bad.json', '{"kind":"next-token","version":1,"models":{},"prompt":"a","seed":1e400,"settings":{}}'));
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^error: ExperimentDataError: .*bad\.json: \$\.seed: Infinity is not a finite number$/);
  });
});

describe('lab batch: shards', () => {
  it('the union of --shard 0/n … n-1/n equals the unsharded output, line for line (n = 1, 2, 3)', async () => {
    const spec = specFile();
    const prompts = promptsFile();
    const whole = path('whole.jsonl');
    const r = await cli('batch', spec, '--prompts', prompts, '--out', whole);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/whole\.jsonl: 10\/10 prompts done \(0 from before, 10 run now/);
    const wholeLines = lines(whole);
    expect(wholeLines.map((l) => JSON.parse(l) as { prompt_index: number; prompt: string })).toEqual(PROMPTS.map((p, i) => expect.objectContaining({ prompt_index: i, prompt: p })));
    for (const [i, l] of wholeLines.entries()) {
      expect(JSON.parse(l)).toEqual({ prompt_index: i, prompt: PROMPTS[i], result: await fakeRunner.run(fakeRunner.validateSpec({ ...SPEC, prompt: PROMPTS[i] }), { engines: {} }) });
    }
    for (const count of [1, 2, 3]) {
      const union: string[] = [];
      for (let s = 0; s < count; s++) {
        const out = path(`shard-${s}-of-${count}.jsonl`);
        const rs = await cli('batch', spec, '--prompts', prompts, '--out', out, '--shard', `${s}/${count}`);
        expect(rs.code, rs.err).toBe(0);
        const ls = lines(out);
        expect(ls.every((l) => (JSON.parse(l) as { prompt_index: number }).prompt_index % count === s)).toBe(true);
        union.push(...ls);
      }
      expect(byIndex(union)).toEqual(wholeLines);
    }
  });
});

describe('lab batch: models', () => {
  it('loads the spec\'s models once for the whole batch', async () => {
    const log = path('calls.log');
    process.env['LAB_TEST_CALL_LOG'] = log;
    const spec = { ...SPEC, models: { base: { repo: 'lab-base', revision: null, dtype: null, backend: 'auto' } }, settings: { sides: ['base'] } };
    const out = path('out.jsonl');
    const r = await cli('batch', specFile(spec), '--prompts', promptsFile(PROMPTS.slice(0, 3)), '--out', out);
    expect(r.code, r.err).toBe(0);
    const engines = lines(log).map((l) => (JSON.parse(l) as { engine: number | null }).engine);
    expect(engines).toHaveLength(3);
    expect(engines[0]).not.toBeNull();
    expect(new Set(engines).size).toBe(1);
    expect(lines(out).map((l) => (JSON.parse(l) as { result: { data: { tokens: number } } }).result.data.tokens).every((t) => t > 0)).toBe(true);
    expect(JSON.parse(readFileSync(`${out}.spec.json`, 'utf8'))).toMatchObject({ models: { base: { repo: 'lab-base', backend: 'node' } } });
  });
});

describe('lab batch: input rejections (nothing run, nothing overwritten)', () => {
  it.each([
    ['a bad JSON line', '{"prompt":"a"}\n{"prompt":"b"\n', /prompts\.jsonl line 2: not valid JSON/],
    ['a line that is not {"prompt"}', '{"prompt":"a"}\n\n{"text":"b"}\n', /prompts\.jsonl line 3: line: has no "prompt"/],
    ['an empty prompt', '{"prompt":"a"}\n{"prompt":""}\n', /prompts\.jsonl line 2: line\.prompt: is empty/],
    ['an empty prompts file', '', /prompts\.jsonl has no prompts/],
    ['a prompts file of blank lines', '\n\n', /prompts\.jsonl has no prompts/],
  ])('refuses %s', async (_, text, re) => {
    process.env['LAB_TEST_CALL_LOG'] = path('calls.log');
    const out = path('out.jsonl');
    const r = await cli('batch', specFile(), '--prompts', file('prompts.jsonl', text), '--out', out);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(re);
    expect(existsSync(out)).toBe(false);
    expect(calls(process.env['LAB_TEST_CALL_LOG'])).toEqual([]);
  });

  it.each(['3/2', '0/0', '2/2', '-1/2', 'a/b', '1/2/3'])('refuses --shard %s (exit 2)', async (shard) => {
    const r = await cli('batch', specFile(), '--prompts', promptsFile(), '--out', path('out.jsonl'), `--shard=${shard}`);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/usage error: --shard must be i\/n with whole numbers 0 ≤ i < n/);
  });

  it('refuses missing flags and a spec file', async () => {
    expect((await cli('batch', specFile(), '--out', path('o.jsonl'))).err).toMatch(/--prompts is required/);
    expect((await cli('batch', specFile(), '--prompts', promptsFile())).err).toMatch(/--out is required/);
    expect((await cli('batch', '--prompts', promptsFile(), '--out', path('o.jsonl'))).code).toBe(2);
  });

  it('refuses an existing non-empty results file without --resume, and leaves it as it was', async () => {
    const out = file('out.jsonl', 'results someone made\n');
    const r = await cli('batch', specFile(), '--prompts', promptsFile(), '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/out\.jsonl exists and is not empty: --resume continues it/);
    expect(readFileSync(out, 'utf8')).toBe('results someone made\n');
    // An empty file is not a result: it is used.
    const empty = file('empty.jsonl', '');
    expect((await cli('batch', specFile(), '--prompts', promptsFile(), '--out', empty)).code).toBe(0);
    expect(lines(empty)).toHaveLength(10);
  });

  it('refuses to resume with a different spec or backend, or without the spec record', async () => {
    const prompts = promptsFile();
    const out = path('out.jsonl');
    expect((await cli('batch', specFile(), '--prompts', prompts, '--out', out, '--shard', '0/2')).code).toBe(0);
    const text = readFileSync(out, 'utf8');
    const other = await cli('batch', specFile({ ...SPEC, seed: 6 }), '--prompts', prompts, '--out', out, '--shard', '0/2', '--resume');
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/the spec differs from the one .*out\.jsonl was run with .* at spec\.seed \(5 vs 6\)/);
    // Another prompt in the spec file is the same spec: a batch replaces it.
    expect((await cli('batch', specFile({ ...SPEC, prompt: 'something else' }), '--prompts', prompts, '--out', out, '--shard', '0/2', '--resume')).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(text);
    rmSync(`${out}.spec.json`);
    const none = await cli('batch', specFile(), '--prompts', prompts, '--out', out, '--shard', '0/2', '--resume');
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/has no .*out\.jsonl\.spec\.json beside it/);
    expect(readFileSync(out, 'utf8')).toBe(text);
  });

  it('refuses a corrupt line inside a results file it would resume', async () => {
    const prompts = promptsFile();
    const out = path('out.jsonl');
    expect((await cli('batch', specFile(), '--prompts', prompts, '--out', out)).code).toBe(0);
    const ls = lines(out);
    const corrupt = [ls[0], '{"prompt_index": 1, "oops": true}', ...ls.slice(2)].join('\n') + '\n';
    writeFileSync(out, corrupt);
    const r = await cli('batch', specFile(), '--prompts', prompts, '--out', out, '--resume');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/out\.jsonl line 2: line: unknown key "oops"/);
    expect(readFileSync(out, 'utf8')).toBe(corrupt);
  });
});

/** `lab batch` in a child process (node + tsx, one process: a signal reaches the CLI itself), on the fake
 *  runner, slowed by `delay` ms per prompt, logging its calls to `log`. */
function batchChild(args: string[], log: string, delay: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'batch', ...args], {
    env: { ...process.env, LAB_TEST_RUNNERS: 'src/cli/testing/fake-runner.ts', LAB_TEST_DELAY_MS: String(delay), LAB_TEST_CALL_LOG: log },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => child.on('exit', (code) => res({ code, stdout, stderr })));
  return { child, exited };
}

/** Waits until `file` holds at least `n` lines. */
async function linesAtLeast(file: string, n: number): Promise<void> {
  const t0 = Date.now();
  while (!(existsSync(file) && lines(file).length >= n)) {
    if (Date.now() - t0 > 45_000) throw new Error(`the child batch wrote no ${n} lines in 45 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('lab batch --resume', () => {
  it('keeps finished lines, re-runs changed prompts (keeping the old lines aside), and runs nothing when done', async () => {
    const spec = specFile();
    const out = path('out.jsonl');
    const p1 = promptsFile();
    expect((await cli('batch', spec, '--prompts', p1, '--out', out)).code).toBe(0);
    const first = lines(out);
    const changed = PROMPTS.map((p, i) => (i === 3 ? 'a new prompt three' : p));
    const log = path('calls.log');
    process.env['LAB_TEST_CALL_LOG'] = log;
    const r = await cli('batch', spec, '--prompts', promptsFile(changed), '--out', out, '--resume');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/resume: line 4 not kept: prompt 3 differs from the prompts file's/);
    expect(calls(log)).toEqual(['a new prompt three']);
    expect(lines(`${out}.dropped.jsonl`)).toEqual([first[3]]);
    expect(byIndex(lines(out)).map((l) => (JSON.parse(l) as { prompt: string }).prompt)).toEqual(changed);
    const again = await cli('batch', spec, '--prompts', promptsFile(changed), '--out', out, '--resume');
    expect(again.out).toMatch(/all 10 prompts are done/);
    expect(calls(log)).toHaveLength(1);
  });

  it('after a SIGKILL mid-run (and a torn last line) finishes the file as an uninterrupted run would, running no finished prompt again', async () => {
    const prompts = Array.from({ length: 16 }, (_, i) => `killed batch prompt ${i}`);
    const promptsPath = promptsFile(prompts);
    const spec = specFile();
    const whole = path('whole.jsonl');
    expect((await cli('batch', spec, '--prompts', promptsPath, '--out', whole)).code).toBe(0);

    const out = path('killed.jsonl');
    const log1 = path('calls-killed.log');
    const log2 = path('calls-resumed.log');
    const killed = batchChild([spec, '--prompts', promptsPath, '--out', out], log1, 300);
    await linesAtLeast(out, 3);
    killed.child.kill('SIGKILL');
    await killed.exited;
    const kept = lines(out);
    expect(kept.length).toBeLessThan(prompts.length); // it was killed mid-run
    expect(kept).toEqual(lines(whole).slice(0, kept.length));
    // A write cut short by the crash: half of the next line, no newline.
    const next = lines(whole)[kept.length]!;
    appendFileSync(out, next.slice(0, Math.floor(next.length / 2)));

    const { code, stdout, stderr } = await batchChild([spec, '--prompts', promptsPath, '--out', out, '--resume'], log2, 0).exited;
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(new RegExp(`resume: dropped line ${kept.length + 1} of .*killed\\.jsonl, a line cut short`));
    expect(stdout).toMatch(new RegExp(`16/16 prompts done \\(${kept.length} from before, ${16 - kept.length} run now`));
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(whole, 'utf8'));
    const keptPrompts = kept.map((l) => (JSON.parse(l) as { prompt: string }).prompt);
    expect(calls(log1)).toEqual(expect.arrayContaining(keptPrompts));
    expect(calls(log2)).toEqual(prompts.slice(kept.length)); // each unfinished prompt once, no finished one
    // The rewrite (dropping the torn line) went through a temporary file and a rename: none is left.
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  }, 120_000);

  it('stops cleanly on Ctrl-C (SIGINT), keeping every finished line, and resumes', async () => {
    const prompts = Array.from({ length: 12 }, (_, i) => `interrupted prompt ${i}`);
    const promptsPath = promptsFile(prompts);
    const spec = specFile();
    const whole = path('whole.jsonl');
    expect((await cli('batch', spec, '--prompts', promptsPath, '--out', whole)).code).toBe(0);
    const out = path('interrupted.jsonl');
    const run = batchChild([spec, '--prompts', promptsPath, '--out', out], path('calls.log'), 300);
    await linesAtLeast(out, 2);
    run.child.kill('SIGINT');
    const { code, stderr } = await run.exited;
    expect(code).toBe(1);
    expect(stderr).toMatch(/interrupted: stopping/);
    expect(stderr).toMatch(/stopped at prompt_index \d+ .*--resume continues/);
    expect(stderr).toMatch(/error: LabAbortError: the fake run was cancelled/);
    const text = readFileSync(out, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const kept = lines(out);
    expect(kept.length).toBeLessThan(12);
    expect(kept).toEqual(lines(whole).slice(0, kept.length));
    const r = await cli('batch', spec, '--prompts', promptsPath, '--out', out, '--resume');
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(whole, 'utf8'));
  }, 120_000);
});

describe('lab summarize', () => {
  // Character counts 2 4 4 4 5 5 7 9 (mean 5, sd √(32/7) = 2.138090; t(0.975, 7) = 2.365 from a table:
  // CI 5 ± 1.787776); every prompt is one word (sd 0, CI [1, 1]).
  const PROMPTS8 = ['aa', 'bbbb', 'cccc', 'dddd', 'eeeee', 'fffff', 'ggggggg', 'hhhhhhhhh'];
  async function study() {
    const spec = specFile();
    const prompts = promptsFile(PROMPTS8);
    const outs = [path('s0.jsonl'), path('s1.jsonl'), path('s2.jsonl')];
    for (const [s, out] of outs.entries()) expect((await cli('batch', spec, '--prompts', prompts, '--out', out, '--shard', `${s}/3`)).code).toBe(0);
    return outs;
  }

  it('gives n, mean, sd, the Student-t 95% CI, min and max of each headline number, over shards', async () => {
    const outs = await study();
    const r = await cli('summarize', ...outs, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as { kind: string; results: number; metrics: Record<string, { n: number; missing: number; mean: number | null; sd: number | null; ci95: [number, number] | null; min: number | null; max: number | null }> };
    expect(j.kind).toBe('next-token');
    expect(j.results).toBe(8);
    expect(Object.keys(j.metrics)).toEqual(['chars', 'words', 'score', 'tokens']);
    const c = j.metrics['chars']!;
    expect([c.n, c.missing, c.mean, c.min, c.max]).toEqual([8, 0, 5, 2, 9]);
    expect(c.sd).toBeCloseTo(2.13809, 5);
    expect(c.ci95![0]).toBeCloseTo(3.212224, 3);
    expect(c.ci95![1]).toBeCloseTo(6.787776, 3);
    expect(j.metrics['words']).toEqual({ n: 8, missing: 0, mean: 1, sd: 0, ci95: [1, 1], min: 1, max: 1 });
    expect(j.metrics['tokens']).toEqual({ n: 0, missing: 8, mean: null, sd: null, ci95: null, min: null, max: null });
    // score: against a plain recomputation from the lines.
    const scores = outs.flatMap((o) => lines(o).map((l) => (JSON.parse(l) as { result: { data: { score: number } } }).result.data.score));
    const mean = scores.reduce((a, b) => a + b, 0) / 8;
    expect(j.metrics['score']!.mean).toBeCloseTo(mean, 12);
    expect(j.metrics['score']!.sd).toBeCloseTo(Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / 7), 12);
    // The text form: one row per number.
    const t = await cli('summarize', ...outs);
    expect(t.out).toMatch(/^next-token: 8 results from 3 files; 95% CI = mean ± t\(0\.975, n − 1\)/);
    // (4 digits of the computed t(0.975, 7) = 2.3646: 5 ± 1.7875)
    expect(t.out).toMatch(/\nchars +8 +5 +2\.138 +\[3\.213, 6\.787\] +2 +9\n/);
    // A missing shard is noted (the gaps below the highest prompt_index seen).
    expect((await cli('summarize', outs[0]!, outs[2]!)).err).toMatch(/note: prompt_index 0…6 lacks 2 \(1, 4\)/);
  });

  it('refuses duplicate prompt_index, mixed kinds, different specs and a line cut short', async () => {
    const outs = await study();
    const dup = await cli('summarize', outs[0]!, outs[1]!, outs[0]!);
    expect(dup.code).toBe(1);
    expect(dup.err).toMatch(/prompt_index 0 is in .*s0\.jsonl line 1 and in .*s0\.jsonl line 1/);
    const mixed = file('mixed.jsonl', `${lines(outs[1]!)[0]}\n{"prompt_index":9,"prompt":"x","result":{"kind":"compare","version":1,"data":{}}}\n`);
    const m = await cli('summarize', mixed);
    expect(m.code).toBe(1);
    expect(m.err).toMatch(/mixed\.jsonl line 2: line\.result\.kind: a compare result, but .* is a next-token result: summarize one kind at a time/);
    const other = path('other.jsonl');
    expect((await cli('batch', specFile({ ...SPEC, seed: 99 }), '--prompts', promptsFile(['zz']), '--out', other)).code).toBe(0);
    const diff = await cli('summarize', outs[1]!, other);
    expect(diff.code).toBe(1);
    expect(diff.err).toMatch(/were run with different specs \(at spec\.seed \(5 vs 99\)\)/);
    const torn = file('torn.jsonl', `${lines(outs[0]!)[0]}\n${lines(outs[0]!)[1]!.slice(0, 20)}`);
    expect((await cli('summarize', torn)).err).toMatch(/torn\.jsonl line 2 is cut short/);
    expect((await cli('summarize', file('empty.jsonl', ''))).err).toMatch(/no results in/);
    expect((await cli('summarize')).code).toBe(2);
  });
});
