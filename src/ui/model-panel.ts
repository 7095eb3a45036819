/**
 * `<model-panel>`: one model of the pair — backend badge, load progress (Cancel / Retry), model
 * facts, errors, and the next-token distribution after the shared context.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ModelInfo } from '../engine/types';
import type { NextTokenSide } from '../lab/experiments/next-token';
import { visibleToken } from '../lab/tokens';
import { errorHelp } from './error-help';
import { LoadCancelEvent, LoadRetryEvent, ModelStepEvent } from './events';
import { formatBytes, formatInt, formatMB, formatNumber, formatPercent } from './format';
import type { ShownError, SlotState } from './model-slot';
import type { Side } from './params';
import { shared } from './styles';
import './token-table';

function backendBadge(info: ModelInfo): { label: string; detail: string } {
  if (info.backend === 'webgpu') return { label: 'WebGPU', detail: info.adapter };
  if (info.backend === 'wasm') return { label: 'WASM', detail: info.adapter.replace(/^WASM,?\s*/i, '') };
  return { label: info.backend, detail: info.adapter };
}

/** What a panel shows under the model: its side of a next-token result (live or stored), or why not. */
export interface SideView {
  dist: NextTokenSide | null;
  error: ShownError | null;
  /** A run for the current context is pending or running (the shown numbers are the previous context's). */
  busy: boolean;
  /** Why there is no distribution, when that is not an error (e.g. an empty prompt). */
  notice: string | null;
}

@customElement('model-panel')
export class ModelPanel extends LitElement {
  static override styles = [
    shared,
    css`
      :host {
        display: block;
        min-width: 0;
      }
      section {
        background: var(--surface);
        border: 1px solid var(--border);
        border-radius: 10px;
        padding: 0.8rem 1rem 0.9rem;
        display: flex;
        flex-direction: column;
        gap: 0.6rem;
        height: 100%;
      }
      header {
        display: flex;
        align-items: baseline;
        gap: 0.6rem;
        flex-wrap: wrap;
      }
      h2 {
        margin: 0;
        font-size: 1.1rem;
      }
      .source {
        color: var(--muted);
        font-size: 0.85rem;
        overflow-wrap: anywhere;
      }
      .badge {
        margin-left: auto;
        display: inline-flex;
        align-items: center;
        gap: 0.35rem;
        border-radius: 999px;
        padding: 0.1rem 0.6rem;
        font-size: 0.8rem;
        border: 1px solid var(--border-strong);
        color: var(--muted);
        white-space: nowrap;
        max-width: 100%;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .badge strong {
        color: var(--text);
      }
      .badge.webgpu {
        border-color: var(--gpu);
      }
      .badge.webgpu strong {
        color: var(--gpu);
      }
      .facts {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 1rem;
        margin: 0;
        font-size: 0.85rem;
      }
      .facts div {
        display: flex;
        gap: 0.3rem;
      }
      .facts dt {
        color: var(--muted);
      }
      .facts dd {
        margin: 0;
        font-variant-numeric: tabular-nums;
      }
      .progress {
        display: flex;
        align-items: center;
        gap: 0.6rem;
        font-size: 0.85rem;
      }
      .progress progress {
        flex: 1;
        height: 0.7rem;
        accent-color: var(--accent);
      }
      .progress .bytes {
        font-variant-numeric: tabular-nums;
        color: var(--muted);
        white-space: nowrap;
      }
      .stats {
        display: flex;
        flex-wrap: wrap;
        gap: 0.3rem 1.2rem;
        font-size: 0.9rem;
        align-items: center;
      }
      .stats .k {
        color: var(--muted);
      }
      .stats b {
        font-variant-numeric: tabular-nums;
      }
      .stats button {
        margin-left: auto;
      }
      .status-line {
        color: var(--muted);
        font-size: 0.9rem;
      }
      .busy {
        opacity: 0.55;
        transition: opacity 0.15s;
      }
      .cancelled {
        display: flex;
        gap: 0.8rem;
        align-items: center;
      }
      details {
        font-size: 0.85rem;
      }
      summary {
        cursor: pointer;
        color: var(--muted);
      }
      .ctx {
        display: flex;
        flex-wrap: wrap;
        gap: 0.2rem;
        margin-top: 0.4rem;
      }
      .ctx code {
        background: var(--token-bg);
        border: 1px solid var(--border);
        border-radius: 4px;
        padding: 0 0.25rem;
        white-space: pre;
        font-size: 0.8rem;
      }
    `,
  ];

  @property({ reflect: true, attribute: 'data-model' }) side: Side = 'base';
  @property() heading = '';
  @property({ attribute: false }) slotState: SlotState | null = null;
  @property({ attribute: false }) sideView: SideView | null = null;
  /** Only the result (a stored run side by side): no Step button. */
  @property({ type: Boolean }) readonly = false;
  /** The model's source when no slot is shown (a stored run). */
  @property() storedSource = '';

  override updated(): void {
    const backend = this.slotState?.info?.backend;
    if (backend) this.dataset['backend'] = backend;
    else delete this.dataset['backend'];
  }

  private renderError(err: ShownError, what: string) {
    return html`<div class="error-box" role="alert" data-error=${err.name}>
      <div>${what}</div>
      <div><strong>${err.name}</strong>: ${err.message}</div>
      ${errorHelp(err)}
    </div>`;
  }

  private renderLoad(s: SlotState) {
    if (s.status === 'loading') {
      const p = s.progress;
      const building = p?.phase === 'session';
      const total = p?.overallTotal ?? 0;
      const loaded = p?.overallLoaded ?? 0;
      return html`<div class="progress">
        <progress
          aria-label=${`Loading ${this.heading}`}
          max=${building || !total ? nothing : total}
          value=${building || !total ? nothing : loaded}
        ></progress>
        <span class="bytes" data-progress-bytes=${loaded}>
          ${building ? 'building the session…' : total ? `${formatBytes(loaded)} / ${formatBytes(total)}` : 'starting…'}
          ${!building && p && p.loaded === 0 && p.total === 0
            ? html`<span class="muted" data-waiting-for=${p.file}> · waiting for ${p.file}…</span>`
            : nothing}
        </span>
        <button @click=${() => this.dispatchEvent(new LoadCancelEvent(this.side))}>Cancel</button>
      </div>`;
    }
    if (s.status === 'cancelled') {
      return html`<div class="cancelled" data-status="cancelled">
        <span class="status-line">Loading was cancelled.</span>
        <button class="primary" @click=${() => this.dispatchEvent(new LoadRetryEvent(this.side))}>Retry</button>
      </div>`;
    }
    if (s.status === 'error' && s.error) {
      return html`${this.renderError(s.error, 'This model could not be loaded.')}
        <div><button @click=${() => this.dispatchEvent(new LoadRetryEvent(this.side))}>Retry</button></div>`;
    }
    return nothing;
  }

  private renderFacts(info: ModelInfo) {
    return html`<dl class="facts">
      <div><dt>name</dt><dd class="mono">${info.name}</dd></div>
      <div><dt>type</dt><dd>${info.modelType}</dd></div>
      <div><dt>vocab</dt><dd>${formatInt(info.vocabSize)}</dd></div>
      <div><dt>context</dt><dd>${formatInt(info.contextLength)}</dd></div>
      <div><dt>layers</dt><dd>${info.numLayers}</dd></div>
      <div><dt>weights</dt><dd>${formatMB(info.weightBytes)} (${info.dtype})</dd></div>
      <div><dt>chat template</dt><dd>${info.hasChatTemplate ? 'yes' : 'no'}</dd></div>
      ${(info.notes ?? []).map((n) => html`<div data-load-note><dt>note</dt><dd>${n}</dd></div>`)}
    </dl>`;
  }

  private renderDistribution(v: SideView, view: NextTokenSide) {
    return html`
      <div class="stats">
        <span><span class="k">entropy</span> <b data-entropy=${String(view.next.entropy)}>${formatNumber(view.next.entropy)}</b> nats</span>
        <span
          ><span class="k">outside top ${view.next.top.length}</span>
          <b data-mass-outside=${String(view.next.mass_outside)}>${formatPercent(view.next.mass_outside)}</b></span
        >
        ${this.readonly
          ? nothing
          : html`<button
              @click=${() => this.dispatchEvent(new ModelStepEvent(this.side))}
              ?disabled=${v.busy || !view.next.top.length}
              title="Append this model's most likely token"
            >
              Step
            </button>`}
      </div>
      <token-table class=${v.busy ? 'busy' : ''} .entries=${view.next.top} side=${this.side}></token-table>
      <details>
        <summary>Context as ${this.heading.toLowerCase()} reads it: ${view.tokens.length} tokens</summary>
        <div class="ctx" data-context=${view.tokens.map((t) => t.id).join(',')}>
          ${view.tokens.map((t) => html`<code title=${`id ${t.id}`}>${visibleToken(t.text)}</code>`)}
        </div>
      </details>
    `;
  }

  override render() {
    const s = this.slotState;
    const v = this.sideView;
    const info = s?.info ?? null;
    const badge = info ? backendBadge(info) : null;
    return html`<section aria-labelledby="h" aria-busy=${s?.status === 'loading' || v?.busy ? 'true' : 'false'}>
      <header>
        <h2 id="h">${this.heading}</h2>
        <span class="source mono">${s?.source ?? this.storedSource}</span>
        ${badge
          ? html`<span class="badge ${info!.backend}" data-badge title=${badge.detail}><strong>${badge.label}</strong>${badge.detail}</span>`
          : nothing}
      </header>
      ${info?.backendNote ? html`<p class="status-line" data-backend-note>${info.backendNote}</p>` : nothing}
      ${s?.restarted ? html`<p class="status-line" role="status" data-restarted>${s.restarted}</p>` : nothing}
      ${s ? this.renderLoad(s) : nothing} ${info ? this.renderFacts(info) : nothing}
      ${v?.error ? this.renderError(v.error, 'The next-token distribution could not be computed.') : nothing}
      ${v?.notice ? html`<p class="status-line">${v.notice}</p>` : nothing}
      ${v?.dist && !v.error ? this.renderDistribution(v, v.dist) : s?.status === 'ready' && !v?.error && !v?.notice ? html`<p class="status-line">Computing…</p>` : nothing}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'model-panel': ModelPanel;
  }
}
