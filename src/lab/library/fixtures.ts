/**
 * Small specs, results and records for the library's tests (unit and browser). Plain data, no DOM.
 * The results are stand-ins (the envelope is right, `data` is not any kind's real result): they pass the
 * envelope validators only, so tests that use them run with no runner registered for those kinds.
 */
import type { ExperimentKind, ResultEnvelope, RunRecord, SpecEnvelope } from '../experiments/types';

export const LAB_BASE = { repo: './models/lab-base/', revision: null, dtype: 'fp32', backend: 'wasm' } as const;
export const LAB_SFT = { repo: './models/lab-sft/', revision: null, dtype: 'fp32', backend: 'wasm' } as const;
export const LAB_RL = { repo: './models/lab-rl/', revision: null, dtype: 'fp32', backend: 'wasm' } as const;

export function sampleSpec(kind: ExperimentKind = 'compare', prompt = 'Are bugs real?', tuned: typeof LAB_SFT | typeof LAB_RL = LAB_SFT): SpecEnvelope {
  return {
    kind,
    version: 1,
    models: { base: { ...LAB_BASE }, tuned: { ...tuned } },
    prompt,
    seed: 7,
    settings: { template: 'chat', max_tokens: 12, temperatures: [0.5, 1, 1.5] },
  };
}

export function sampleResult(kind: ExperimentKind = 'compare', scale = 1): ResultEnvelope {
  return {
    kind,
    version: 1,
    data: {
      positions: [
        { token: ' Yes', base_rank: 3, kl: 0.25 * scale, entropy: { base: 2.5, tuned: 0.75 } },
        { token: '<|im_end|>', base_rank: null, kl: 1.5e-7 * scale, entropy: { base: 1.25, tuned: 0.125 } },
      ],
      summary: { shifted: 0.5 * scale, mean_kl: 0.125 * scale, text: 'Model text <b>not html</b> “quoted”' },
    },
  };
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
