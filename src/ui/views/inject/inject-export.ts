/**
 * The injection view's charts and CSV export, from a result's data (src/lab/experiments/inject.ts): CSV with
 * one row per model × run × step (the injected run, and in sampled mode its no-injection control). The JSON
 * export is the run itself ({spec, result}), which the library imports and `lab run` re-runs.
 */
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { InjectData, InjectSettings, Side } from '../../../lab/experiments/inject';
import type { TraceBand } from '../../../lab/inject';
import type { CsvCell } from '../../download';
import { MODEL_COLORS } from '../../lab-chart';

export function injectCsv(s: InjectSettings, data: InjectData): CsvCell[][] {
  const rows: CsvCell[][] = [['model', 'run', 'kind', 'seed', 'after_tokens', 'step', 'kl', 'kl_aligned', 'aligned_offset', 'logp_clean_next', 'p_end', 'recovery_step', 'recovery_offset', 'outcome', 'ended_step', 'threshold']];
  for (const m of s.sides) {
    const side = data[m];
    if (!side) continue;
    (side.sampled?.runs ?? [side]).forEach((r, i) => {
      for (const p of r.trace) rows.push([m, i, 'injected', r.seed, r.after_tokens, p.step, p.kl, p.kl_aligned, p.aligned_offset, p.logp_clean_next, p.p_end, r.recovery_step, r.recovery_offset, r.outcome, r.ended_step, r.threshold.effective]);
      const c = r.control;
      if (c) for (const p of c.trace) rows.push([m, i, 'control', c.seed, r.after_tokens, p.step, p.kl, p.kl_aligned, p.aligned_offset, p.logp_clean_next, p.p_end, c.recovery_step, c.recovery_offset, c.outcome, c.ended_step, r.threshold.effective]);
    });
  }
  return rows;
}

type Pt = { x: number; y: number };

function lineConfig(datasets: ChartDataset<'line', Pt[]>[], yTitle: string, yMin?: number): ChartConfiguration<'line', Pt[]> {
  return {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false,
      interaction: { mode: 'nearest', intersect: false },
      scales: {
        x: { type: 'linear', title: { display: true, text: 'step after the injection' }, ticks: { precision: 0 } },
        y: { title: { display: true, text: yTitle }, ...(yMin !== undefined ? { min: yMin } : {}) },
      },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 14, filter: (item) => !String(item.text).endsWith(' min') } },
      },
    },
  };
}

const points = (xs: { step: number; y: number | null }[]): Pt[] => xs.filter((p): p is { step: number; y: number } => p.y !== null).map((p) => ({ x: p.step, y: p.y }));

function band(label: string, b: TraceBand[], color: string, alpha: string, edge?: { color: string; dash: number[] }): ChartDataset<'line', Pt[]>[] {
  const faint = `${color}${alpha}`;
  const style = { borderColor: edge?.color ?? faint, backgroundColor: faint, pointRadius: 0, borderWidth: 1, ...(edge ? { borderDash: edge.dash } : {}) };
  return [
    { label: `${label} min`, data: b.map((p) => ({ x: p.step, y: p.min })), ...style, fill: false },
    { label: `${label} min–max`, data: b.map((p) => ({ x: p.step, y: p.max })), ...style, fill: '-1' },
  ];
}

/** One chart per trace value, base and tuned on the same axes. KL: greedy shows the aligned and the
 *  same-offset KL; sampled shows the mean aligned KL with its min–max band and the no-injection band
 *  (the controls) as the noise floor. Each model's threshold τ is a dashed line. */
export function traceCharts(s: InjectSettings, data: InjectData) {
  const models = s.sides.filter((m): m is Side => !!data[m]);
  const kl = models.flatMap((m): ChartDataset<'line', Pt[]>[] => {
    const side = data[m]!;
    const color = MODEL_COLORS[m];
    const r = side;
    const runs = side.sampled?.runs ?? [side];
    const tau = runs.reduce((a, x) => a + x.threshold.effective, 0) / runs.length;
    const last = Math.max(1, s.steps - 1);
    const threshold: ChartDataset<'line', Pt[]> = {
      label: `${m} threshold τ ${tau.toPrecision(3)}`,
      data: [
        { x: 0, y: tau },
        { x: last, y: tau },
      ],
      borderColor: color,
      backgroundColor: color,
      borderDash: [2, 4],
      borderWidth: 1,
      pointRadius: 0,
    };
    if (!side.sampled) {
      return [
        { label: `${m} aligned`, data: points(r.trace.map((p) => ({ step: p.step, y: p.kl_aligned }))), borderColor: color, backgroundColor: color, pointRadius: 2, borderWidth: 2 },
        { label: `${m} same offset`, data: points(r.trace.map((p) => ({ step: p.step, y: p.kl }))), borderColor: `${color}99`, backgroundColor: `${color}99`, pointRadius: 1, borderWidth: 1, borderDash: [6, 3] },
        threshold,
      ];
    }
    return [
      // the noise floor: grey fill, edged in the model's colour
      ...band(`${m} no-injection`, side.sampled.control_band, '#8a94a3', '40', { color: color, dash: [3, 3] }),
      ...band(`${m}`, side.sampled.band, color, '33'),
      { label: `${m} mean aligned`, data: side.sampled.band.map((p) => ({ x: p.step, y: p.mean })), borderColor: color, backgroundColor: color, pointRadius: 2, borderWidth: 2 },
      threshold,
    ];
  });
  const series = (key: 'logp_clean_next' | 'p_end') =>
    models.flatMap((m): ChartDataset<'line', Pt[]>[] => {
      const side = data[m]!;
      const color = MODEL_COLORS[m];
      if (!side.sampled) return [{ label: m, data: points(side.trace.map((p) => ({ step: p.step, y: p[key] }))), borderColor: color, backgroundColor: color, pointRadius: 2, borderWidth: 2 }];
      const b = key === 'p_end' ? side.sampled.band_p_end : side.sampled.band_logp_clean_next;
      return [...band(m, b, color, '33'), { label: `${m} mean`, data: b.map((p) => ({ x: p.step, y: p.mean })), borderColor: color, backgroundColor: color, pointRadius: 2, borderWidth: 2 }];
    });
  return {
    kl: lineConfig(kl, 'KL(injected ‖ clean) (nats)', 0),
    logp: lineConfig(series('logp_clean_next'), 'log p(clean next token)'),
    pEnd: lineConfig(series('p_end'), 'p(end)', 0),
  };
}
