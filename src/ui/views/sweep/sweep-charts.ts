/** Chart.js configurations for the sweep view (T on the x-axis, base and tuned on the same axes), from
 *  the result data only. */
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { SweepData, SweepExactPoint, SweepRunData, SweepSide } from '../../../lab/experiments/sweep';
import { histogram } from '../../../lab/sweep';
import { MODEL_COLORS } from '../../lab-chart';

const SIDES: SweepSide[] = ['base', 'tuned'];
const NAME: Record<SweepSide, string> = { base: 'base', tuned: 'tuned' };

export interface Grouping {
  regex?: RegExp;
  words?: number;
}

/** The sides a result holds, base first. */
export function sidesOf(d: SweepData): SweepSide[] {
  return SIDES.filter((s) => d[s] !== undefined);
}

type Pt = { x: number; y: number };
type LineDs = ChartDataset<'line', Pt[]>;

function line(label: string, side: SweepSide, data: Pt[], dash: number[] = []): LineDs {
  return { label, data, borderColor: MODEL_COLORS[side], backgroundColor: MODEL_COLORS[side], borderDash: dash, pointRadius: 2, borderWidth: 2, tension: 0 };
}

function config(datasets: LineDs[], yTitle: string, extra: { yMin?: number; yMax?: number } = {}): ChartConfiguration<'line', Pt[]> {
  return {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false,
      interaction: { mode: 'nearest', intersect: false },
      scales: {
        x: { type: 'linear', title: { display: true, text: 'temperature T' } },
        y: { title: { display: true, text: yTitle }, ...(extra.yMin !== undefined ? { min: extra.yMin } : {}), ...(extra.yMax !== undefined ? { max: extra.yMax } : {}) },
      },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 14 } } },
    },
  };
}

export function exactCharts(d: SweepData) {
  const sides = sidesOf(d);
  const pts = (m: SweepSide, f: (p: SweepExactPoint) => number) => d[m]!.exact.map((p) => ({ x: p.temperature, y: f(p) }));
  const ts = d[sides[0]!]!.exact.map((p) => p.temperature);
  const [lo, hi] = [Math.min(...ts), Math.max(...ts)];
  const targetLine = (y: number): LineDs => ({
    label: 'base at T = 1',
    data: [
      { x: lo, y },
      { x: hi, y },
    ],
    borderColor: '#8a94a3',
    backgroundColor: '#8a94a3',
    borderDash: [3, 3],
    borderWidth: 1.5,
    pointRadius: 0,
  });
  const m = d.match;
  const entropyFirst = config([...sides.map((s) => line(NAME[s], s, pts(s, (p) => p.entropy_first))), ...(m ? [targetLine(m.first_position.base_entropy_at_T1)] : [])], 'entropy (nats)', { yMin: 0 });
  const own = m
    ? config(
        [...sides.map((s) => line(NAME[s], s, d[s]!.own_answers!.mean_entropy.map((y, i) => ({ x: ts[i]!, y })))), targetLine(m.base_entropy_at_T1)],
        'mean entropy over its own answers (nats)',
        { yMin: 0 },
      )
    : null;
  const mass = config(
    sides.flatMap((s) => [line(`${NAME[s]} top-1`, s, pts(s, (p) => p.top1_mass)), line(`${NAME[s]} top-5`, s, pts(s, (p) => p.top5_mass), [6, 4])]),
    'probability mass',
    { yMin: 0, yMax: 1 },
  );
  const along = config(
    sides.map((s) => line(NAME[s], s, pts(s, (p) => p.entropy_along_mean))),
    'mean entropy along reference (nats)',
    { yMin: 0 },
  );
  return { entropyFirst, mass, along, own };
}

export function sampledCharts(d: SweepData) {
  const sides = sidesOf(d);
  const pts = (m: SweepSide, f: (r: SweepRunData) => number) => d[m]!.runs.map((r) => ({ x: r.temperature, y: f(r) }));
  const entropy = config(sides.map((s) => line(NAME[s], s, pts(s, (r) => r.metrics.mean_entropy))), 'mean per-token entropy (nats)', { yMin: 0 });
  const diversity = config(
    sides.flatMap((s) => [
      line(`${NAME[s]} distinct-1`, s, pts(s, (r) => r.metrics.distinct_1)),
      line(`${NAME[s]} distinct-2`, s, pts(s, (r) => r.metrics.distinct_2), [6, 4]),
      line(`${NAME[s]} unique`, s, pts(s, (r) => r.metrics.unique_fraction), [2, 3]),
    ]),
    'fraction',
    { yMin: 0, yMax: 1 },
  );
  const logprob = config(sides.map((s) => line(NAME[s], s, pts(s, (r) => r.metrics.mean_logprob))), 'mean log-prob at T = 1');
  return { entropy, diversity, logprob };
}

export interface AnswerCounts {
  answer: string;
  base: number;
  tuned: number;
}

/** Answers at one temperature, grouped per model and merged (most frequent overall first). */
export function answerCounts(base: SweepRunData | undefined, tuned: SweepRunData | undefined, grouping: Grouping): AnswerCounts[] {
  const merged = new Map<string, AnswerCounts>();
  for (const [m, run] of [['base', base], ['tuned', tuned]] as const) {
    if (!run) continue;
    for (const { answer, count } of histogram(run.samples.map((s) => s.text), grouping)) {
      const row = merged.get(answer) ?? { answer, base: 0, tuned: 0 };
      row[m] = count;
      merged.set(answer, row);
    }
  }
  return [...merged.values()].sort((a, b) => b.base + b.tuned - (a.base + a.tuned) || a.answer.localeCompare(b.answer));
}

export function histogramChart(rows: AnswerCounts[], sides: SweepSide[], maxBars = 12): ChartConfiguration<'bar'> {
  const shown = rows.slice(0, maxBars);
  const label = (s: string) => (s.length > 24 ? `${s.slice(0, 23)}…` : s);
  return {
    type: 'bar',
    data: {
      labels: shown.map((r) => label(r.answer)),
      datasets: sides.map((m) => ({ label: NAME[m], data: shown.map((r) => r[m]), backgroundColor: MODEL_COLORS[m] })),
    },
    options: {
      indexAxis: 'y',
      scales: { x: { title: { display: true, text: 'completions' }, ticks: { precision: 0 }, beginAtZero: true }, y: { ticks: { autoSkip: false } } },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 14 } } },
    },
  };
}
