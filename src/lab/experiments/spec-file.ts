/**
 * The spec in a file given to `lab run` / `lab batch`: a bare spec, `{spec, result}` (what `lab run --json`
 * prints), a library RunRecord, or a library export `{format: "world-prior-lab/runs", version, runs: […]}`
 * (with several runs, `index` picks one). Checked strictly: plain JSON, then the kind's `validateSpec`.
 */
import { readKind } from './envelope';
import { checkPlainJson, parseJsonText, read } from './json-safety';
import { RUNNERS } from './registry';
import { ExperimentDataError, type ExperimentKind, type Runner, type SpecEnvelope } from './types';

export const EXPORT_FORMAT = 'world-prior-lab/runs';
export const EXPORT_VERSION = 1;

/** The registered runner of a kind, or an ExperimentDataError saying this build has none. */
export function runnerOfKind(kind: ExperimentKind, path = 'spec.kind'): Runner {
  const r = RUNNERS[kind];
  if (!r) throw new ExperimentDataError(`this lab has no runner for ${kind} experiments`, path);
  return r as Runner;
}

export interface SpecFromFile {
  spec: SpecEnvelope;
  runner: Runner;
  /** What the file held: `spec`, `run` ({spec, result}), `record` or `export`. */
  shape: 'spec' | 'run' | 'record' | 'export';
}

/**
 * Takes the spec out of a file's JSON. `index` chooses a run of an export holding several (and is refused for
 * anything else); the error of a multi-run export without it lists the runs. `prompt`, when given, replaces
 * the spec's prompt before it is checked (a batch runs the spec over other prompts, so its own may be empty).
 */
export function specFromJson(x: unknown, index?: number, prompt?: string): SpecFromFile {
  checkPlainJson(x, '$');
  const o = read.object(x, '$');
  let raw: unknown;
  let shape: SpecFromFile['shape'];
  let prefix = '';
  if ('format' in o || 'runs' in o) {
    if (o['format'] !== EXPORT_FORMAT) throw new ExperimentDataError(`must be "${EXPORT_FORMAT}" (a World Prior Lab export)`, 'format');
    read.version(o['version'], 'version', EXPORT_VERSION);
    const runs = read.array(o['runs'], 'runs');
    if (runs.length === 0) throw new ExperimentDataError('the export holds no runs', 'runs');
    if (index === undefined && runs.length > 1) {
      const list = runs.map((r, i) => {
        const rec = r && typeof r === 'object' ? (r as Record<string, unknown>) : {};
        return `  ${i}: ${String(rec['kind'] ?? '?')} · ${String(rec['title'] ?? '')}`;
      });
      throw new ExperimentDataError(`the export holds ${runs.length} runs: choose one with --index 0…${runs.length - 1}\n${list.join('\n')}`, 'runs');
    }
    const i = index ?? 0;
    if (i >= runs.length) throw new ExperimentDataError(`--index ${i} is past the last run (the export holds ${runs.length})`, 'runs');
    const rec = read.object(runs[i], `runs[${i}]`);
    raw = rec['spec'];
    shape = 'export';
    prefix = `runs[${i}]: `;
  } else {
    if (index !== undefined) throw new ExperimentDataError('--index picks a run of a library export; this file holds one spec');
    if ('spec' in o) {
      raw = o['spec'];
      shape = 'id' in o ? 'record' : 'run';
    } else {
      raw = o;
      shape = 'spec';
    }
  }
  try {
    const so = read.object(raw, 'spec');
    const kind = readKind(so['kind'], 'spec.kind');
    const runner = runnerOfKind(kind);
    return { spec: runner.validateSpec(prompt === undefined ? raw : { ...so, prompt }), runner, shape };
  } catch (err) {
    if (prefix && err instanceof ExperimentDataError) throw new ExperimentDataError(prefix + err.message);
    throw err;
  }
}

/** parseJsonText + specFromJson, errors prefixed with the file's name. */
export function specFromText(text: string, file: string, index?: number, prompt?: string): SpecFromFile {
  try {
    return specFromJson(parseJsonText(text, 'spec file'), index, prompt);
  } catch (err) {
    if (err instanceof ExperimentDataError) throw new ExperimentDataError(`${file}: ${err.message}`);
    throw err;
  }
}
