/**
 * What the sweep view holds, and its exports: JSON in the CLI's `lab sweep --json` shape per model
 * (under `base` / `tuned`, plus the settings and the matching temperature), and CSV with one row per
 * model × temperature × kind (exact or sampled).
 */
import type { Template } from '../../engine/types';
import { histogram, type ExactCurves, type OwnAnswers, type SweepRun } from '../../lab/sweep';
import type { CsvCell } from '../download';
import type { Side } from '../params';

export interface SideExact {
  template: Template;
  context: number[];
  /** The context as text (special tokens included), to show what the template did. */
  contextText: string;
  reference: number[];
  referenceTokens: string[];
  referenceText: string;
  /** The reference is the model's own greedy continuation (not a user text). */
  greedy: boolean;
  curves: ExactCurves;
  /** The model's own answers (samples at T = 1) behind the matching temperature. */
  own: OwnAnswers;
  /** Mean entropy over the positions of its own answers, at each grid temperature (exact re-tempering). */
  ownMeanEntropy: number[];
}

/** The matching temperature over the answers' positions, and the first-position one beside it. */
export interface SweepMatch {
  target: number;
  temperature: number | null;
  positions: { base: number; tuned: number };
  first: { target: number; temperature: number | null };
}

export interface SweepSettings {
  prompt: string;
  templates: Record<Side, Template>;
  grid: number[];
  temperatures: number[];
  samples: number;
  max_tokens: number;
  seed: number;
}

export interface Grouping {
  regex?: RegExp;
  words?: number;
}

export interface SweepState {
  settings: SweepSettings;
  exact: Record<Side, SideExact>;
  match: SweepMatch;
  runs: Record<Side, SweepRun[]>;
}

const SIDES: Side[] = ['base', 'tuned'];

export function sweepJson(s: SweepState, grouping: Grouping) {
  const side = (m: Side) => ({
    template: s.exact[m].template,
    context: s.exact[m].context,
    reference: s.exact[m].reference,
    reference_is_greedy: s.exact[m].greedy,
    exact: s.exact[m].curves.points.map((e) => ({
      temperature: e.temperature,
      entropy_first: e.entropy_first,
      top1_mass: e.top1_mass,
      top5_mass: e.top5_mass,
      entropy_along: e.entropy_along,
      entropy_along_mean: e.entropy_along_mean,
    })),
    own_answers: { samples: s.exact[m].own.samples, mean_entropy: s.exact[m].ownMeanEntropy },
    runs: s.runs[m].map((run) => ({ ...run, histogram: histogram(run.samples.map((x) => x.text), grouping) })),
  });
  return {
    settings: s.settings,
    match: {
      base_entropy_at_T1: s.match.target,
      tuned_temperature: s.match.temperature,
      over: "each model's own answers (samples at T = 1), every position",
      positions: s.match.positions,
      first_position: { base_entropy_at_T1: s.match.first.target, tuned_temperature: s.match.first.temperature },
    },
    base: side('base'),
    tuned: side('tuned'),
  };
}

export function sweepCsv(s: SweepState, grouping: Grouping): CsvCell[][] {
  const rows: CsvCell[][] = [
    ['model', 'kind', 'temperature', 'entropy_first', 'top1_mass', 'top5_mass', 'entropy_along_mean', 'mean_entropy', 'distinct_1', 'distinct_2', 'unique_fraction', 'mean_logprob', 'top_answer', 'top_answer_count', 'samples'],
  ];
  for (const m of SIDES) {
    for (const e of s.exact[m].curves.points) rows.push([m, 'exact', e.temperature, e.entropy_first, e.top1_mass, e.top5_mass, e.entropy_along_mean, null, null, null, null, null, null, null, null]);
    for (const r of s.runs[m]) {
      const top = histogram(r.samples.map((x) => x.text), grouping)[0];
      const x = r.metrics;
      rows.push([m, 'sampled', r.temperature, null, null, null, null, x.mean_entropy, x.distinct_1, x.distinct_2, x.unique_fraction, x.mean_logprob, top?.answer ?? null, top?.count ?? null, r.samples.length]);
    }
  }
  return rows;
}
