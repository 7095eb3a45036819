/**
 * Experiments as data (issue #14): the shared envelope every kind of experiment uses.
 *
 * A *spec* says what to run: the models (repo or folder, revision, dtype, backend), the prompt, the
 * settings of that kind, and the seed. A *result* is plain JSON (numbers, strings, arrays, objects:
 * no typed arrays, no NaN/±Infinity, no undefined) so it can be stored in IndexedDB, exported, imported
 * and printed by the CLI unchanged. One runner per kind (src/lab/experiments/<kind>.ts, DOM-free) turns a
 * spec into a result, given the engines, an AbortSignal and a progress callback. The page, the worker side
 * and the CLI all call the same runners; views render a result (live or stored) and never compute.
 *
 * Versions: `version` of a spec or a result is the version of that kind's shape. A reader accepts every
 * version it knows and refuses a newer one with a clear reason (an export from a newer lab).
 */
import type { Backend, Dtype, Engine } from '../../engine/types';

/** The six kinds, one per view. */
export const EXPERIMENT_KINDS = ['next-token', 'loom', 'compare', 'sweep', 'inject', 'answers'] as const;
export type ExperimentKind = (typeof EXPERIMENT_KINDS)[number];

/** The newest version of each kind's spec and result shapes this build reads and writes. */
export const SPEC_VERSION = 1;
export const RESULT_VERSION = 1;

/** Which model, exactly: enough to load the same weights again (page link, CLI, another machine). */
export interface ModelRef {
  /** A hub id (`org/name`), a folder (`models/lab-base`) or a URL: what the loader was given. */
  repo: string;
  /** A hub revision (branch, tag or commit); null for folders and URLs, or the default (`main`). */
  revision: string | null;
  /** The weight variant (`fp32`, `q4`, …); null = the loader's default for that backend. */
  dtype: Dtype | null;
  /** The backend the numbers were computed on; `auto` only in a spec that has not run yet. */
  backend: Backend | 'auto';
}

/** The models of a spec: pair experiments name both, single-model ones (next-token on one side, sweep
 *  of one model…) name the side(s) they use. */
export interface SpecModels {
  base?: ModelRef;
  tuned?: ModelRef;
}

/** The envelope of every spec. `settings` is the kind's own typed object (see each kind's module). */
export interface SpecEnvelope<K extends ExperimentKind = ExperimentKind, S = unknown> {
  kind: K;
  version: number;
  models: SpecModels;
  prompt: string;
  seed: number;
  settings: S;
}

/** The envelope of every result: `data` is the kind's own JSON (for compare/sweep/inject/answers, exactly
 *  what `lab <kind> … --json` prints for the same settings). */
export interface ResultEnvelope<K extends ExperimentKind = ExperimentKind, D = unknown> {
  kind: K;
  version: number;
  data: D;
}

/** Progress of a run: `done` of `total` units (tokens, samples, prompts…); total null when unknown. */
export interface RunProgress {
  done: number;
  total: number | null;
  /** What is happening, for a person ("Scoring under both models…"). */
  message: string;
}

/** What a runner is given besides the spec. Engines are already loaded (the page's pair, or the CLI's
 *  `openModel`); the runner never loads a model itself. */
export interface RunContext {
  engines: { base?: Engine | null; tuned?: Engine | null };
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
}

/** One kind's runner. `validateSpec`/`validateResult` check unknown JSON strictly (imports, CLI spec files)
 *  and return the typed value or throw `ExperimentDataError` with the reason. */
export interface Runner<K extends ExperimentKind = ExperimentKind, S = unknown, D = unknown> {
  kind: K;
  /** The sides this kind needs loaded, given a spec (e.g. compare: both). */
  sides(spec: SpecEnvelope<K, S>): ('base' | 'tuned')[];
  run(spec: SpecEnvelope<K, S>, ctx: RunContext): Promise<ResultEnvelope<K, D>>;
  validateSpec(x: unknown): SpecEnvelope<K, S>;
  validateResult(x: unknown): ResultEnvelope<K, D>;
  /** A short title for the library ("compare · lab-base vs lab-sft · “Tell me a joke”"). */
  title(spec: SpecEnvelope<K, S>): string;
  /** The headline numbers of one result, by name (e.g. compare: `shifted`, `shifted_on_neutral_text`,
   *  `mean_kl`, `bf_on_policy_base` …), for `lab summarize` (means with confidence intervals over a prompt
   *  set) and the Library's side-by-side table. null = not computed for this result. */
  headline(data: D): Record<string, number | null>;
}

/** A run in the library (and in an export file): the spec, its result, and the student's own fields. */
export interface RunRecord {
  /** Random id (crypto.randomUUID()); unique in a library. */
  id: string;
  kind: ExperimentKind;
  title: string;
  /** The student's notes (plain text, rendered as text). */
  notes: string;
  pinned: boolean;
  /** ISO 8601 time the run finished. */
  created: string;
  /** package.json version of the lab that computed it. */
  appVersion: string;
  spec: SpecEnvelope;
  result: ResultEnvelope;
}

/** Malformed spec, result or record (import, CLI spec file, shared link): says what and where. */
export class ExperimentDataError extends Error {
  override readonly name = 'ExperimentDataError' as const;
  constructor(
    message: string,
    /** JSON path of the offending value, e.g. `spec.settings.temperatures[3]`. */
    readonly path = '',
  ) {
    super(path ? `${path}: ${message}` : message);
  }
}
