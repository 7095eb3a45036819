/**
 * Run records of the library (issue #14), DOM-free: making a record from a finished run, strict validation
 * of records from outside (imports, IndexedDB), the export file format and the import reader.
 *
 * Export file (one run or many):
 *   `{"format": "world-prior-lab/runs", "version": 1, "runs": [RunRecord, …]}`
 * The import reader accepts that file, a bare RunRecord, and `{spec, result}` (what `lab run --json`
 * prints; it gets a new id and title). Every rejection throws `ExperimentDataError` with the reason and a
 * JSON path; the reader never writes anything (the store writes a whole import in one transaction).
 *
 * Validation of `spec` and `result` uses the kind's runner (`validateSpec` / `validateResult`) when one is
 * registered for that kind, else the shared envelope validators only.
 */
import { readResultEnvelope, readSpecEnvelope } from '../experiments/envelope';
import { checkPlainJson, MAX_IMPORT_BYTES, parseJsonText, read } from '../experiments/json-safety';
import { sourceOf } from '../experiments/model-ref';
import { RUNNERS } from '../experiments/registry';
import { ExperimentDataError, type ExperimentKind, type ModelRef, type ResultEnvelope, type RunRecord, type SpecEnvelope } from '../experiments/types';

export const EXPORT_FORMAT = 'world-prior-lab/runs';
export const EXPORT_VERSION = 1;
/** The most runs one import file may hold. */
export const MAX_RUNS_PER_FILE = 10_000;
export const MAX_TITLE_CHARS = 500;
export const MAX_NOTES_CHARS = 100_000;
const MAX_ID_CHARS = 128;

/** The export file. */
export interface RunsFile {
  format: typeof EXPORT_FORMAT;
  version: number;
  runs: RunRecord[];
}

/** A spec, checked by its kind's runner when one is registered, else by the envelope validator. */
export function validateSpec(x: unknown, kind?: ExperimentKind, path = 'spec'): SpecEnvelope {
  const env = readSpecEnvelope(x, kind, path); // envelope first: its reasons name the path
  const runner = RUNNERS[env.kind];
  if (!runner) return env;
  try {
    return runner.validateSpec(x) as SpecEnvelope;
  } catch (err) {
    throw withPath(err, path);
  }
}

/** A result of `kind`, checked by its runner when one is registered, else by the envelope validator. */
export function validateResult(x: unknown, kind?: ExperimentKind, path = 'result'): ResultEnvelope {
  const env = readResultEnvelope(x, kind, path);
  const runner = RUNNERS[env.kind];
  if (!runner) return env;
  try {
    return runner.validateResult(x) as ResultEnvelope;
  } catch (err) {
    throw withPath(err, path);
  }
}

/** A runner's validator names paths from its own root (`spec.settings…` or `settings…`); put ours in front
 *  when it did not. */
function withPath(err: unknown, path: string): unknown {
  if (!(err instanceof ExperimentDataError)) return err;
  if (err.path === path || err.path.startsWith(`${path}.`) || err.path.startsWith(`${path}[`)) return err;
  const inner = err.message.startsWith(`${err.path}: `) ? err.message.slice(err.path.length + 2) : err.message;
  return new ExperimentDataError(inner, err.path ? `${path}.${err.path.replace(/^(spec|result)\.?/, '')}`.replace(/\.$/, '') : path);
}

/** A short name for a model reference: `lab-base` for `./models/lab-base/`, `org/name` for a hub id. */
export function modelName(ref: ModelRef | undefined): string {
  if (!ref) return '';
  const s = sourceOf(ref).replace(/\/+$/, '');
  const m = /(?:^|\/)models\/([^/]+)$/.exec(s);
  if (m) return m[1]!;
  if (/^https?:\/\//.test(s)) return s.split('/').slice(-1)[0] || s;
  return s;
}

/** The title of a run: its runner's title, or `kind · base vs tuned · “prompt…”`. */
export function defaultTitle(spec: SpecEnvelope): string {
  const runner = RUNNERS[spec.kind];
  let title = '';
  if (runner) {
    try {
      title = runner.title(spec);
    } catch {
      title = '';
    }
  }
  if (!title) {
    const models = [modelName(spec.models.base), modelName(spec.models.tuned)].filter(Boolean).join(' vs ');
    const prompt = spec.prompt.replace(/\s+/g, ' ').trim();
    const excerpt = prompt.length > 60 ? `${prompt.slice(0, 59)}…` : prompt;
    title = [spec.kind, models, excerpt ? `“${excerpt}”` : ''].filter(Boolean).join(' · ');
  }
  return title.length > MAX_TITLE_CHARS ? title.slice(0, MAX_TITLE_CHARS - 1) + '…' : title;
}

export interface RecordOptions {
  appVersion: string;
  now: Date;
  id: string;
  title?: string;
}

/** A library record for a finished run (the spec and result are checked and kept as validated). */
export function makeRecord(spec: SpecEnvelope, result: ResultEnvelope, o: RecordOptions): RunRecord {
  const s = validateSpec(spec);
  const r = validateResult(result, s.kind);
  return readRecord(
    {
      id: o.id,
      kind: s.kind,
      title: o.title ?? defaultTitle(s),
      notes: '',
      pinned: false,
      created: o.now.toISOString(),
      appVersion: o.appVersion,
      spec: s,
      result: r,
    },
    'run',
  );
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const RECORD_KEYS = new Set(['id', 'kind', 'title', 'notes', 'pinned', 'created', 'appVersion', 'spec', 'result']);

/** Strict check of one record (from a file or from IndexedDB); returns a clean copy. */
export function readRecord(x: unknown, path = 'run'): RunRecord {
  checkPlainJson(x, path);
  const o = read.object(x, path);
  for (const k of Object.keys(o)) if (!RECORD_KEYS.has(k)) throw new ExperimentDataError('is not a field of a run', `${path}.${k}`);
  for (const k of ['id', 'kind', 'title', 'created', 'appVersion', 'spec', 'result']) if (!(k in o)) throw new ExperimentDataError('is missing', `${path}.${k}`);
  const id = read.string(o['id'], `${path}.id`, { max: MAX_ID_CHARS, empty: false });
  if (!/^[\w.:-]+$/.test(id)) throw new ExperimentDataError('may hold only letters, digits, and . _ : -', `${path}.id`);
  const spec = validateSpec(o['spec'], undefined, `${path}.spec`);
  const kind = read.oneOf(o['kind'], `${path}.kind`, [spec.kind]);
  const result = validateResult(o['result'], kind, `${path}.result`);
  const title = read.string(o['title'], `${path}.title`, { max: MAX_TITLE_CHARS });
  const notes = read.string(o['notes'] ?? '', `${path}.notes`, { max: MAX_NOTES_CHARS });
  const pinned = read.boolean(o['pinned'] ?? false, `${path}.pinned`);
  const created = read.string(o['created'], `${path}.created`, { max: 40 });
  if (!ISO_TIME.test(created) || !Number.isFinite(Date.parse(created))) throw new ExperimentDataError('must be an ISO 8601 time (2026-01-31T12:00:00.000Z)', `${path}.created`);
  const appVersion = read.string(o['appVersion'], `${path}.appVersion`, { max: 64, empty: false });
  return { id, kind, title, notes, pinned, created, appVersion, spec, result };
}

/** The export file for these runs (one or many), as an object. */
export function exportFile(runs: readonly RunRecord[]): RunsFile {
  return { format: EXPORT_FORMAT, version: EXPORT_VERSION, runs: runs.map((r) => structuredClone(r)) };
}

/** The export file as text. */
export function exportText(runs: readonly RunRecord[]): string {
  return JSON.stringify(exportFile(runs), null, 2) + '\n';
}

/** A file name for an export: the run's title (or `N runs`) and the date. */
export function exportFileName(runs: readonly RunRecord[]): string {
  const stem = runs.length === 1 ? runs[0]!.title : `${runs.length} runs`;
  const safe = stem.replace(/[^\p{L}\p{N}._ -]+/gu, ' ').replace(/\s+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'run';
  const day = (runs[0]?.created ?? new Date().toISOString()).slice(0, 10);
  return `${safe}-${day}.wpl-runs.json`;
}

/** What an import file holds, once checked: the runs to write and which ids the library already has. */
export interface ImportPlan {
  /** `file`: an export file; `record`: one bare record; `spec-result`: `{spec, result}` from `lab run --json`. */
  source: 'file' | 'record' | 'spec-result';
  runs: RunRecord[];
  /** Ids of `runs` that are already in the library (the import is refused unless taken as copies). */
  conflicts: string[];
}

export interface ImportOptions {
  /** Ids already in the library. */
  existingIds: ReadonlySet<string>;
  /** A fresh id (crypto.randomUUID()). */
  newId: () => string;
  now: Date;
  appVersion: string;
}

/** Refuses a file before reading it when it is larger than the lab reads. */
export function checkImportSize(bytes: number, what = 'file'): void {
  if (bytes === 0) throw new ExperimentDataError(`the ${what} is empty`);
  if (bytes > MAX_IMPORT_BYTES) throw new ExperimentDataError(`the ${what} is ${(bytes / 1048576).toFixed(1)} MB; the most the lab reads is ${MAX_IMPORT_BYTES / 1048576} MB`);
}

/**
 * Reads an import file's text: an export file, a bare RunRecord, or `{spec, result}`. Throws
 * ExperimentDataError with the reason on anything malformed; duplicate ids within the file are refused,
 * ids already in the library are reported in `conflicts` (see `asCopies`).
 */
export function readImport(text: string, opts: ImportOptions): ImportPlan {
  const x = parseJsonText(text, 'file');
  checkPlainJson(x, 'file');
  if (x === null || typeof x !== 'object' || Array.isArray(x)) {
    throw new ExperimentDataError('is not a World Prior Lab run file: expected an object (an export file, one run, or {spec, result})', 'file');
  }
  const o = x as Record<string, unknown>;
  let source: ImportPlan['source'];
  let runs: RunRecord[];
  if ('format' in o) {
    if (o['format'] !== EXPORT_FORMAT) throw new ExperimentDataError(`must be "${EXPORT_FORMAT}"`, 'file.format');
    for (const k of Object.keys(o)) if (!['format', 'version', 'runs'].includes(k)) throw new ExperimentDataError('is not a field of a runs file', `file.${k}`);
    read.version(o['version'], 'file.version', EXPORT_VERSION);
    const list = read.array(o['runs'], 'file.runs', MAX_RUNS_PER_FILE);
    if (list.length === 0) throw new ExperimentDataError('the file holds no runs', 'file.runs');
    runs = list.map((r, i) => readRecord(r, `file.runs[${i}]`));
    source = 'file';
  } else if ('id' in o) {
    runs = [readRecord(o, 'run')];
    source = 'record';
  } else if ('spec' in o && 'result' in o) {
    for (const k of Object.keys(o)) if (k !== 'spec' && k !== 'result') throw new ExperimentDataError('is not a field of {spec, result}', `file.${k}`);
    runs = [makeRecord(o['spec'] as SpecEnvelope, o['result'] as ResultEnvelope, { id: opts.newId(), now: opts.now, appVersion: opts.appVersion })];
    source = 'spec-result';
  } else {
    throw new ExperimentDataError('is not a World Prior Lab run file: expected {"format": "world-prior-lab/runs", …}, one run, or {spec, result}', 'file');
  }
  const seen = new Set<string>();
  runs.forEach((r, i) => {
    if (seen.has(r.id)) throw new ExperimentDataError(`the id "${r.id}" appears more than once in the file`, `file.runs[${i}].id`);
    seen.add(r.id);
  });
  return { source, runs, conflicts: runs.filter((r) => opts.existingIds.has(r.id)).map((r) => r.id) };
}

/** The plan's runs with a new id for each run whose id the library already has ("import as copies"). */
export function asCopies(plan: ImportPlan, newId: () => string): ImportPlan {
  const clash = new Set(plan.conflicts);
  const runs = plan.runs.map((r) => {
    if (!clash.has(r.id)) return r;
    const title = r.title.length + 7 > MAX_TITLE_CHARS ? r.title : `${r.title} (copy)`;
    return { ...r, id: newId(), title };
  });
  return { ...plan, runs, conflicts: [] };
}
