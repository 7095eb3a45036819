/**
 * The answers view's result rendering, from a result's data only (live or stored; no engine): the
 * distribution at the slider's temperature (one of the result's exact re-temperings), the low-mass and
 * overlap warnings, the published figures, the statistics, the chart, the candidates table and the free
 * answers. Full-precision numbers are in `data-*` attributes for tests. Model text is rendered as text.
 */
import type { ChartConfiguration } from 'chart.js';
import { html, nothing } from 'lit';
import { ANSWER_PRESETS, LOW_MASS, PUBLISHED_SOURCE, type FreeAnswers } from '../../../lab/answers';
import type { AnswersData, AnswersSpec, Side } from '../../../lab/experiments/answers';
import type { SideAtT } from './answers-at';

export { atTemperature, type SideAtT } from './answers-at';
import { visibleToken } from '../../../lab/tokens';
import { formatNumber, formatPercent } from '../../format';
import { MODEL_COLORS } from '../../lab-chart';
import { inlineStyle } from '../../styles';

export const SIDES: readonly Side[] = ['base', 'tuned'];

/** A short text with its whitespace visible (an empty one as ∅). */
export function shown(text: string): string {
  return visibleToken(text);
}

export type AtT = Record<Side, SideAtT>;

export function renderOverlap(data: AnswersData, suffixes: Record<Side, string>, fix: { label: string; onClick: () => void } | null) {
  if (!SIDES.some((side) => data[side]!.ambiguity.length)) return nothing;
  return html`<div class="warnings" role="note" id="warnings">
    <strong>Candidates overlap.</strong> Without a terminating suffix a candidate's probability includes every candidate that starts with it.
    ${SIDES.map((side) => {
      const w = data[side]!.ambiguity;
      if (!w.length) return nothing;
      return html`<div>
        ${side} (suffix <code class="tok">${shown(suffixes[side])}</code>):
        <ul>
          ${w.slice(0, 4).map((x) => html`<li>${x}</li>`)}
          ${w.length > 4 ? html`<li>… and ${w.length - 4} more</li>` : nothing}
        </ul>
      </div>`;
    })}
    ${fix ? html`<button class="small" @click=${fix.onClick}>${fix.label}</button> then score again.` : nothing}
  </div>`;
}

/** Covered mass below 50%: a clear warning per model, with the frame used and the model's own answer. */
export function renderLowMass(spec: AnswersSpec, data: AnswersData, r: AtT) {
  const low = SIDES.filter((side) => r[side].mass < LOW_MASS);
  if (!low.length) return nothing;
  const n = r.base.choices.length;
  const note = ANSWER_PRESETS.find((p) => p.id === spec.settings.preset)?.note;
  return html`<div class="warnings low-mass" role="alert" id="low-mass">
    <strong>Low mass: the shares describe a path the model rarely takes.</strong>
    <ul>
      ${low.map((side) => {
        const f = data[side]!.frame;
        const own = spec.settings.frames[side]?.mode === 'auto';
        return html`<li data-low-mass=${side} data-value=${String(r[side].mass)}>
          the ${side} model puts only <b>${formatPercent(r[side].mass)}</b> of its probability on the ${n} candidates (below ${formatPercent(LOW_MASS)}) after
          ${f.text === '' ? 'no frame' : html`the ${own ? 'own opener' : 'typed frame'} <code class="tok">${shown(f.text)}</code>`}.
          ${f.greedy !== undefined ? html`Its greedy answer: <span class="gen-inline">${f.greedy}</span>.` : nothing}
        </li>`;
      })}
    </ul>
    ${note ? html`<p>${note}</p>` : nothing} Give a frame (the model's own words before the answer), widen the candidate set, or use free answers below.
  </div>`;
}

/** The published figures (raw probabilities) beside the lab models' raw probabilities of the same answers. */
export function renderPublished(spec: AnswersSpec, r: AtT, names: Record<Side, string>) {
  const preset = ANSWER_PRESETS.find((p) => p.id === spec.settings.preset);
  const pub = preset?.published;
  if (!pub || preset!.prompt !== spec.prompt) return nothing;
  const raw = (side: Side, text: string) => r[side].choices.find((c) => c.text === text);
  const argmax = (side: Side) => r[side].choices.reduce((a, c) => (c.prob > a.prob ? c : a));
  return html`<div class="card" id="published">
    <h3>Published figures next to the raw probabilities</h3>
    <p class="status">
      <a href=${PUBLISHED_SOURCE.url} target="_blank" rel="noopener">${PUBLISHED_SOURCE.title}</a>, prompt “${pub.prompt}”: each model's arg-max answer and its raw next-token
      probability (not renormalised over the answers; a uniform generator gives ${formatPercent(pub.uniform)}). Beside them: the lab models' raw probability of the same
      answer after their frame, and their own arg-max. Different models, prompts and tokenizers: compare the pattern, not the digits.
    </p>
    <table class="data">
      <thead>
        <tr>
          <th>published model</th>
          <th>its arg-max</th>
          <th class="num">raw p</th>
          <th>lab model</th>
          <th class="num">raw p of that answer</th>
          <th>lab arg-max</th>
          <th class="num">raw p</th>
        </tr>
      </thead>
      <tbody>
        ${pub.rows.map((row) => {
          const side: Side = row.model === 'davinci' ? 'base' : 'tuned';
          const same = raw(side, row.answer);
          const top = argmax(side);
          return html`<tr data-published-row=${row.model}>
            <td>${row.model}</td>
            <td><code class="tok">${row.answer}</code></td>
            <td class="num" data-value=${String(row.prob)}>${formatPercent(row.prob)}</td>
            <td>${names[side]}</td>
            <td class="num" data-lab-prob=${same ? String(same.prob) : ''}>${same ? formatPercent(same.prob) : '—'}</td>
            <td><code class="tok">${shown(top.text)}</code></td>
            <td class="num" data-lab-top=${String(top.prob)}>${formatPercent(top.prob)}</td>
          </tr>`;
        })}
      </tbody>
    </table>
  </div>`;
}

export function renderStats(r: AtT) {
  const n = r.base.choices.length;
  const row = (label: string, title: string, key: string, value: (x: SideAtT) => number, fmt: (x: number) => string) =>
    html`<tr>
      <td title=${title}>${label}</td>
      ${SIDES.map((side) => html`<td class="num" data-stat=${key} data-side=${side} data-value=${String(value(r[side]))}>${fmt(value(r[side]))}</td>`)}
    </tr>`;
  return html`<table id="stats">
    <thead>
      <tr>
        <th></th>
        <th class="num base">base</th>
        <th class="num tuned">tuned</th>
      </tr>
    </thead>
    <tbody>
      ${row(
        'mass the set covers',
        'Total probability of the candidates (frame, then prefix + candidate + suffix) after the prompt: the probability of the union of their paths. Below 50% the shares describe a path the model rarely takes.',
        'mass',
        (x) => x.mass,
        (x) => `${formatPercent(x)}${x < LOW_MASS ? ' ⚠ low' : ''}`,
      )}
      ${row('entropy (nats)', `Entropy of the distribution renormalised over the set; uniform = ln ${n} = ${formatNumber(Math.log(n))}`, 'entropy', (x) => x.normalized.entropy, (x) => formatNumber(x))}
      ${row('KL to uniform (nats)', 'KL(p ‖ uniform) = ln n − entropy, over the renormalised set', 'kl_uniform', (x) => x.normalized.kl_uniform, (x) => formatNumber(x))}
      ${row(
        'χ² vs uniform, per sample',
        'Pearson χ² against uniform per sample: n·Σp² − 1 over the renormalised set (0 for uniform, n − 1 for a point mass); multiply by a sample count N for the statistic N draws would give in expectation',
        'chi2',
        (x) => x.normalized.chi2,
        (x) => formatNumber(x),
      )}
      <tr>
        <td>top-1 (share of the set)</td>
        ${SIDES.map(
          (side) => html`<td class="num" data-stat="top1" data-side=${side} data-text=${r[side].normalized.top1.text} data-value=${String(r[side].normalized.top1.prob)}>
            <code class="tok">${shown(r[side].normalized.top1.text)}</code> ${formatPercent(r[side].normalized.top1.prob)}
          </td>`,
        )}
      </tr>
    </tbody>
  </table>`;
}

export function chartConfig(r: AtT): ChartConfiguration {
  const many = r.base.choices.length > 30;
  return {
    type: 'bar',
    data: {
      labels: r.base.choices.map((c) => shown(c.text)),
      datasets: SIDES.map((side) => ({
        label: side,
        data: r[side].choices.map((c) => c.share),
        backgroundColor: MODEL_COLORS[side],
        borderWidth: 0,
        categoryPercentage: many ? 1 : 0.8,
        barPercentage: many ? 1 : 0.9,
      })),
    },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { ticks: { autoSkip: true, maxRotation: 0, font: { size: 10 } }, grid: { display: !many } },
        y: { beginAtZero: true, title: { display: true, text: 'share of the set' } },
      },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: { callbacks: { label: (ctx) => `${String(ctx.dataset.label)}: ${formatPercent(Number(ctx.parsed.y))}` } },
      },
    },
  };
}

export function renderTable(r: AtT, sortBy: Side, onSort: (s: Side) => void) {
  const n = r.base.choices.length;
  // Most likely first under the chosen model (raw probability, ties in the set's order).
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => r[sortBy].choices[b]!.prob - r[sortBy].choices[a]!.prob || a - b);
  return html`<div class="row" style=${inlineStyle('margin-bottom:0.3rem')}>
      <h3 style=${inlineStyle('margin:0')}>Candidates, most likely first under</h3>
      <select id="sort" aria-label="Sort by model" @change=${(e: Event) => onSort((e.target as HTMLSelectElement).value as Side)}>
        ${SIDES.map((side) => html`<option value=${side} ?selected=${sortBy === side}>${side}</option>`)}
      </select>
    </div>
    <div class="scroll">
      <table id="candidates">
        <thead>
          <tr>
            <th class="num">#</th>
            <th>candidate</th>
            <th class="num">tokens</th>
            <th class="num base" title="raw probability of prefix + candidate + suffix after the base's context and frame">raw p base</th>
            <th class="num base" title="share of the set: the raw probability (less any longer candidate's path it starts) renormalised over the candidates">share</th>
            <th class="num tuned" title="raw probability of prefix + candidate + suffix after the tuned model's context and frame">raw p tuned</th>
            <th class="num tuned" title="share of the set: the raw probability (less any longer candidate's path it starts) renormalised over the candidates">share</th>
          </tr>
        </thead>
        <tbody>
          ${order.map((i, rank) => {
            const b = r.base.choices[i]!;
            const t = r.tuned.choices[i]!;
            return html`<tr data-candidate=${b.text} data-prob-base=${String(b.prob)} data-prob-tuned=${String(t.prob)} data-share-base=${String(b.share)} data-share-tuned=${String(t.share)}>
              <td class="num">${rank + 1}</td>
              <td><code class="tok">${shown(b.text)}</code></td>
              <td class="num" title=${`base ${b.ids.length}, tuned ${t.ids.length} tokens with prefix and suffix`}>${b.ids.length === t.ids.length ? b.ids.length : `${b.ids.length} / ${t.ids.length}`}</td>
              <td class="num">${formatPercent(b.prob)}</td>
              <td class="num">${formatPercent(b.share)}</td>
              <td class="num">${formatPercent(t.prob)}</td>
              <td class="num">${formatPercent(t.share)}</td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>`;
}

/** The free answers table of a result that has them (both sides). */
export function renderFreeTable(choices: string[], f: Record<Side, FreeAnswers>) {
  return html`<table class="data" id="free-table">
      <thead>
        <tr>
          <th>answer</th>
          <th class="num base">base</th>
          <th class="num tuned">tuned</th>
        </tr>
      </thead>
      <tbody>
        ${choices
          .map((c, i) => ({ c, i }))
          .filter(({ i }) => f.base.counts[i]!.count + f.tuned.counts[i]!.count > 0)
          .map(
            ({ c, i }) => html`<tr data-free=${c} data-base=${f.base.counts[i]!.count} data-tuned=${f.tuned.counts[i]!.count}>
              <td><code class="tok">${shown(c)}</code></td>
              <td class="num">${f.base.counts[i]!.count} (${formatPercent(f.base.counts[i]!.fraction)})</td>
              <td class="num">${f.tuned.counts[i]!.count} (${formatPercent(f.tuned.counts[i]!.fraction)})</td>
            </tr>`,
          )}
        <tr data-free-other data-base=${f.base.other} data-tuned=${f.tuned.other}>
          <td>other</td>
          <td class="num">${f.base.other} (${formatPercent(f.base.other_fraction)})</td>
          <td class="num">${f.tuned.other} (${formatPercent(f.tuned.other_fraction)})</td>
        </tr>
      </tbody>
    </table>
    <details>
      <summary>The samples</summary>
      ${SIDES.map(
        (side) => html`<h4>${side}</h4>
          <ol>
            ${f[side].samples.map((x) => html`<li><span class="gen-inline">${x.text}</span> → ${x.answer ?? 'other'}</li>`)}
          </ol>`,
      )}
    </details>`;
}
