/**
 * Small specs, results and records for the library's tests (unit and browser). Plain data, no DOM.
 * Specs and results are real runs so they pass every kind's strict validators; only next-token and loom
 * records reuse a compare run relabelled (envelope-only tests).
 *
 * The real runs (./fixture-runs.json): per kind, the spec and result that `lab run --json` printed for small
 * settings on the lab-grown pair (compare, sweep: lab-base vs lab-sft; inject, answers: lab-sft alone).
 * Regenerate with `lab <kind> … --print-spec > s.json && lab run s.json --json` (see the settings in each spec).
 */
import type { ExperimentKind, ResultEnvelope, RunRecord, SpecEnvelope } from '../experiments/types';
import REAL_RUNS from './fixture-runs.json';

export const LAB_BASE = { repo: './models/lab-base/', revision: null, dtype: 'fp32', backend: 'wasm' } as const;
export const LAB_SFT = { repo: './models/lab-sft/', revision: null, dtype: 'fp32', backend: 'wasm' } as const;
export const LAB_RL = { repo: './models/lab-rl/', revision: null, dtype: 'fp32', backend: 'wasm' } as const;

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
type RealKind = keyof typeof REAL_RUNS;
const realKind = (kind: ExperimentKind): RealKind => (kind in REAL_RUNS ? (kind as RealKind) : 'compare');

/** A real spec of `kind` (next-token and loom: a compare spec relabelled, for envelope-only tests), with the
 *  page's lab models and the given prompt. */
export function sampleSpec(kind: ExperimentKind = 'compare', prompt = 'Are bugs real?', tuned: typeof LAB_SFT | typeof LAB_RL = LAB_SFT): SpecEnvelope {
  const spec = clone(REAL_RUNS[realKind(kind)].spec) as unknown as SpecEnvelope;
  const models: SpecEnvelope['models'] = {};
  // Pair runs: lab-base vs the tuned sibling. One-model runs (inject, answers) ran lab-sft on their one side:
  // that side gets the tuned sibling, as in the run.
  if (spec.models.base) models.base = spec.models.tuned ? { ...LAB_BASE } : { ...tuned };
  if (spec.models.tuned) models.tuned = { ...tuned };
  return { ...spec, kind, models, prompt };
}

/** A real result of `kind`; `scale` ≠ 1 makes it distinguishable (one number in it is multiplied). */
export function sampleResult(kind: ExperimentKind = 'compare', scale = 1): ResultEnvelope {
  const result = clone(REAL_RUNS[realKind(kind)].result) as unknown as ResultEnvelope;
  const data = result.data as Record<string, unknown>;
  if (scale !== 1) {
    const k = realKind(kind);
    if (k === 'compare') (data['summary'] as { mean_kl: number }).mean_kl *= scale;
    if (k === 'sweep') (data['base'] as { entropy_first_at_T1: number }).entropy_first_at_T1 *= scale;
    if (k === 'inject') (data['base'] as { window: number }).window = Math.round((data['base'] as { window: number }).window * scale);
    if (k === 'answers') (data['base'] as { temperature: number }).temperature *= scale;
  }
  return { ...result, kind };
}

export function sampleRecord(id: string, over: Partial<RunRecord> = {}): RunRecord {
  const kind = over.kind ?? over.spec?.kind ?? 'compare';
  return {
    id,
    kind,
    title: `Run ${id}`,
    notes: '',
    pinned: false,
    created: '2026-11-30T12:00:00.000Z',
    appVersion: '0.1.0',
    spec: sampleSpec(kind),
    result: sampleResult(kind),
    ...over,
  };
}
