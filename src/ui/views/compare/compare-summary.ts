/** The compare view's summary (classes with their noise floor, mean KL, branching factors, γ, cross-
 *  scoring, exports), the shifted tokens and every position. Renders result data only. */
import { html, nothing } from 'lit';
import type { CompareData } from '../../../lab/experiments/compare';
import { visibleToken } from '../../../lab/tokens';
import { formatNumber, formatPercent } from '../../format';
import { inlineStyle } from '../../styles';

export interface ExportUrls {
  json: string;
  csv: string;
}

export function renderSummary(r: CompareData, urls: ExportUrls | null) {
  const s = r.summary;
  const c = s.controls;
  const counted = r.positions.filter((p) => p.counted);
  const counts = { unshifted: 0, marginal: 0, shifted: 0 };
  for (const p of counted) counts[p.class]++;
  const left = r.positions.length - counted.length;
  const floor = (key: 'unshifted' | 'marginal' | 'shifted') => {
    const v = c[`${key}_on_neutral_text`];
    return html`<span class="floor" data-control=${`${key}_on_neutral_text`} data-value=${String(v)}>human text: ${formatPercent(v)}</span>`;
  };
  const bf = (v: number | null) => (v === null ? '—' : formatNumber(v, 2));
  return html`<div class="card" id="summary">
    <h3>Summary over ${counted.length} response tokens${left ? html` <span class="status">(the tuned end-of-turn token is shown but not classed)</span>` : nothing}</h3>
    <p class="status" data-controls-note>
      Noise floor beside each figure: the same quantity on ${c.tokens} tokens of held-out human text (Brown ${c.docs.join(', ')}, documents the base did not train on), scored as plain
      text. A tuned answer is only "shifted" where its figure stands above the human text's.
    </p>
    <dl class="summary">
      <div><dt>unshifted (base rank 1)</dt><dd data-summary="unshifted" data-value=${String(s.unshifted)}>${formatPercent(s.unshifted)} · ${counts.unshifted} ${floor('unshifted')}</dd></div>
      <div><dt>marginal (base rank 2–3)</dt><dd data-summary="marginal" data-value=${String(s.marginal)}>${formatPercent(s.marginal)} · ${counts.marginal} ${floor('marginal')}</dd></div>
      <div><dt>shifted (base rank &gt; 3)</dt><dd data-summary="shifted" data-value=${String(s.shifted)}>${formatPercent(s.shifted)} · ${counts.shifted} ${floor('shifted')}</dd></div>
      <div>
        <dt>mean KL(tuned‖base)</dt>
        <dd data-summary="mean_kl" data-value=${String(s.mean_kl)}>
          ${formatNumber(s.mean_kl, 4)} nats
          <span class="floor" data-control="mean_kl_on_neutral_text" data-value=${String(c.mean_kl_on_neutral_text)}>human text: ${formatNumber(c.mean_kl_on_neutral_text, 4)} nats</span>
        </dd>
      </div>
      <div>
        <dt title="Yang & Holtzman (2025): exp of the mean per-position entropy over each model's own samples at T = 1">branching factor (Y&amp;H, own samples) base / tuned</dt>
        <dd data-summary="bf_on_policy" data-base=${String(s.bf_on_policy_base)} data-tuned=${String(s.bf_on_policy_tuned)}>
          ${bf(s.bf_on_policy_base)} / ${bf(s.bf_on_policy_tuned)}
          <span class="floor">${s.bf_on_policy_base === null ? 'no samples asked for' : `${r.on_policy?.base.length ?? 0} samples each at T = 1`}</span>
        </dd>
      </div>
      <div>
        <dt title="Y&H's nudging: the base's exp(mean entropy) along the tuned model's own samples (after its prefixes), to compare with the base's own">base after the tuned prefixes (nudging)</dt>
        <dd data-summary="bf_nudged_base" data-value=${String(s.bf_nudged_base)}>${bf(s.bf_nudged_base)} <span class="floor">vs ${bf(s.bf_on_policy_base)} after its own</span></dd>
      </div>
      <div>
        <dt title="exp(mean entropy) of each model along THIS response, teacher-forced: not Y&H's branching factor">teacher-forced exp(mean H) along this response, base / tuned</dt>
        <dd data-summary="branching" data-base=${String(s.branching_factor_base)} data-tuned=${String(s.branching_factor_tuned)}>
          ${formatNumber(s.branching_factor_base, 2)} / ${formatNumber(s.branching_factor_tuned, 2)}
        </dd>
      </div>
      <div>
        <dt title="The base logits times γ, with γ fitted to minimise the mean KL(tuned‖base^γ)">sharpened base: γ</dt>
        <dd data-summary="gamma" data-value=${String(s.gamma)}>${formatNumber(s.gamma, 3)}</dd>
      </div>
      <div>
        <dt>mean KL(tuned‖base^γ)</dt>
        <dd data-summary="mean_kl_sharpened" data-value=${String(s.mean_kl_sharpened)}>${formatNumber(s.mean_kl_sharpened, 4)} nats</dd>
      </div>
      <div>
        <dt title="1 − KL(tuned‖base^γ) / KL(tuned‖base): the share of the shift that sharpening the base explains">sharpening explains</dt>
        <dd data-summary="sharpening_explains" data-value=${String(s.sharpening_explains)}>${formatPercent(s.sharpening_explains)} of the shift</dd>
      </div>
    </dl>
    ${r.cross ? renderCross(r) : nothing}
    <div class="exports" style=${inlineStyle('margin-top:0.6rem')}>
      ${urls
        ? html`<a id="export-json" href=${urls.json} download="compare.json">Export JSON</a>
            <a id="export-csv" href=${urls.csv} download="compare-positions.csv">Export CSV (positions)</a>`
        : nothing}
      <span class="status">JSON in the shape of <code>lab compare --json</code></span>
    </div>
  </div>`;
}

function renderCross(r: CompareData) {
  const c = r.cross!;
  const row = (who: 'base' | 'tuned', g: typeof c.base_greedy) =>
    html`<tr data-cross=${who} data-logp-base=${String(g.logp_base)} data-logp-tuned=${String(g.logp_tuned)}>
      <td>${who}'s greedy answer</td>
      <td class="text">${g.text}</td>
      <td class="num">${g.ids.length}</td>
      <td class="num">${formatNumber(g.logp_base, 2)}</td>
      <td class="num">${formatNumber(g.logp_tuned, 2)}</td>
    </tr>`;
  return html`<h3 style=${inlineStyle('margin-top:0.8rem')}>Cross-scoring</h3>
    <table class="cross">
      <thead>
        <tr>
          <th>answer</th>
          <th>text</th>
          <th class="num">tokens</th>
          <th class="num" title="sum of the tokens' natural log-probabilities">log p under base</th>
          <th class="num">log p under tuned</th>
        </tr>
      </thead>
      <tbody>
        ${row('base', c.base_greedy)} ${row('tuned', c.tuned_greedy)}
      </tbody>
    </table>`;
}

export function renderShifted(r: CompareData) {
  return html`<div>
    <h3>Shifted tokens</h3>
    ${r.shifted_tokens.length === 0
      ? html`<p class="status">No token of this response is shifted (every one is in the base's top 3).</p>`
      : html`<div class="scroll">
          <table id="shifted">
            <thead>
              <tr><th>token</th><th class="num">count</th></tr>
            </thead>
            <tbody>
              ${r.shifted_tokens.map(
                (t) => html`<tr data-count=${t.count}>
                  <td><code>${visibleToken(t.text)}</code></td>
                  <td class="num">${t.count}</td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>`}
  </div>`;
}

export function renderPositions(r: CompareData) {
  return html`<div class="card">
    <h3>Every position</h3>
    <div class="scroll">
      <table id="positions">
        <thead>
          <tr>
            <th class="num">#</th>
            <th>token</th>
            <th class="num">p base</th>
            <th class="num">p tuned</th>
            <th class="num">rank b</th>
            <th class="num">rank t</th>
            <th class="num" title="KL(tuned ‖ base) over the whole vocabulary, nats">KL</th>
            <th class="num" title="entropy of the base's distribution, nats">H base</th>
            <th class="num" title="entropy of the tuned model's distribution, nats">H tuned</th>
            <th>class</th>
            <th class="num" title="KL(tuned ‖ base^γ): what is left of the shift after sharpening the base">KL to base<span style=${inlineStyle('text-transform:none')}>^γ</span></th>
            <th>base top-1</th>
          </tr>
        </thead>
        <tbody>
          ${r.positions.map(
            (p, i) => html`<tr
              data-pos=${i}
              data-token-id=${p.id}
              data-logp-base=${String(p.logp_base)}
              data-logp-tuned=${String(p.logp_tuned)}
              data-rank-base=${p.rank_base}
              data-rank-tuned=${p.rank_tuned}
              data-kl=${String(p.kl_tuned_base)}
              data-entropy-base=${String(p.entropy_base)}
              data-entropy-tuned=${String(p.entropy_tuned)}
              data-class=${p.class}
              data-counted=${p.counted ? '1' : '0'}
              data-kl-sharpened=${String(p.kl_tuned_sharpened)}
            >
              <td class="num">${i}</td>
              <td><code>${visibleToken(p.text)}</code></td>
              <td class="num">${formatPercent(Math.exp(p.logp_base))}</td>
              <td class="num">${formatPercent(Math.exp(p.logp_tuned))}</td>
              <td class="num">${p.rank_base}</td>
              <td class="num">${p.rank_tuned}</td>
              <td class="num">${formatNumber(p.kl_tuned_base)}</td>
              <td class="num">${formatNumber(p.entropy_base)}</td>
              <td class="num">${formatNumber(p.entropy_tuned)}</td>
              <td>${p.counted ? html`<span class="tok ${p.class}">${p.class}</span>` : html`<span class="tok uncounted" title="the tuned end-of-turn token: not classed">not classed</span>`}</td>
              <td class="num">${formatNumber(p.kl_tuned_sharpened)}</td>
              <td><code>${visibleToken(p.top1_base.text)}</code></td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </div>`;
}
