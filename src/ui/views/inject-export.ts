/**
 * What the injection view holds, its charts and its exports: JSON with the CLI's `lab inject --json`
 * shape per model (greedy: one result; sampled: `{runs, band}`), CSV with one row per model × run × step.
 */
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { Template } from '../../engine/types';
import type { InjectResult, TraceBand } from '../../lab/inject';
import type { CsvCell } from '../download';
import { MODEL_COLORS } from '../lab-chart';
import type { Side } from '../params';

export interface SideInject {
  template: Template;
  context: number[];
  /** One result (greedy) or one per sampled run. */
  runs: InjectResult[];
  /** Sampled mode: mean and spread per step of each trace value. */
  bands: { kl: TraceBand[]; logp_clean_next: TraceBand[]; p_end: TraceBand[] } | null;
  /** Recovery step of the mean KL (sampled mode). */
  meanRecovery: number | null;
  /** Texts of the first run, for display. */
  cleanTokens: string[];
  prefixText: string;
  injectionText: string;
  continuationText: string;
  cleanText: string;
}

export interface InjectSettings {
  prompt: string;
  templates: Record<Side, Template>;
  models: Side[];
  after_tokens: number;
  injection: string;
  steps: number;
  threshold: number;
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
  mean_kl: number[][];
}

export interface HeatmapState {
  steps: number;
  threshold: number;
  sides: Partial<Record<Side, Heatmap>>;
}

const strip = (r: InjectResult) => ({ ...r, trace: r.trace.map(({ step, kl, logp_clean_next, p_end }) => ({ step, kl, logp_clean_next, p_end })) });

export function injectJson(s: InjectState, heatmap: HeatmapState | null) {
  const out: Record<string, unknown> = { settings: s.settings };
  for (const m of s.settings.models) {
    const side = s.sides[m];
    if (!side) continue;
    out[m] =
      s.settings.mode === 'greedy'
        ? { template: side.template, ...strip(side.runs[0]!) }
        : { template: side.template, runs: side.runs.map(strip), band: side.bands!.kl, band_logp_clean_next: side.bands!.logp_clean_next, band_p_end: side.bands!.p_end, mean_recovery_step: side.meanRecovery };
  }
  if (heatmap) out['heatmap'] = heatmap;
  return out;
}

export function injectCsv(s: InjectState): CsvCell[][] {
  const rows: CsvCell[][] = [['model', 'run', 'seed', 'after_tokens', 'step', 'kl', 'logp_clean_next', 'p_end', 'recovery_step']];
  for (const m of s.settings.models) {
    const side = s.sides[m];
    if (!side) continue;
    side.runs.forEach((r, i) => {
      for (const p of r.trace) rows.push([m, i, s.settings.mode === 'greedy' ? null : s.settings.seed + i, r.after_tokens, p.step, p.kl, p.logp_clean_next, p.p_end, r.recovery_step]);
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

/** One chart per trace value, base and tuned on the same axes; in sampled mode a mean line with a
 *  min–max band. */
export function traceCharts(s: InjectState) {
  const models = s.settings.models.filter((m) => s.sides[m]);
  const series = (key: 'kl' | 'logp_clean_next' | 'p_end') =>
    models.flatMap((m): ChartDataset<'line', Pt[]>[] => {
      const side = s.sides[m]!;
      const color = MODEL_COLORS[m];
      if (!side.bands) {
        return [{ label: m, data: side.runs[0]!.trace.map((p) => ({ x: p.step, y: p[key] })), borderColor: color, backgroundColor: color, pointRadius: 2, borderWidth: 2 }];
      }
      const b = side.bands[key];
      const faint = `${color}33`;
      return [
        { label: `${m} min`, data: b.map((p) => ({ x: p.step, y: p.min })), borderColor: faint, backgroundColor: faint, pointRadius: 0, borderWidth: 1, fill: false },
        { label: `${m} min–max`, data: b.map((p) => ({ x: p.step, y: p.max })), borderColor: faint, backgroundColor: faint, pointRadius: 0, borderWidth: 1, fill: '-1' },
        { label: `${m} mean`, data: b.map((p) => ({ x: p.step, y: p.mean })), borderColor: color, backgroundColor: color, pointRadius: 2, borderWidth: 2 },
      ];
    });
  const steps = s.settings.steps;
  const threshold: ChartDataset<'line', Pt[]> = {
    label: `threshold ${s.settings.threshold}`,
    data: [
      { x: 0, y: s.settings.threshold },
      { x: Math.max(1, steps - 1), y: s.settings.threshold },
    ],
    borderColor: '#8a94a3',
    backgroundColor: '#8a94a3',
    borderDash: [4, 4],
    borderWidth: 1.5,
    pointRadius: 0,
  };
  return {
    kl: lineConfig([...series('kl'), threshold], 'KL(injected ‖ clean) (nats)', 0),
    logp: lineConfig(series('logp_clean_next'), 'log p(clean next token)'),
    pEnd: lineConfig(series('p_end'), 'p(end of text)', 0),
  };
}
