/**
 * Validators of the shared envelope (spec, result, model reference). Each kind's `validateSpec` calls
 * `readSpecEnvelope(x, kind)` and then checks its own `settings`; `validateResult` likewise.
 */
import type { Dtype } from '../../engine/types';
import { checkPlainJson, read } from './json-safety';
import { ExperimentDataError, EXPERIMENT_KINDS, RESULT_VERSION, SPEC_VERSION, type ExperimentKind, type ModelRef, type SpecModels } from './types';

export const DTYPES: readonly Dtype[] = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'];
export const SPEC_BACKENDS = ['webgpu', 'wasm', 'node', 'auto'] as const;

/** The longest prompt a spec may carry (characters). */
export const MAX_PROMPT_CHARS = 200_000;

export function readModelRef(x: unknown, path: string): ModelRef {
  const o = read.object(x, path);
  const repo = read.string(o['repo'], `${path}.repo`, { max: 2048, empty: false });
  const revision = o['revision'] === null || o['revision'] === undefined ? null : read.string(o['revision'], `${path}.revision`, { max: 256, empty: false });
  const dtype = o['dtype'] === null || o['dtype'] === undefined ? null : read.oneOf(o['dtype'], `${path}.dtype`, DTYPES);
  const backend = read.oneOf(o['backend'] ?? 'auto', `${path}.backend`, SPEC_BACKENDS);
  return { repo, revision, dtype, backend };
}

export function readKind(x: unknown, path: string): ExperimentKind {
  return read.oneOf(x, path, EXPERIMENT_KINDS);
}

/** Checks the envelope of a spec of `kind` (or any kind when omitted); `settings` comes back unchecked. */
export function readSpecEnvelope(x: unknown, kind?: ExperimentKind, path = 'spec') {
  checkPlainJson(x, path);
  const o = read.object(x, path);
  const k = readKind(o['kind'], `${path}.kind`);
  if (kind && k !== kind) throw new ExperimentDataError(`is a ${k} spec, not a ${kind} spec`, `${path}.kind`);
  const version = read.version(o['version'], `${path}.version`, SPEC_VERSION);
  const m = read.object(o['models'], `${path}.models`);
  const models: SpecModels = {};
  for (const side of Object.keys(m)) {
    if (side !== 'base' && side !== 'tuned') throw new ExperimentDataError('only "base" and "tuned" models are known', `${path}.models.${side}`);
    models[side] = readModelRef(m[side], `${path}.models.${side}`);
  }
  const prompt = read.string(o['prompt'], `${path}.prompt`, { max: MAX_PROMPT_CHARS });
  const seed = read.int(o['seed'], `${path}.seed`, 0, 2 ** 32 - 1);
  const settings = read.object(o['settings'], `${path}.settings`);
  return { kind: k, version, models, prompt, seed, settings };
}

/** Checks the envelope of a result of `kind`; `data` comes back unchecked (but plain JSON). */
export function readResultEnvelope(x: unknown, kind?: ExperimentKind, path = 'result') {
  checkPlainJson(x, path);
  const o = read.object(x, path);
  const k = readKind(o['kind'], `${path}.kind`);
  if (kind && k !== kind) throw new ExperimentDataError(`is a ${k} result, not a ${kind} result`, `${path}.kind`);
  const version = read.version(o['version'], `${path}.version`, RESULT_VERSION);
  if (!('data' in o)) throw new ExperimentDataError('is missing', `${path}.data`);
  return { kind: k, version, data: o['data'] };
}

// ------------------------------------------------------------------ helpers shared by the kinds' modules

export type SpecSide = 'base' | 'tuned';
const SPEC_SIDES: readonly SpecSide[] = ['base', 'tuned'];

/** One line of a title: whitespace collapsed, cut to `n` characters with an ellipsis. */
export function shortText(text: string, n = 40): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
}

/** The last path segment of a model's repo or folder (`./models/lab-sft/` → `lab-sft`). */
export function repoName(repo: string): string {
  return repo.replace(/\/+$/, '').split('/').pop() || repo;
}

/** A result's per-side data (`{base?, tuned?}`): only those keys, at least one, each read by `readSide`. */
export function readResultSides<T>(x: unknown, path: string, readSide: (x: unknown, path: string) => T): Partial<Record<SpecSide, T>> {
  const d = read.object(x, path);
  const out: Partial<Record<SpecSide, T>> = {};
  for (const k of Object.keys(d)) {
    if (!(SPEC_SIDES as readonly string[]).includes(k)) throw new ExperimentDataError('only "base" and "tuned" are known', `${path}.${k}`);
    out[k as SpecSide] = readSide(d[k], `${path}.${k}`);
  }
  if (!Object.keys(out).length) throw new ExperimentDataError('holds no side', path);
  return out;
}

/** A settings' `sides` list: one or both of "base" and "tuned", each at most once. */
export function readSides(x: unknown, path: string): SpecSide[] {
  const a = read.array(x, path, 2);
  if (a.length === 0) throw new ExperimentDataError('must name at least one side', path);
  const out = a.map((v, i) => read.oneOf(v, `${path}[${i}]`, SPEC_SIDES));
  if (new Set(out).size !== out.length) throw new ExperimentDataError('names a side twice', path);
  return out;
}

/** A per-side setting (`{base?, tuned?}`): only those keys, one for every side in `sides`, each read by `each`. */
export function readPerSide<T>(x: unknown, path: string, sides: readonly SpecSide[], each: (v: unknown, p: string) => T): Partial<Record<SpecSide, T>> {
  const o = read.object(x, path);
  const out: Partial<Record<SpecSide, T>> = {};
  for (const k of Object.keys(o)) if (!(SPEC_SIDES as readonly string[]).includes(k)) throw new ExperimentDataError('only "base" and "tuned" are known', `${path}.${k}`);
  for (const side of sides) {
    if (!(side in o)) throw new ExperimentDataError(`is missing (the ${side} side runs)`, `${path}.${side}`);
    out[side] = each(o[side], `${path}.${side}`);
  }
  return out;
}
