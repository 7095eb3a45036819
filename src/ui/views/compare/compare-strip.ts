/** The compare view's token strip: the response coloured by URIAL class or by KL, and the inspector
 *  with both models' top alternatives at the selected position. Renders result data only. */
import { html, nothing } from 'lit';
import type { Alternative, PositionRecord } from '../../../lab/compare';
import type { CompareData } from '../../../lab/experiments/compare';
import { visibleToken } from '../../../lab/tokens';
import { formatNumber, formatPercent } from '../../format';
import { inlineStyle } from '../../styles';

export type ColorBy = 'class' | 'kl';

export interface StripOptions {
  selected: number;
  colorBy: ColorBy;
  onSelect(i: number): void;
  onColor(c: ColorBy): void;
  onKey(e: KeyboardEvent, i: number, n: number): void;
}

/** Background for a token by KL: transparent at 0, full tuned colour at the largest KL of the response. */
export function klBackground(kl: number, max: number): string {
  const a = max > 0 ? Math.min(1, kl / max) : 0;
  return `rgba(217, 72, 15, ${(0.08 + 0.62 * a).toFixed(3)})`;
}

export function renderStrip(r: CompareData, o: StripOptions) {
  const maxKl = Math.max(0, ...r.positions.map((p) => p.kl_tuned_base));
  const n = r.positions.length;
  return html`<div class="card" id="strip-card">
    <div class="row">
      <h3 style=${inlineStyle('margin:0')}>Response, token by token <span class="status">— ${r.response.text}</span></h3>
      <span role="radiogroup" aria-label="Colour tokens by" class="row" style=${inlineStyle('margin-left:auto')}>
        <label><input type="radio" name="color" value="class" .checked=${o.colorBy === 'class'} @change=${() => o.onColor('class')} />URIAL class</label>
        <label><input type="radio" name="color" value="kl" .checked=${o.colorBy === 'kl'} @change=${() => o.onColor('kl')} />KL(tuned‖base)</label>
      </span>
    </div>
    <div class="legend">
      ${o.colorBy === 'class'
        ? html`<span class="tok unshifted">unshifted</span> base rank 1 <span class="tok marginal">marginal</span> rank 2–3
            <span class="tok shifted">shifted</span> rank &gt; 3 (under the base)
            <span class="tok uncounted">end</span> the tuned end-of-turn token, not classed`
        : html`<span class="tok" style=${inlineStyle(`background:${klBackground(0, 1)}`)}>0</span> …
            <span class="tok" style=${inlineStyle(`background:${klBackground(1, 1)}`)}>${formatNumber(maxKl)}</span> nats (the largest KL in this response)`}
      <span>· hover or focus a token (← → to move) for both models' top 5</span>
    </div>
    <div class="strip" role="list" aria-label="Response tokens">
      ${r.positions.map(
        (p, i) => html`<span
          role="listitem"
          tabindex=${i === o.selected ? 0 : -1}
          class="tok ${o.colorBy === 'class' ? (p.counted ? p.class : 'uncounted') : ''} ${i === o.selected ? 'selected' : ''}"
          style=${inlineStyle(o.colorBy === 'kl' ? `background:${klBackground(p.kl_tuned_base, maxKl)}` : '')}
          data-pos=${i}
          data-class=${p.class}
          data-counted=${p.counted ? '1' : '0'}
          data-token-id=${p.id}
          aria-label=${`${visibleToken(p.text)}: ${p.counted ? p.class : 'end of turn, not classed'}, base rank ${p.rank_base}, KL ${formatNumber(p.kl_tuned_base)}`}
          title=${`${p.class} · p base ${formatPercent(Math.exp(p.logp_base))} · p tuned ${formatPercent(Math.exp(p.logp_tuned))} · KL ${formatNumber(p.kl_tuned_base)}`}
          @mouseenter=${() => o.onSelect(i)}
          @focus=${() => o.onSelect(i)}
          @keydown=${(e: KeyboardEvent) => o.onKey(e, i, n)}
          >${visibleToken(p.text)}</span
        >`,
      )}
    </div>
    ${renderInspector(r.positions[o.selected], o.selected)}
  </div>`;
}

function renderAlts(side: 'base' | 'tuned', alts: Alternative[], actual: number) {
  return html`<div>
    <h4 class=${side}>${side} top ${alts.length}</h4>
    <table data-alternatives=${side}>
      <tbody>
        ${alts.map(
          (a, i) => html`<tr class=${a.id === actual ? 'hit' : ''} data-token-id=${a.id} data-prob=${String(a.prob)}>
            <td class="num" style=${inlineStyle('width:1.5rem')}>${i + 1}</td>
            <td><code>${visibleToken(a.text)}</code></td>
            <td class="num">${formatPercent(a.prob)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

function renderInspector(p: PositionRecord | undefined, selected: number) {
  if (!p) return nothing;
  return html`<div class="inspector" aria-live="polite" data-inspected=${selected}>
    <div class="row">
      <span>Position ${selected}: <code>${visibleToken(p.text)}</code></span>
      <span>p base <b>${formatPercent(Math.exp(p.logp_base))}</b> (rank ${p.rank_base})</span>
      <span>p tuned <b>${formatPercent(Math.exp(p.logp_tuned))}</b> (rank ${p.rank_tuned})</span>
      <span>KL ${formatNumber(p.kl_tuned_base)} nats · ${p.counted ? p.class : 'end of turn, not classed'}</span>
    </div>
    <div class="alts">${renderAlts('base', p.top_base, p.id)} ${renderAlts('tuned', p.top_tuned, p.id)}</div>
  </div>`;
}
