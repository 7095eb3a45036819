/**
 * `<token-table>`: a ranked table of next-token candidates. Each row is focusable; clicking it or
 * pressing Enter/Space dispatches a TokenChooseEvent. Token texts are rendered as text (Lit text
 * bindings) with whitespace made visible.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { NextTokenEntry } from '../lab/next-token';
import { visibleToken } from '../lab/tokens';
import { TokenChooseEvent } from './events';
import { formatNumber, formatPercent } from './format';
import type { Side } from './params';
import { inlineStyle, shared, tokenChip } from './styles';

@customElement('token-table')
export class TokenTable extends LitElement {
  static override styles = [
    shared,
    css`
      :host {
        display: block;
      }
      table {
        width: 100%;
        table-layout: fixed;
        border-collapse: collapse;
        font-size: 0.9rem;
        font-variant-numeric: tabular-nums;
      }
      th {
        text-align: left;
        font-weight: 600;
        font-size: 0.75rem;
        text-transform: uppercase;
        letter-spacing: 0.04em;
        color: var(--muted);
        padding: 0.3rem 0.4rem;
        border-bottom: 1px solid var(--border);
        white-space: nowrap;
      }
      th.num,
      td.num {
        text-align: right;
      }
      td {
        padding: 0.22rem 0.4rem;
        border-bottom: 1px solid var(--border);
        vertical-align: middle;
      }
      tbody tr {
        cursor: pointer;
      }
      tbody tr:hover {
        background: var(--surface-hover);
      }
      tbody tr:focus-visible {
        outline: 3px solid var(--focus);
        outline-offset: -3px;
        background: var(--surface-hover);
      }
      col.rank {
        width: 2.2rem;
      }
      col.bar {
        width: 26%;
      }
      col.prob {
        width: 4.6rem;
      }
      col.logprob,
      col.logit {
        width: 4.9rem;
      }
      td.rank {
        color: var(--muted);
      }
      td.token code {
        ${tokenChip}
      }
      .bar-track {
        height: 0.7rem;
        background: var(--bar-track);
        border-radius: 3px;
        overflow: hidden;
      }
      .bar-fill {
        height: 100%;
        background: var(--bar);
        border-radius: 3px;
      }
      td.logit,
      td.logprob {
        color: var(--muted);
      }
      @media (max-width: 520px) {
        .logprob,
        col.logprob {
          display: none;
        }
        col.bar {
          width: 18%;
        }
      }
    `,
  ];

  @property({ attribute: false }) entries: NextTokenEntry[] = [];
  @property() side: Side = 'base';

  private choose(e: NextTokenEntry): void {
    this.dispatchEvent(new TokenChooseEvent(this.side, e.id, e.text));
  }

  private onKey(ev: KeyboardEvent, e: NextTokenEntry): void {
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      this.choose(e);
    } else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      const row = ev.currentTarget as HTMLElement;
      const next = (ev.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling) as HTMLElement | null;
      next?.focus();
    }
  }

  override render() {
    return html`
      <table>
        <colgroup>
          <col class="rank" />
          <col class="token" />
          <col class="bar" />
          <col class="prob" />
          <col class="logprob" />
          <col class="logit" />
        </colgroup>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Token</th>
            <th scope="col"><span class="visually-hidden">Probability bar</span></th>
            <th scope="col" class="num">Prob</th>
            <th scope="col" class="num logprob" title="natural log of the probability">Log p</th>
            <th scope="col" class="num">Logit</th>
          </tr>
        </thead>
        <tbody>
          ${repeat(
            this.entries,
            (e) => e.id,
            (e, i) => {
              const shown = visibleToken(e.text);
              return html`
                <tr
                  tabindex="0"
                  data-token-id=${e.id}
                  data-logit=${String(e.logit)}
                  data-prob=${String(e.prob)}
                  aria-label=${`Append ${shown} (rank ${i + 1}, ${formatPercent(e.prob)})`}
                  title=${`token id ${e.id} — click or press Enter to append`}
                  @click=${() => this.choose(e)}
                  @keydown=${(ev: KeyboardEvent) => this.onKey(ev, e)}
                >
                  <td class="rank">${i + 1}</td>
                  <td class="token"><code title=${shown}>${shown}</code></td>
                  <td class="bar" aria-hidden="true">
                    <div class="bar-track"><div class="bar-fill" style=${inlineStyle(`width:${(e.prob * 100).toFixed(2)}%`)}></div></div>
                  </td>
                  <td class="num prob">${formatPercent(e.prob)}</td>
                  <td class="num logprob">${formatNumber(e.logprob)}</td>
                  <td class="num logit">${formatNumber(e.logit)}</td>
                </tr>
              `;
            },
          )}
        </tbody>
      </table>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'token-table': TokenTable;
  }
}
