/** The compare view's chart: KL(tuned‖base) by position (bars) and each model's branching factor (lines). */
import type { ChartConfiguration } from 'chart.js';
import type { CompareData } from '../../../lab/experiments/compare';
import { visibleToken } from '../../../lab/tokens';
import { MODEL_COLORS } from '../../lab-chart';

export function compareChartConfig(r: CompareData): ChartConfiguration {
  const labels = r.positions.map((p, i) => `${i} ${visibleToken(p.text)}`);
  return {
    type: 'bar',
    data: {
      labels,
      datasets: [
        { type: 'bar', label: 'KL(tuned‖base), nats', data: r.by_position.kl, backgroundColor: 'rgba(217, 72, 15, 0.55)', yAxisID: 'y', order: 2 },
        {
          type: 'line',
          label: 'branching factor, base',
          data: r.by_position.branching_base,
          borderColor: MODEL_COLORS.base,
          backgroundColor: MODEL_COLORS.base,
          yAxisID: 'y1',
          pointRadius: 2,
          borderWidth: 1.5,
          order: 1,
        },
        {
          type: 'line',
          label: 'branching factor, tuned',
          data: r.by_position.branching_tuned,
          borderColor: MODEL_COLORS.tuned,
          backgroundColor: MODEL_COLORS.tuned,
          borderDash: [4, 3],
          yAxisID: 'y1',
          pointRadius: 2,
          borderWidth: 1.5,
          order: 1,
        },
      ],
    } as ChartConfiguration['data'],
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { ticks: { autoSkip: true, maxRotation: 60, font: { size: 10 } } },
        y: { type: 'linear', position: 'left', beginAtZero: true, title: { display: true, text: 'KL (nats)' } },
        y1: { type: 'logarithmic', position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: 'branching factor exp(H)' } },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  };
}
