/**
 * `<library-compare>`: two stored runs of the same kind side by side (e.g. the same sweep on two pairs, or
 * SFT vs RL): each in its kind's view, read-only (`<compare-view readonly .stored=…>`), in two columns,
 * and both runs' headline numbers (the kind's runner `headline`) in one table. Nothing is recomputed.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { html as staticHtml, unsafeStatic } from 'lit/static-html.js';
import { RUNNERS } from '../../../lab/experiments/registry';
import type { ExperimentKind, RunRecord } from '../../../lab/experiments/types';
import { modelsOf } from '../../../lab/library/store';
import { formatNumber } from '../../format';
import { resultTable, shared } from '../../styles';

/** The custom element of each kind's view (the view accepts `readonly` and `.stored`). */
export const VIEW_TAG: Readonly<Record<ExperimentKind, string>> = {
  'next-token': 'next-view',
  loom: 'explore-view',
  compare: 'compare-view',
  sweep: 'sweep-view',
  inject: 'inject-view',
  answers: 'answers-view',
};

/** The headline numbers of two runs by name (union of both, in the first run's order): [name, a, b]. */
export function headlineRows(a: RunRecord, b: RunRecord): { rows: [string, number | null, number | null][]; reason: string | null } {
  const runner = RUNNERS[a.kind];
  if (!runner) return { rows: [], reason: `No headline numbers: this build has no ${a.kind} runner.` };
  let ha: Record<string, number | null>;
  let hb: Record<string, number | null>;
  try {
    ha = runner.headline(a.result.data);
    hb = runner.headline(b.result.data);
  } catch (err) {
    return { rows: [], reason: `No headline numbers: ${(err as Error).message}` };
  }
  const names = [...new Set([...Object.keys(ha), ...Object.keys(hb)])];
  return { rows: names.map((n) => [n, ha[n] ?? null, hb[n] ?? null]), reason: null };
}

@customElement('library-compare')
export class LibraryCompare extends LitElement {
  static override styles = [
    shared,
    resultTable,
    css`
      :host {
        display: block;
      }
      .columns {
        display: grid;
        grid-template-columns: repeat(2, minmax(0, 1fr));
        gap: 1rem;
        margin-top: 0.6rem;
      }
      .columns > div {
        min-width: 0;
        border: 1px solid var(--border);
        border-radius: 8px;
        padding: 0.5rem 0.7rem;
      }
      h4 {
        margin: 0 0 0.3rem;
        font-size: 0.95rem;
        overflow-wrap: anywhere;
      }
      .muted {
        color: var(--muted);
        font-size: 0.85rem;
      }
      @media (max-width: 860px) {
        .columns {
          grid-template-columns: minmax(0, 1fr);
        }
      }
    `,
  ];

  @property({ attribute: false }) runs: [RunRecord, RunRecord] | null = null;

  private renderRun(r: RunRecord, label: string) {
    const tag = VIEW_TAG[r.kind];
    const view = customElements.get(tag)
      ? staticHtml`<${unsafeStatic(tag)} readonly .stored=${r}></${unsafeStatic(tag)}>`
      : html`<p class="muted">This build has no view for ${r.kind} runs.</p>`;
    return html`<div data-side-by-side=${label} data-run-id=${r.id}>
      <h4>${label}: ${r.title}</h4>
      <div class="muted">${modelsOf(r).join(' vs ')} · ${r.created.slice(0, 16).replace('T', ' ')}</div>
      ${view}
    </div>`;
  }

  override render() {
    if (!this.runs) return nothing;
    const [a, b] = this.runs;
    const { rows, reason } = headlineRows(a, b);
    return html`
      ${reason
        ? html`<p class="muted" data-headline-none>${reason}</p>`
        : html`<table data-headlines>
            <thead>
              <tr><th>Headline</th><th class="num">A</th><th class="num">B</th><th class="num">B − A</th></tr>
            </thead>
            <tbody>
              ${rows.map(
                ([name, x, y]) => html`<tr data-headline=${name} data-a=${x === null ? '' : String(x)} data-b=${y === null ? '' : String(y)}>
                  <td>${name}</td>
                  <td class="num">${x === null ? '—' : formatNumber(x, 4)}</td>
                  <td class="num">${y === null ? '—' : formatNumber(y, 4)}</td>
                  <td class="num">${x === null || y === null ? '—' : formatNumber(y - x, 4)}</td>
                </tr>`,
              )}
            </tbody>
          </table>`}
      <div class="columns">${this.renderRun(a, 'A')}${this.renderRun(b, 'B')}</div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'library-compare': LibraryCompare;
  }
}
