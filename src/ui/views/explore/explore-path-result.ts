/**
 * A loom path result (live from "Save this path", or stored in the library): the text coloured by the
 * driving model's probability of each token, the path's log-probability per model, and per step both
 * models' numbers (probability and rank of the token taken, entropy, KL(tuned ‖ base), the top
 * alternatives). Renders only what the result holds: no engine, no tokenizer. Model text is text.
 * Full-precision numbers are in `data-*` attributes for tests.
 */
import { html, nothing } from 'lit';
import type { LoomData, LoomStepSide, Side } from '../../../lab/experiments/loom';
import { displayTexts, visibleToken } from '../../../lab/tokens';
import { formatNumber, formatPercent } from '../../format';
import { inlineStyle } from '../../styles';
import { NAMES, probColor, settingsLabel } from './explore-util';

const TOP_SHOWN = 5;

function sidesOf(data: LoomData): Side[] {
  return (['base', 'tuned'] as const).filter((s) => data.steps[0]?.sides[s]);
}

function alternatives(x: LoomStepSide | undefined) {
  if (!x) return nothing;
  return x.top.slice(0, TOP_SHOWN).map((r) => html`<code class="t" title=${`rank ${r.rank}, ${formatPercent(r.prob)}`}>${visibleToken(r.text)}</code> `);
}

export function renderLoomResult(data: LoomData, prompt: string) {
  const sides = sidesOf(data);
  const drive = sides.includes(data.drive) ? data.drive : sides[0]!;
  const shown = displayTexts([...data.prompt_tokens.map((t) => t.text), ...data.path.map((t) => t.text)]);
  const n = data.prompt_tokens.length;
  return html`<section class="card path-result" data-path-result data-path=${data.path.map((t) => t.id).join('.')} data-prompt=${prompt}>
    <h3>Path through the loom: ${data.path.length} tokens</h3>
    <p class="note">
      ${sides.map((s) => NAMES[s]).join(' and ')} · template ${data.template} · processed = ${settingsLabel(data.sampling)} · coloured by the
      ${NAMES[drive]} model's probability of each token
    </p>
    <div class="path-text" data-path-text
      ><span class="prompt">${shown.slice(0, n).join('')}</span>${data.path.map((_, i) => {
        const chosen = data.steps[i]!.sides[drive]?.chosen;
        return html`<span class="tok" data-step=${i} style=${inlineStyle(chosen ? `background:${probColor(chosen.logprob)}` : '')}>${shown[n + i]}</span>`;
      })}</div
    >
    <div class="stats">
      ${sides.map(
        (s) => html`<span data-model=${s} data-saved-logprob=${String(data.path_logprob[s] ?? '')}>${NAMES[s]}: log p(path) <b>${formatNumber(data.path_logprob[s] ?? NaN)}</b></span>`,
      )}
    </div>
    <table class="dist path-steps">
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col">Token</th>
          ${sides.map((s) => html`<th scope="col" class="num">${NAMES[s]} p</th><th scope="col" class="num">rank</th><th scope="col" class="num">entropy</th>`)}
          ${sides.length === 2 ? html`<th scope="col" class="num" title="KL(tuned ‖ base) of the raw distributions, nats">KL(t‖b)</th>` : nothing}
          ${sides.map((s) => html`<th scope="col">${NAMES[s]} top ${TOP_SHOWN}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${data.steps.map(
          (st, i) => html`<tr data-step=${i} data-token-id=${st.token ?? ''} data-kl=${st.kl_tuned_base === null ? '' : String(st.kl_tuned_base)}>
            <td>${i}</td>
            <td>${st.token === null ? html`<span class="muted">(next)</span>` : html`<code class="t">${visibleToken(data.path[i]!.text)}</code>`}</td>
            ${sides.map((s) => {
              const x = st.sides[s];
              return html`<td class="num" data-model=${s} data-prob=${x?.chosen ? String(x.chosen.prob) : ''}>${x?.chosen ? formatPercent(x.chosen.prob) : ''}</td>
                <td class="num" data-rank=${x?.chosen ? String(x.chosen.rank) : ''}>${x?.chosen?.rank ?? ''}</td>
                <td class="num" data-entropy=${x ? String(x.entropy) : ''}>${x ? formatNumber(x.entropy) : ''}</td>`;
            })}
            ${sides.length === 2 ? html`<td class="num">${st.kl_tuned_base === null ? '' : formatNumber(st.kl_tuned_base)}</td>` : nothing}
            ${sides.map((s) => html`<td>${alternatives(st.sides[s])}</td>`)}
          </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}
