/**
 * What the injection view holds, its charts and its exports: JSON with the CLI's `lab inject --json`
 * shape per model (greedy: one result; sampled: `{runs, band, control_band}`), CSV with one row per
 * model × run × step (the injected run, and in sampled mode its no-injection control).
 */
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { Template } from '../../engine/types';
import type { InjectResult, Outcome, TraceBand } from '../../lab/inject';
import type { CsvCell } from '../download';
import { MODEL_COLORS } from '../lab-chart';
import type { Side } from '../params';

/** One column of the aligned token view: a clean token, an injected token, or both (the same token). */
export interface DiffColumn {
  op: 'injection' | 'same' | 'clean' | 'injected';
  clean: string | null;
  injected: string | null;
}

export interface SideInject {
  template: Template;
  context: number[];
  /** One result (greedy) or one per sampled run. */
  runs: InjectResult[];
  /** Sampled mode: mean and spread per step of the aligned KL, of the controls' aligned KL, log p, p(end). */
  bands: { kl_aligned: TraceBand[]; control: TraceBand[]; logp_clean_next: TraceBand[]; p_end: TraceBand[] } | null;
  /** Sampled mode: seeds whose clean run stopped before the injection point (left out). */
  skipped: { seed: number; clean_length: number }[];
  /** How many runs ended in each outcome. */
  outcomes: Record<Outcome, number>;
  /** Texts of the first run, for display. */
  cleanTokens: string[];
  prefixText: string;
  injectionText: string;
  continuationText: string;
  cleanText: string;
  /** The first run's clean and injected continuations aligned token by token (after K). */
  diff: DiffColumn[];
}

export interface InjectSettings {
  prompt: string;
  templates: Record<Side, Template>;
  models: Side[];
  after_tokens: number;
  injection: string;
  steps: number;
  threshold: number;
  rel_threshold: number;
  window: number;
  run: number;
  mode: 'greedy' | 'sampled';
  seed: number;
  runs: number;
}

export interface InjectState {
  settings: InjectSettings;
  sides: Partial<Record<Side, SideInject>>;
}

export interface Heatmap {
  after_tokens: number[];
  injections: string[];
  recovery: (number | null)[][];
  outcome: Outcome[][];
  mean_kl: number[][];
}

export interface HeatmapState {
  steps: number;
  threshold: number;
  sides: Partial<Record<Side, Heatmap>>;
}

export function injectJson(s: InjectState, heatmap: HeatmapState | null) {
  const out: Record<string, unknown> = { settings: s.settings };
  for (const m of s.settings.models) {
    const side = s.sides[m];
    if (!side) continue;
    out[m] =
      s.settings.mode === 'greedy'
        ? { template: side.template, ...side.runs[0]! }
        : { template: side.template, runs: side.runs, band: side.bands!.kl_aligned, control_band: side.bands!.control, band_logp_clean_next: side.bands!.logp_clean_next, band_p_end: side.bands!.p_end, outcomes: side.outcomes, skipped: side.skipped };
  }
  if (heatmap) out['heatmap'] = heatmap;
  return out;
}

export function injectCsv(s: InjectState): CsvCell[][] {
  const rows: CsvCell[][] = [['model', 'run', 'kind', 'seed', 'after_tokens', 'step', 'kl', 'kl_aligned', 'aligned_offset', 'logp_clean_next', 'p_end', 'recovery_step', 'recovery_offset', 'outcome', 'ended_step', 'threshold']];
  for (const m of s.settings.models) {
    const side = s.sides[m];
    if (!side) continue;
    side.runs.forEach((r, i) => {
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
export function traceCharts(s: InjectState) {
  const models = s.settings.models.filter((m) => s.sides[m]);
  const kl = models.flatMap((m): ChartDataset<'line', Pt[]>[] => {
    const side = s.sides[m]!;
    const color = MODEL_COLORS[m];
    const r = side.runs[0]!;
    const tau = side.runs.reduce((a, x) => a + x.threshold.effective, 0) / side.runs.length;
    const last = Math.max(1, s.settings.steps - 1);
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
    if (!side.bands) {
      return [
        { label: `${m} aligned`, data: points(r.trace.map((p) => ({ step: p.step, y: p.kl_aligned }))), borderColor: color, backgroundColor: color, pointRadius: 2, borderWidth: 2 },
        { label: `${m} same offset`, data: points(r.trace.map((p) => ({ step: p.step, y: p.kl }))), borderColor: `${color}99`, backgroundColor: `${color}99`, pointRadius: 1, borderWidth: 1, borderDash: [6, 3] },
        threshold,
      ];
    }
    return [
      // the noise floor: grey fill, edged in the model's colour
      ...band(`${m} no-injection`, side.bands.control, '#8a94a3', '40', { color: color, dash: [3, 3] }),
      ...band(`${m}`, side.bands.kl_aligned, color, '33'),
      { label: `${m} mean aligned`, data: side.bands.kl_aligned.map((p) => ({ x: p.step, y: p.mean })), borderColor: color, backgroundColor: color, pointRadius: 2, borderWidth: 2 },
      threshold,
    ];
  });
  const series = (key: 'logp_clean_next' | 'p_end') =>
    models.flatMap((m): ChartDataset<'line', Pt[]>[] => {
      const side = s.sides[m]!;
      const color = MODEL_COLORS[m];
      if (!side.bands) return [{ label: m, data: points(side.runs[0]!.trace.map((p) => ({ step: p.step, y: p[key] }))), borderColor: color, backgroundColor: color, pointRadius: 2, borderWidth: 2 }];
      const b = side.bands[key];
      return [...band(m, b, color, '33'), { label: `${m} mean`, data: b.map((p) => ({ x: p.step, y: p.mean })), borderColor: color, backgroundColor: color, pointRadius: 2, borderWidth: 2 }];
    });
  return {
    kl: lineConfig(kl, 'KL(injected ‖ clean) (nats)', 0),
    logp: lineConfig(series('logp_clean_next'), 'log p(clean next token)'),
    pEnd: lineConfig(series('p_end'), 'p(end)', 0),
  };
}
