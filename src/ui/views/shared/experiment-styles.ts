/**
 * Pieces shared by the experiment views (sweep, injection, answers): their styles (form grid, progress
 * line, data tables, chart grid), the older progress line with an ETA and a Cancel button, and small
 * input helpers.
 */
import { css, html, nothing } from 'lit';

export const experimentStyles = css`
  h2 {
    margin: 0 0 0.5rem;
    font-size: 1.1rem;
  }
  h3 {
    margin: 0.8rem 0 0.3rem;
    font-size: 0.95rem;
  }
  .form {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr));
    gap: 0.6rem 1rem;
    align-items: start;
  }
  .form .wide {
    grid-column: 1 / -1;
  }
  .field {
    display: flex;
    flex-direction: column;
    gap: 0.2rem;
    min-width: 0;
  }
  .field input,
  .field select,
  .field textarea {
    width: 100%;
  }
  textarea {
    resize: vertical;
    min-height: 2.6rem;
  }
  .hint {
    font-size: 0.8rem;
    color: var(--muted);
    margin: 0.15rem 0 0;
  }
  .field-error {
    font-size: 0.8rem;
    color: var(--error-text);
  }
  input[aria-invalid='true'],
  textarea[aria-invalid='true'] {
    border-color: var(--error-border);
    background: var(--error-bg);
  }
  fieldset {
    border: 1px solid var(--border);
    border-radius: 8px;
    padding: 0.3rem 0.6rem 0.5rem;
    margin: 0;
    min-width: 0;
  }
  legend {
    font-size: 0.85rem;
    color: var(--muted);
    padding: 0 0.3rem;
  }
  .radio {
    display: flex;
    gap: 0.4rem;
    align-items: center;
    color: var(--text);
    font-size: 0.9rem;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
    margin-top: 0.7rem;
  }
  .actions .spacer {
    flex: 1;
  }
  .progress {
    display: flex;
    align-items: center;
    gap: 0.6rem;
    font-size: 0.85rem;
    margin-top: 0.6rem;
  }
  .progress progress {
    flex: 1;
    height: 0.7rem;
    accent-color: var(--accent);
  }
  .progress .eta {
    font-variant-numeric: tabular-nums;
    color: var(--muted);
    white-space: nowrap;
  }
  .notice {
    margin: 0.6rem 0 0;
    color: var(--muted);
    font-size: 0.9rem;
  }
  .charts {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(300px, 1fr));
    gap: 0.8rem 1.2rem;
  }
  figure {
    margin: 0;
    min-width: 0;
  }
  figcaption {
    font-size: 0.85rem;
    font-weight: 600;
    margin-bottom: 0.3rem;
  }
  .table-wrap {
    overflow-x: auto;
    /* a grid or flex item may shrink below its table's width: the table scrolls inside, the page does not */
    min-width: 0;
    max-width: 100%;
  }
  table.data {
    border-collapse: collapse;
    font-size: 0.85rem;
    font-variant-numeric: tabular-nums;
    width: 100%;
  }
  table.data th {
    text-align: right;
    font-weight: 600;
    font-size: 0.72rem;
    text-transform: uppercase;
    letter-spacing: 0.04em;
    color: var(--muted);
    padding: 0.3rem 0.45rem;
    border-bottom: 1px solid var(--border);
    white-space: nowrap;
  }
  table.data td {
    text-align: right;
    padding: 0.2rem 0.45rem;
    border-bottom: 1px solid var(--border);
    white-space: nowrap;
  }
  table.data th.text,
  table.data td.text {
    text-align: left;
    white-space: normal;
    overflow-wrap: anywhere;
    /* a long unbroken text wraps, but its column keeps a readable width (the table scrolls instead) */
    min-width: 10rem;
  }
  .model-base {
    color: #2f6fdf;
    font-weight: 600;
  }
  .model-tuned {
    color: #d9480f;
    font-weight: 600;
  }
  .tokens {
    display: flex;
    flex-wrap: wrap;
    gap: 0.2rem;
  }
  .tokens code {
    background: var(--token-bg);
    border: 1px solid var(--border);
    border-radius: 4px;
    padding: 0 0.25rem;
    white-space: pre;
    font-size: 0.8rem;
  }
  .gen {
    white-space: pre-wrap;
    overflow-wrap: anywhere;
    background: var(--token-bg);
    border-radius: 6px;
    padding: 0.3rem 0.5rem;
    margin: 0.2rem 0;
    font-size: 0.9rem;
    max-height: 10rem;
    overflow: auto;
  }
  details {
    margin-top: 0.5rem;
    font-size: 0.9rem;
  }
  summary {
    cursor: pointer;
    color: var(--muted);
  }
  .answer {
    font-size: 1rem;
    padding: 0.5rem 0.7rem;
    border-left: 4px solid var(--accent);
    background: var(--token-bg);
    border-radius: 4px;
    margin: 0 0 0.8rem;
  }
`;

export interface Progress {
  done: number;
  total: number;
  startedAt: number;
  what: string;
}

/** "about 12 s left" from the pace so far. */
export function etaText(p: Progress, now = performance.now()): string {
  if (p.done === 0) return 'estimating…';
  const left = ((now - p.startedAt) / p.done) * (p.total - p.done);
  const s = Math.round(left / 1000);
  return s >= 90 ? `about ${Math.round(s / 60)} min left` : `about ${s} s left`;
}

export function renderProgress(p: Progress | null, onCancel: () => void) {
  if (!p) return nothing;
  return html`<div class="progress" role="status" data-progress=${`${p.done}/${p.total}`}>
    <span>${p.what}</span>
    <progress aria-label=${p.what} max=${p.total} value=${p.done}></progress>
    <span class="eta">${p.done} / ${p.total} · ${etaText(p)}</span>
    <button @click=${onCancel}>Cancel</button>
  </div>`;
}

/** Parse a whole number input; a message when it is not one in [min, max]. */
export function parseWhole(raw: string, what: string, min: number, max: number): number | string {
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isInteger(n)) return `${what} must be a whole number, got "${raw}".`;
  if (n < min || n > max) return `${what} must be between ${min} and ${max}, got ${n}.`;
  return n;
}

/** Like Promise.all, but waits for every promise to settle (one helper for the runners and the views). */
export { settleAll } from '../../../lab/experiments/settle';
