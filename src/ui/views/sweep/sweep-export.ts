/**
 * The sweep view's exports, from the result data: JSON is the data itself (`lab sweep --json`'s shape:
 * per side its context, exact curves, own answers and runs with histograms, and the matching temperature),
 * CSV has one row per model × temperature × kind (exact or sampled), the top answer under the grouping
 * shown.
 */
import type { SweepData } from '../../../lab/experiments/sweep';
import { histogram } from '../../../lab/sweep';
import type { CsvCell } from '../../download';
import { sidesOf, type Grouping } from './sweep-charts';

export function sweepCsv(d: SweepData, grouping: Grouping): CsvCell[][] {
  const rows: CsvCell[][] = [
    ['model', 'kind', 'temperature', 'entropy_first', 'top1_mass', 'top5_mass', 'entropy_along_mean', 'mean_entropy', 'distinct_1', 'distinct_2', 'unique_fraction', 'mean_logprob', 'top_answer', 'top_answer_count', 'samples'],
  ];
  for (const m of sidesOf(d)) {
    const side = d[m]!;
    for (const e of side.exact) rows.push([m, 'exact', e.temperature, e.entropy_first, e.top1_mass, e.top5_mass, e.entropy_along_mean, null, null, null, null, null, null, null, null]);
    for (const r of side.runs) {
      const top = histogram(r.samples.map((x) => x.text), grouping)[0];
      const x = r.metrics;
      rows.push([m, 'sampled', r.temperature, null, null, null, null, x.mean_entropy, x.distinct_1, x.distinct_2, x.unique_fraction, x.mean_logprob, top?.answer ?? null, top?.count ?? null, r.samples.length]);
    }
  }
  return rows;
}
