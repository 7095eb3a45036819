/**
 * The injection view's result rendering, from a result's data only (live or stored; no engine): per model the
 * outcome(s), the threshold, the clean tokens (click one to inject after it, unless read-only), the aligned
 * diff, the two texts; the charts; the trace table; the heatmap tables. Model text is rendered as text.
 */
import { html, nothing } from 'lit';
import type { InjectData, InjectHeatmap, InjectSettings, InjectSide, Side } from '../../../lab/experiments/inject';
import type { InjectResult, Outcome, TraceBand } from '../../../lab/inject';
import { visibleToken } from '../../../lab/tokens';
import { formatNumber, formatScientific } from '../../format';
import { inlineStyle } from '../../styles';
import type { traceCharts } from './inject-export';

export const HEADING: Record<Side, string> = { base: 'Base', tuned: 'Tuned' };
const SIDES: Side[] = ['base', 'tuned'];
const OUTCOME_TEXT: Record<Outcome, string> = { recovered: 'recovered', ended: 'ended (closed its turn or the text)', diverged: 'diverged' };

/** Cell colour of an outcome: green when it recovers at once, towards yellow the later, blue when the run
 *  ended off the trajectory, red when it diverged. */
function heatColor(step: number | null, outcome: Outcome, steps: number): string {
  if (outcome === 'ended') return 'hsl(210 60% 84%)';
  if (step === null) return 'hsl(0 70% 82%)';
  const f = Math.min(1, step / Math.max(1, steps - 1));
  return `hsl(${Math.round(130 - 100 * f)} 60% ${Math.round(85 - 8 * f)}%)`;
}

function renderOutcome(r: InjectResult) {
  return html`${OUTCOME_TEXT[r.outcome]}${r.recovery_step !== null ? html` at step <strong>${r.recovery_step}</strong>, offset ${r.recovery_offset! > 0 ? '+' : ''}${r.recovery_offset}` : nothing}${r.ended_step !== null
    ? html`; ended at step ${r.ended_step} (p(end) ${formatNumber(r.trace[r.ended_step]!.p_end, 3)})`
    : nothing}`;
}

function renderDiff(m: Side, side: InjectSide, sampled: boolean) {
  return html`<div class="field">
    <span class="hint">Clean and injected continuations aligned token by token${sampled ? ' (run 1)' : ''}: green = the same token; the injection in orange</span>
    <div class="diff" data-diff role="group" aria-label=${`${HEADING[m]}: clean and injected continuations aligned token by token`}>
      <span class="legend" aria-hidden="true"><span>clean</span><span>injected</span></span>
      ${side.display.diff.map(
        (c) => html`<span class="col" data-op=${c.op}
          ><span class="c" data-clean>${c.clean === null ? '' : visibleToken(c.clean)}</span><span class="i" data-injected-token>${c.injected === null ? '' : visibleToken(c.injected)}</span></span
        >`,
      )}
    </div>
  </div>`;
}

function renderSide(m: Side, side: InjectSide, s: InjectSettings, chooseK: ((k: number) => void) | null) {
  const K = side.after_tokens;
  const sampled = s.mode === 'sampled';
  const runs = side.sampled?.runs ?? [side];
  const skipped = side.sampled?.skipped ?? [];
  const t = side.threshold;
  return html`<div
    data-inject-model=${m}
    data-outcome=${side.outcome}
    data-recovery=${side.recovery_step === null ? 'none' : String(side.recovery_step)}
    data-recovery-offset=${side.recovery_offset === null ? 'none' : String(side.recovery_offset)}
    data-ended=${side.ended_step === null ? 'none' : String(side.ended_step)}
    data-threshold=${String(t.effective)}
    data-context=${side.clean.context.join(',')}
  >
    <h3><span class="model-${m}">${HEADING[m]}</span> · template ${side.template}</h3>
    <p class="recovery" data-outcome-text>
      ${sampled
        ? html`Outcomes over ${runs.length} runs: <strong>${side.outcomes.recovered} recovered</strong>, ${side.outcomes.ended} ended, ${side.outcomes.diverged} diverged
            <span class="muted">(recovery steps: ${runs.map((r) => (r.recovery_step === null ? '—' : r.recovery_step)).join(', ')}; no-injection controls:
              ${runs.filter((r) => r.control?.outcome === 'recovered').length} of ${runs.length} recovered)</span>
            ${skipped.length
              ? html`<br /><span class="notice" data-skipped=${skipped.length}
                    >${skipped.length} seed(s) left out — the clean run closed before K: ${skipped.map((x) => `seed ${x.seed} after ${x.clean_length} tokens`).join(', ')}</span
                  >`
              : nothing}`
        : html`Outcome: ${renderOutcome(side)}`}
    </p>
    <p class="hint">
      τ = max(${t.nats}, ${t.relative} × mean entropy ${formatNumber(t.mean_entropy, 3)} nats) = ${formatNumber(t.effective, 3)} nats · window ±${side.window} · run
      ${side.run}${side.clean_ended_step !== null ? html` · the clean run ended at its token ${side.clean_ended_step + 1}` : nothing}
    </p>
    <div class="field">
      <span class="hint">Clean continuation${sampled ? ' (run 1)' : ''}${chooseK ? ': click a token to inject after it' : ''}</span>
      <div class="tokens" role="group" aria-label=${`${HEADING[m]} clean continuation tokens`}>
        ${side.display.clean_tokens.map(
          (tok, i) => html`${i === K ? html`<span class="cut" aria-hidden="true" title="injection point">▼</span>` : nothing}<button
              class=${i >= K ? 'after' : ''}
              title=${`token ${i + 1} (id ${side.clean.continuation[i]})${chooseK ? ': inject after it' : ''}`}
              aria-label=${`Inject after token ${i + 1}: ${visibleToken(tok)}`}
              ?disabled=${!chooseK}
              @click=${() => chooseK?.(i + 1)}
            >${visibleToken(tok)}</button>`,
        )}
      </div>
    </div>
    ${renderDiff(m, side, sampled)}
    <span class="hint">Clean run</span>
    <div class="gen" data-clean>${side.display.prefix}${side.display.clean}</div>
    <span class="hint">Injected run${sampled ? ' (run 1)' : ''}</span>
    <div class="gen" data-injected>${side.display.prefix}<mark>${side.display.injection}</mark>${side.display.continuation}</div>
  </div>`;
}

function cell(key: string, v: number | null | undefined, digits = 4) {
  if (v === null || v === undefined) return html`<td data-key=${key} data-value="">—</td>`;
  return html`<td data-key=${key} data-value=${String(v)}>${Math.abs(v) < 1e-3 && v !== 0 ? formatScientific(v, 2) : formatNumber(v, digits)}</td>`;
}

function renderTable(s: InjectSettings, data: InjectData) {
  const models = s.sides.filter((m) => data[m]);
  const sampled = s.mode === 'sampled';
  const rows = Math.max(...models.map((m) => (sampled ? data[m]!.sampled!.band.length : data[m]!.trace.length)), 0);
  const steps = Array.from({ length: rows }, (_, t) => t);
  return html`<div class="table-wrap">
    <table class="data" data-table="trace">
      <thead>
        <tr>
          <th>step</th>
          ${models.map((m) =>
            sampled
              ? html`<th>${m} mean aligned KL</th>
                  <th>${m} min</th>
                  <th>${m} max</th>
                  <th>${m} sd</th>
                  <th>${m} runs</th>
                  <th>${m} no-injection mean</th>
                  <th>${m} no-injection min</th>
                  <th>${m} no-injection max</th>
                  <th>${m} mean log p</th>
                  <th>${m} mean p(end)</th>`
              : html`<th>${m} KL same offset</th>
                  <th>${m} KL aligned</th>
                  <th>${m} offset</th>
                  <th>${m} log p clean next</th>
                  <th>${m} p(end)</th>`,
          )}
        </tr>
      </thead>
      <tbody>
        ${steps.map(
          (t) => html`<tr data-step=${t}>
            <td>${t}</td>
            ${models.map((m) => {
              const side = data[m]!;
              if (sampled) {
                const b = side.sampled!;
                const at = (xs: TraceBand[]) => xs.find((x) => x.step === t);
                const k = at(b.band);
                const c = at(b.control_band);
                return html`${cell(`${m}.kl_mean`, k?.mean)} ${cell(`${m}.kl_min`, k?.min)} ${cell(`${m}.kl_max`, k?.max)} ${cell(`${m}.kl_sd`, k?.sd)}
                ${cell(`${m}.n`, k?.n, 0)} ${cell(`${m}.control_mean`, c?.mean)} ${cell(`${m}.control_min`, c?.min)} ${cell(`${m}.control_max`, c?.max)}
                ${cell(`${m}.logp_mean`, at(b.band_logp_clean_next)?.mean)} ${cell(`${m}.p_end_mean`, at(b.band_p_end)?.mean)}`;
              }
              const p = side.trace[t];
              return html`${cell(`${m}.kl`, p?.kl)} ${cell(`${m}.kl_aligned`, p?.kl_aligned)} ${cell(`${m}.aligned_offset`, p?.aligned_offset, 0)}
              ${cell(`${m}.logp_clean_next`, p?.logp_clean_next)} ${cell(`${m}.p_end`, p?.p_end)}`;
            })}
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/** The trace card of a result: per model, the charts, the table. */
export function renderTrace(s: InjectSettings, data: InjectData, charts: ReturnType<typeof traceCharts>, chooseK: ((k: number) => void) | null) {
  const models = s.sides.filter((m) => data[m]);
  return html`<div class="card" data-section="trace">
    <h2>Trace after injecting at K = ${s.after_tokens}${s.mode === 'sampled' ? ` (${s.runs} sampled runs, mean and min–max band; grey: no-injection band)` : ''}</h2>
    <div class="columns">${models.map((m) => renderSide(m, data[m]!, s, chooseK))}</div>
    <div class="charts" style=${inlineStyle('margin-top: 0.8rem')}>
      <figure>
        <figcaption>KL(injected ‖ clean) per step: aligned (best clean position within ±W)${s.mode === 'greedy' ? ' and same offset' : ', with the no-injection band'}; each model's threshold τ dashed</figcaption>
        <lab-chart data-chart="kl" .config=${charts.kl} label="KL divergence between the injected run's and the clean run's next-token distributions per step, base and tuned"></lab-chart>
      </figure>
      <figure>
        <figcaption>log p of the clean run's next token, under the injected context</figcaption>
        <lab-chart data-chart="logp" .config=${charts.logp} label="Log-probability of the clean run's next token under the injected context per step"></lab-chart>
      </figure>
      <figure>
        <figcaption>p(end) along the injected run (end of text or end of turn)</figcaption>
        <lab-chart data-chart="p-end" .config=${charts.pEnd} label="Probability of the stop tokens per step of the injected run"></lab-chart>
      </figure>
    </div>
    <details>
      <summary>Trace values (table)</summary>
      ${renderTable(s, data)}
    </details>
  </div>`;
}

/** The heatmap tables of a result (one per model that has one). */
export function renderHeatTables(steps: number, heat: Partial<Record<Side, InjectHeatmap | null>>) {
  return html`<div class="columns">
    ${SIDES.filter((m) => heat[m]).map((m) => {
      const x = heat[m]!;
      return html`<div class="table-wrap">
        <h3 class="model-${m}">${HEADING[m]}</h3>
        <table class="data heat" data-heatmap=${m}>
          <thead>
            <tr>
              <th class="text">injected text \\ K</th>
              ${x.after_tokens.map((k) => html`<th>K = ${k}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${x.injections.map(
              (text, i) => html`<tr>
                <th class="text"><span class="mono">${visibleToken(text)}</span></th>
                ${x.after_tokens.map((k, j) => {
                  const rec = x.recovery[i]![j]!;
                  const out = x.outcome[i]![j]!;
                  const kl = x.mean_kl[i]![j]!;
                  return html`<td
                    class="cell"
                    style=${inlineStyle(`background: ${heatColor(rec, out, steps)}`)}
                    data-k=${k}
                    data-recovery=${rec === null ? 'none' : String(rec)}
                    data-outcome=${out}
                    data-mean-kl=${kl === null ? '' : String(kl)}
                    title=${`K = ${k}: ${out}${rec !== null ? ` at step ${rec}` : ''}, mean aligned KL ${kl === null ? '—' : kl}`}
                  >
                    <strong>${rec !== null ? rec : out === 'ended' ? 'ended' : '—'}</strong><br /><small>KL ${kl === null ? '—' : formatNumber(kl, 3)}</small>
                  </td>`;
                })}
              </tr>`,
            )}
          </tbody>
        </table>
      </div>`;
    })}
  </div>`;
}
