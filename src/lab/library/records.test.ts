import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_IMPORT_BYTES, read } from '../experiments/json-safety';
import { RUNNERS } from '../experiments/registry';
import { ExperimentDataError, type Runner } from '../experiments/types';
import { readSpecEnvelope, readResultEnvelope } from '../experiments/envelope';
import { sampleRecord, sampleResult, sampleSpec } from './fixtures';
import { asCopies, checkImportSize, defaultTitle, EXPORT_FORMAT, exportFile, exportFileName, exportText, makeRecord, modelName, readImport, readRecord, type ImportOptions } from './records';

const NOW = new Date('2026-11-30T13:00:00.000Z');
let counter = 0;
function opts(existing: string[] = []): ImportOptions {
  return { existingIds: new Set(existing), newId: () => `new-${++counter}`, now: NOW, appVersion: '0.2.0' };
}

/** The reason an import is refused (the test fails when it is accepted). */
function refusal(text: string, existing: string[] = []): string {
  try {
    readImport(text, opts(existing));
  } catch (err) {
    expect(err).toBeInstanceOf(ExperimentDataError);
    return (err as Error).message;
  }
  throw new Error('the import was accepted');
}

const fileOf = (runs: unknown[], version: unknown = 1) => JSON.stringify({ format: EXPORT_FORMAT, version, runs });

// These tests use stand-in data for the kinds: they run with an empty registry (the real runners, once
// registered, check real results), and register a fake runner where they test the runner path.
const registered = { ...RUNNERS };
beforeEach(() => {
  for (const k of Object.keys(RUNNERS)) delete RUNNERS[k as keyof typeof RUNNERS];
});
afterEach(() => {
  for (const k of Object.keys(RUNNERS)) delete RUNNERS[k as keyof typeof RUNNERS];
  Object.assign(RUNNERS, registered);
});

describe('makeRecord', () => {
  it('keeps the spec and result as given, with the time, app version, id and a title', () => {
    const r = makeRecord(sampleSpec(), sampleResult(), { appVersion: '0.1.0', now: NOW, id: 'a1' });
    expect(r).toEqual({
      id: 'a1',
      kind: 'compare',
      title: 'compare · lab-base vs lab-sft · “Are bugs real?”',
      notes: '',
      pinned: false,
      created: '2026-11-30T13:00:00.000Z',
      appVersion: '0.1.0',
      spec: sampleSpec(),
      result: sampleResult(),
    });
  });

  it('uses the runner title when a runner is registered, and refuses a result of another kind', () => {
    RUNNERS.compare = fakeRunner();
    expect(makeRecord(sampleSpec(), sampleResult(), { appVersion: '1', now: NOW, id: 'x' }).title).toBe('fake compare: Are bugs real?');
    expect(() => makeRecord(sampleSpec(), sampleResult('sweep'), { appVersion: '1', now: NOW, id: 'x' })).toThrow(/result\.kind: is a sweep result, not a compare result/);
  });

  it('short titles: long prompts are cut, folder models by name, hub ids as given', () => {
    const spec = sampleSpec('sweep', 'x'.repeat(100));
    expect(defaultTitle(spec)).toBe(`sweep · lab-base vs lab-sft · “${'x'.repeat(59)}…”`);
    expect(modelName({ repo: 'HuggingFaceTB/SmolLM2-135M', revision: 'abc', dtype: null, backend: 'auto' })).toBe('HuggingFaceTB/SmolLM2-135M@abc');
    expect(modelName({ repo: 'https://host/m/qwen-0.5b/', revision: null, dtype: null, backend: 'auto' })).toBe('qwen-0.5b');
  });
});

describe('export → import', () => {
  it('round-trips one run and many to identical data', () => {
    const runs = [sampleRecord('r1', { notes: 'my notes\n<script>x</script>', pinned: true, title: 'Ünïcode “title” 🙂' }), sampleRecord('r2', { kind: 'sweep', spec: sampleSpec('sweep'), result: sampleResult('sweep', 3) })];
    for (const set of [runs.slice(0, 1), runs]) {
      const text = exportText(set);
      const plan = readImport(text, opts());
      expect(plan.source).toBe('file');
      expect(plan.conflicts).toEqual([]);
      expect(plan.runs).toEqual(set);
      expect(exportText(plan.runs)).toBe(text);
    }
    expect(JSON.parse(exportText(runs))).toEqual(exportFile(runs));
    expect(exportFileName(runs.slice(0, 1))).toBe('Ünïcode-title-2026-11-30.wpl-runs.json');
    expect(exportFileName(runs)).toBe('2-runs-2026-11-30.wpl-runs.json');
  });

  it('reads a bare record as one run, unchanged', () => {
    const r = sampleRecord('bare-1', { notes: 'n' });
    const plan = readImport(JSON.stringify(r), opts());
    expect(plan).toEqual({ source: 'record', runs: [r], conflicts: [] });
  });

  it('reads {spec, result} (lab run --json) as a new run with a new id and title', () => {
    const plan = readImport(JSON.stringify({ spec: sampleSpec(), result: sampleResult() }), opts());
    expect(plan.source).toBe('spec-result');
    expect(plan.runs).toHaveLength(1);
    const r = plan.runs[0]!;
    expect(r.id).toMatch(/^new-\d+$/);
    expect(r).toEqual({ id: r.id, kind: 'compare', title: 'compare · lab-base vs lab-sft · “Are bugs real?”', notes: '', pinned: false, created: NOW.toISOString(), appVersion: '0.2.0', spec: sampleSpec(), result: sampleResult() });
  });

  it('ids already in the library are conflicts; as copies they get new ids and the rest is kept', () => {
    const text = exportText([sampleRecord('a'), sampleRecord('b')]);
    const plan = readImport(text, opts(['b']));
    expect(plan.conflicts).toEqual(['b']);
    const copies = asCopies(plan, () => 'fresh');
    expect(copies.conflicts).toEqual([]);
    expect(copies.runs.map((r) => r.id)).toEqual(['a', 'fresh']);
    expect(copies.runs[1]).toEqual({ ...sampleRecord('b'), id: 'fresh', title: 'Run b (copy)' });
    expect(copies.runs[0]).toBe(plan.runs[0]);
  });
});

describe('import rejections (with the reason)', () => {
  const good = sampleRecord('ok');
  const cases: [string, string, RegExp][] = [
    ['empty', '', /the file is empty/],
    ['blank', '  \n\t ', /the file is empty/],
    ['malformed', '{"format": "world-prior-lab/runs", "version": 1, "runs": [', /the file is not valid JSON/],
    ['not an object', '[1, 2]', /file: is not a World Prior Lab run file/],
    ['a number', '42', /file: is not a World Prior Lab run file/],
    ['an unknown object', '{"hello": 1}', /file: is not a World Prior Lab run file/],
    ['another format', JSON.stringify({ format: 'something/else', version: 1, runs: [good] }), /file\.format: must be "world-prior-lab\/runs"/],
    ['no runs', fileOf([]), /file\.runs: the file holds no runs/],
    ['runs not a list', JSON.stringify({ format: EXPORT_FORMAT, version: 1, runs: {} }), /file\.runs: must be an array/],
    ['future file version', fileOf([good], 2), /file\.version: version 2 was written by a newer lab/],
    ['file version not a number', fileOf([good], '1'), /file\.version: must be a finite number/],
    ['future spec version', fileOf([{ ...good, spec: { ...good.spec, version: 9 } }]), /file\.runs\[0\]\.spec\.version: version 9 was written by a newer lab/],
    ['future result version', fileOf([{ ...good, result: { ...good.result, version: 3 } }]), /file\.runs\[0\]\.result\.version: version 3 was written by a newer lab/],
    ['duplicate ids in the file', fileOf([good, sampleRecord('x'), { ...good, title: 'again' }]), /file\.runs\[2\]\.id: the id "ok" appears more than once/],
    ['non-finite number (1e999)', fileOf([good]).replace(/"mean_kl":\s*[-\d.e]+/, '"mean_kl": 1e999'), /file\.runs\[0\]\.result\.data\.summary\.mean_kl: Infinity is not a finite number/],
    ['__proto__ key', fileOf([{ ...good, result: { ...good.result, data: JSON.parse('{"__proto__": {"polluted": true}}') } }]), /the key "__proto__" is not allowed/],
    ['__proto__ key (raw text)', fileOf([good]).replace('"mean_kl"', '"__proto__": {"x": 1}, "mean_kl"'), /file\.runs\[0\]\.result\.data\.summary: the key "__proto__" is not allowed/],
    ['constructor key', fileOf([good]).replace('"templates"', '"constructor": 1, "templates"'), /file\.runs\[0\]\.spec\.settings: the key "constructor" is not allowed/],
    ['unknown kind', fileOf([{ ...good, kind: 'poetry', spec: { ...good.spec, kind: 'poetry' } }]), /file\.runs\[0\]\.spec\.kind: must be one of next-token, loom/],
    ['kind mismatch', fileOf([{ ...good, kind: 'sweep' }]), /file\.runs\[0\]\.kind: must be one of compare/],
    ['result of another kind', fileOf([{ ...good, result: sampleResult('answers') }]), /file\.runs\[0\]\.result\.kind: is a answers result, not a compare result/],
    ['missing id', fileOf([{ ...good, id: undefined }]), /file\.runs\[0\]\.id: is missing/],
    ['empty id', fileOf([{ ...good, id: '' }]), /file\.runs\[0\]\.id: must not be empty/],
    ['odd id', fileOf([{ ...good, id: '../../etc' }]), /file\.runs\[0\]\.id: may hold only/],
    ['bad time', fileOf([{ ...good, created: 'yesterday' }]), /file\.runs\[0\]\.created: must be an ISO 8601 time/],
    ['pinned not boolean', fileOf([{ ...good, pinned: 'yes' }]), /file\.runs\[0\]\.pinned: must be true or false/],
    ['unknown field', fileOf([{ ...good, extra: 1 }]), /file\.runs\[0\]\.extra: is not a field of a run/],
    ['unknown file field', JSON.stringify({ format: EXPORT_FORMAT, version: 1, runs: [good], more: [] }), /file\.more: is not a field of a runs file/],
    ['missing result', fileOf([{ ...good, result: undefined }]), /file\.runs\[0\]\.result: is missing/],
    ['result without data', fileOf([{ ...good, result: { kind: 'compare', version: 1 } }]), /file\.runs\[0\]\.result\.data: is missing/],
    ['bad model dtype', fileOf([{ ...good, spec: { ...good.spec, models: { base: { ...good.spec.models.base, dtype: 'fp64' } } } }]), /file\.runs\[0\]\.spec\.models\.base\.dtype: must be one of/],
    ['seed out of range', fileOf([{ ...good, spec: { ...good.spec, seed: -1 } }]), /file\.runs\[0\]\.spec\.seed: must be between 0/],
    ['{spec, result} with an extra field', JSON.stringify({ spec: sampleSpec(), result: sampleResult(), x: 1 }), /file\.x: is not a field of \{spec, result\}/],
    ['{spec, result} of two kinds', JSON.stringify({ spec: sampleSpec(), result: sampleResult('sweep') }), /result\.kind: is a sweep result, not a compare result/],
    ['too deep', fileOf([{ ...good, result: { ...good.result, data: JSON.parse('['.repeat(70) + ']'.repeat(70)) } }]), /nested more than 64 levels deep/],
  ];
  for (const [name, text, reason] of cases) {
    it(name, () => expect(refusal(text)).toMatch(reason));
  }

  it('oversized: the text, and a file by its size before it is read', () => {
    expect(refusal(`{"a":"${'x'.repeat(MAX_IMPORT_BYTES)}"}`)).toMatch(/the file is 64\.0 MB; the most the lab reads is 64 MB/);
    expect(() => checkImportSize(MAX_IMPORT_BYTES + 1)).toThrow(/the most the lab reads is 64 MB/);
    expect(() => checkImportSize(0)).toThrow(/the file is empty/);
    expect(() => checkImportSize(MAX_IMPORT_BYTES)).not.toThrow();
  });

  it('a registered runner checks the settings and the data of its kind', () => {
    RUNNERS.compare = fakeRunner();
    const good = sampleRecord('ok');
    expect(readImport(fileOf([good]), opts()).runs).toEqual([good]);
    const bad = { ...good, spec: { ...good.spec, settings: { ...(good.spec.settings as object), max_tokens: 0 } } };
    expect(refusal(fileOf([bad]))).toMatch(/file\.runs\[0\]\.spec\.settings\.max_tokens: must be between 1 and 4096, got 0/);
    const badData = { ...good, result: { ...good.result, data: { positions: 'none' } } };
    expect(refusal(fileOf([badData]))).toMatch(/file\.runs\[0\]\.result\.data\.positions: must be an array/);
  });

  it('a stored record is checked the same way (readRecord)', () => {
    expect(readRecord(sampleRecord('s'))).toEqual(sampleRecord('s'));
    expect(() => readRecord({ ...sampleRecord('s'), result: { ...sampleResult(), data: { x: NaN } } })).toThrow(/run\.result\.data\.x: NaN is not a finite number/);
  });
});

/** A stand-in runner for the compare kind: checks `settings.max_tokens` and `data.positions` itself. */
function fakeRunner(): Runner {
  return {
    kind: 'compare',
    sides: () => ['base', 'tuned'],
    run: () => Promise.reject(new Error('not used')),
    validateSpec(x) {
      const env = readSpecEnvelope(x, 'compare');
      read.int(env.settings['max_tokens'], 'spec.settings.max_tokens', 1, 4096);
      return env;
    },
    validateResult(x) {
      const env = readResultEnvelope(x, 'compare');
      read.array(read.object(env.data, 'result.data')['positions'], 'result.data.positions');
      return env;
    },
    title: (spec) => `fake compare: ${spec.prompt}`,
    headline: () => ({}),
  } as Runner;
}
