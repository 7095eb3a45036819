/** The sweep view's results, from the result data only: the matching temperature, the exact curves and
 *  their table, each model's reference, and the sampled runs (metrics, answer histograms, samples). */
import { html, nothing } from 'lit';
import type { SweepData, SweepSettings, SweepSide, SweepSideData } from '../../../lab/experiments/sweep';
import { visibleToken } from '../../../lab/tokens';
import { formatNumber } from '../../format';
import { inlineStyle } from '../../styles';
import '../../lab-chart';
import type { AnswerCounts, exactCharts, Grouping, histogramChart, sampledCharts } from './sweep-charts';
import { sidesOf } from './sweep-charts';

const HEADING: Record<SweepSide, string> = { base: 'Base', tuned: 'Tuned' };

export interface HistogramConfig {
  t: number;
  rows: AnswerCounts[];
  chart: ReturnType<typeof histogramChart>;
}

export interface ResultsInput {
  data: SweepData;
  settings: SweepSettings;
  seed: number;
  exact: ReturnType<typeof exactCharts>;
  sampled: ReturnType<typeof sampledCharts>;
  histograms: HistogramConfig[] | null;
  grouping: Grouping | string;
}

function cell(key: string, v: number, digits = 4) {
  return html`<td data-key=${key} data-value=${String(v)}>${formatNumber(v, digits)}</td>`;
}

function gridBounds(d: SweepData): [number, number] {
  const ts = d[sidesOf(d)[0]!]!.exact.map((p) => p.temperature);
  return [Math.min(...ts), Math.max(...ts)];
}

function neverWhy(d: SweepData, lo: number, hi: number): string {
  const tuned = d.tuned!;
  const m = d.match!;
  const at = (t: number) => tuned.own_answers!.mean_entropy[tuned.exact.findIndex((p) => p.temperature === t)]!;
  if (m.positions.tuned === 0) return 'its own answers are empty.';
  if (at(hi) < m.base_entropy_at_T1) return `even at T = ${hi} its mean entropy over its own answers is only ${formatNumber(at(hi))} nats.`;
  return `already at T = ${lo} its mean entropy over its own answers is ${formatNumber(at(lo))} nats.`;
}

function renderMatch(d: SweepData, s: SweepSettings) {
  const m = d.match;
  if (!m) return html`<p class="hint" data-no-match>The matching temperature needs both models: sweep base and tuned together.</p>`;
  const [lo, hi] = gridBounds(d);
  const t = m.tuned_temperature;
  const f = m.first_position;
  return html`<p class="answer" data-match-temperature=${t === null ? 'none' : String(t)} data-match-target=${String(m.base_entropy_at_T1)}>
    How hot must the tuned model run to be as uncertain as the base at T = 1? Matched over the answers' positions: the base's mean entropy over
    every position of its own ${s.samples} answers at T = 1 (${m.positions.base} positions: ${formatNumber(m.base_entropy_at_T1)} nats) against the tuned model's mean
    entropy over its own answers (${m.positions.tuned} positions), re-tempered exactly.
    ${t === null ? html`<strong>It never gets there in the grid</strong> (T from ${lo} to ${hi}): ${neverWhy(d, lo, hi)}` : html`<strong>T ≈ ${formatNumber(t, 2)}</strong>.`}
    <span class="hint" data-match-first-temperature=${f.tuned_temperature === null ? 'none' : String(f.tuned_temperature)} data-match-first-target=${String(f.base_entropy_at_T1)}
      >At the first position only: target ${formatNumber(f.base_entropy_at_T1)} nats, ${f.tuned_temperature === null ? 'not reached in the grid' : `T ≈ ${formatNumber(f.tuned_temperature, 2)}`}.</span
    >
  </p>`;
}

function renderReference(m: SweepSide, e: SweepSideData) {
  return html`<div data-reference-model=${m} data-context=${e.context.join(',')} data-reference=${e.reference.join(',')}>
    <h3><span class="model-${m}">${HEADING[m]}</span> · template ${e.template} · ${e.reference_is_greedy ? 'greedy continuation' : 'your reference'} (${e.reference.length} tokens)</h3>
    <div class="gen">${e.reference_text}</div>
    <div class="tokens" aria-label=${`${HEADING[m]} reference tokens`}>${e.reference_tokens.map((t, i) => html`<code title=${`id ${e.reference[i]}`}>${visibleToken(t)}</code>`)}</div>
    <details>
      <summary>Context as the ${m} model reads it (${e.context.length} tokens)</summary>
      <div class="gen">${e.context_text}</div>
    </details>
  </div>`;
}

export function renderExact(x: ResultsInput) {
  const d = x.data;
  const c = x.exact;
  const sides = sidesOf(d);
  const first = d[sides[0]!]!.exact;
  const cols = [
    ['entropy_first', 'H first'],
    ['top1_mass', 'top-1'],
    ['top5_mass', 'top-5'],
    ['entropy_along_mean', 'H along'],
  ] as const;
  return html`<div class="card" data-section="exact">
    <h2>Exact curves (no sampling)</h2>
    ${renderMatch(d, x.settings)}
    <div class="charts">
      <figure>
        <figcaption>Entropy after the prompt vs T</figcaption>
        <lab-chart data-chart="entropy-first" .config=${c.entropyFirst} label="Entropy of the first next-token distribution against temperature, base and tuned"></lab-chart>
      </figure>
      <figure>
        <figcaption>Top-1 and top-5 mass vs T</figcaption>
        <lab-chart data-chart="mass" .config=${c.mass} label="Probability mass of the top-1 and top-5 tokens against temperature"></lab-chart>
      </figure>
      ${c.own
        ? html`<figure>
            <figcaption>Mean entropy over each model's own answers vs T (the matching temperature)</figcaption>
            <lab-chart data-chart="entropy-own" .config=${c.own} label="Mean entropy over each model's own answers at T = 1, re-tempered, against temperature, with the base's value at T = 1"></lab-chart>
          </figure>`
        : nothing}
      <figure>
        <figcaption>Mean entropy along the reference vs T</figcaption>
        <lab-chart data-chart="entropy-along" .config=${c.along} label="Mean entropy along each model's reference continuation against temperature"></lab-chart>
      </figure>
    </div>
    <div class="charts">${sides.map((m) => renderReference(m, d[m]!))}</div>
    <details>
      <summary>Exact values (table)</summary>
      <div class="table-wrap">
        <table class="data" data-table="exact">
          <thead>
            <tr>
              <th>T</th>
              ${cols.flatMap(([, label]) => sides.map((m) => html`<th>${m} ${label}</th>`))}
            </tr>
          </thead>
          <tbody>
            ${first.map(
              (p, i) => html`<tr data-temperature=${String(p.temperature)}>
                <td>${p.temperature}</td>
                ${cols.flatMap(([k]) => sides.map((m) => cell(`${m}.${k}`, d[m]!.exact[i]![k])))}
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </details>
  </div>`;
}

export function renderSampled(x: ResultsInput) {
  const d = x.data;
  const s = x.settings;
  const sides = sidesOf(d);
  const c = x.sampled;
  const temps = d[sides[0]!]!.runs.map((r) => r.temperature);
  const rows = temps.flatMap((t, j) => sides.map((m) => ({ t, j, m, run: d[m]!.runs[j] }))).filter((r) => r.run);
  if (rows.length === 0) return nothing;
  const g = x.grouping;
  return html`<div class="card" data-section="sampled">
    <h2>Sampled: ${s.samples} completions × ${s.max_tokens} tokens per temperature, seed ${x.seed}</h2>
    <div class="charts">
      <figure>
        <figcaption>Mean per-token entropy vs T</figcaption>
        <lab-chart data-chart="mean-entropy" .config=${c.entropy} label="Mean per-token entropy of the sampled completions against temperature"></lab-chart>
      </figure>
      <figure>
        <figcaption>Diversity: distinct-1, distinct-2, unique fraction</figcaption>
        <lab-chart data-chart="diversity" .config=${c.diversity} label="Distinct-1, distinct-2 and unique fraction of the samples against temperature"></lab-chart>
      </figure>
      <figure>
        <figcaption>Mean log-probability at T = 1 of the sampled tokens</figcaption>
        <lab-chart data-chart="logprob" .config=${c.logprob} label="Mean log-probability at T = 1 of the sampled tokens against temperature"></lab-chart>
      </figure>
    </div>
    <div class="table-wrap">
      <table class="data" data-table="sampled">
        <thead>
          <tr>
            <th>T</th>
            <th class="text">model</th>
            <th>mean H</th>
            <th>distinct-1</th>
            <th>distinct-2</th>
            <th>unique</th>
            <th>mean log p (T = 1)</th>
            <th class="text">top answer</th>
          </tr>
        </thead>
        <tbody>
          ${rows.map(({ t, m, run }) => {
            const v = run!.metrics;
            const top = x.histograms?.find((h) => h.t === t)?.rows.reduce((best, a) => (a[m] > best[m] ? a : best));
            return html`<tr data-temperature=${String(t)} data-model=${m}>
              <td>${t}</td>
              <td class="text model-${m}">${m}</td>
              ${cell(`${m}.mean_entropy`, v.mean_entropy, 3)} ${cell(`${m}.distinct_1`, v.distinct_1, 3)} ${cell(`${m}.distinct_2`, v.distinct_2, 3)}
              ${cell(`${m}.unique_fraction`, v.unique_fraction, 3)} ${cell(`${m}.mean_logprob`, v.mean_logprob, 3)}
              <td class="text">${top ? html`<span class="mono">${top.answer}</span> ×${top[m]}` : '—'}</td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
    <h3>Answers per temperature</h3>
    ${typeof g === 'string'
      ? html`<p class="field-error">Fix the answer grouping above to see the histograms.</p>`
      : html`<div class="charts">
          ${(x.histograms ?? []).map(
            (h) => html`<figure data-histogram=${String(h.t)}>
              <figcaption>T = ${h.t}: ${h.rows.length} distinct answers</figcaption>
              <lab-chart
                style=${inlineStyle(`--chart-height: ${Math.max(150, 70 + 26 * Math.min(12, h.rows.length))}px`)}
                .config=${h.chart}
                label=${`Answer counts at temperature ${h.t}, ${sides.join(' and ')}`}
              ></lab-chart>
              <details>
                <summary>Counts</summary>
                <table class="data">
                  <thead>
                    <tr>
                      <th class="text">answer</th>
                      ${sides.map((m) => html`<th>${m}</th>`)}
                    </tr>
                  </thead>
                  <tbody>
                    ${h.rows.map(
                      (a) => html`<tr>
                        <td class="text mono">${a.answer}</td>
                        ${sides.map((m) => html`<td>${a[m]}</td>`)}
                      </tr>`,
                    )}
                  </tbody>
                </table>
              </details>
            </figure>`,
          )}
        </div>`}
    <h3>Samples</h3>
    ${rows.map(
      ({ t, m, run }) => html`<details data-samples=${`${m}@${t}`}>
        <summary><span class="model-${m}">${m}</span> at T = ${t}: ${run!.samples.length} completions</summary>
        <ol>
          ${run!.samples.map((smp) => html`<li><div class="gen" data-ids=${smp.ids.join(',')}>${smp.text}</div></li>`)}
        </ol>
      </details>`,
    )}
  </div>`;
}
