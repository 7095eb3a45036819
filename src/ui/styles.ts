/** Styles shared by the lab's components (each has its own shadow root). Colours come from the
 *  custom properties set in index.html, so they pierce the shadow roots. */
import { css } from 'lit';

export const shared = css`
  :host {
    box-sizing: border-box;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  :focus-visible {
    outline: 3px solid var(--focus);
    outline-offset: 2px;
  }
  button {
    font: inherit;
    font-size: 0.9rem;
    padding: 0.35rem 0.8rem;
    border-radius: 6px;
    border: 1px solid var(--border-strong);
    background: var(--surface);
    color: var(--text);
    cursor: pointer;
  }
  button:hover:not(:disabled) {
    background: var(--surface-hover);
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  button.primary {
    background: var(--accent);
    border-color: var(--accent);
    color: var(--on-accent);
  }
  button.primary:hover:not(:disabled) {
    background: var(--accent-strong);
  }
  input,
  select,
  textarea {
    font: inherit;
    color: var(--text);
    background: var(--surface);
    border: 1px solid var(--border-strong);
    border-radius: 6px;
    padding: 0.35rem 0.5rem;
  }
  label {
    font-size: 0.85rem;
    color: var(--muted);
  }
  code,
  .mono {
    font-family: ui-monospace, 'SFMono-Regular', 'DejaVu Sans Mono', Menlo, Consolas, monospace;
  }
  .error-box {
    border: 1px solid var(--error-border);
    background: var(--error-bg);
    color: var(--error-text);
    border-radius: 8px;
    padding: 0.6rem 0.8rem;
    overflow-wrap: anywhere;
  }
  .error-text {
    color: var(--error-text);
  }
  .error-box strong {
    font-family: ui-monospace, 'SFMono-Regular', 'DejaVu Sans Mono', Menlo, Consolas, monospace;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;

/** Tables of results in the views: compact, numbers right-aligned with `.num`, small caps headers. */
export const resultTable = css`
  table {
    width: 100%;
    border-collapse: collapse;
    font-size: 0.85rem;
    font-variant-numeric: tabular-nums;
  }
  th {
    text-align: left;
    font-weight: 600;
    font-size: 0.72rem;
    text-transform: uppercase;
    letter-spacing: 0.04em;
    color: var(--muted);
    padding: 0.25rem 0.4rem;
    border-bottom: 1px solid var(--border);
    white-space: nowrap;
  }
  td {
    padding: 0.18rem 0.4rem;
    border-bottom: 1px solid var(--border);
  }
  .num {
    text-align: right;
  }
`;

/**
 * An inline style for `styleMap` from CSS text (`'width: 3rem; --cols: 2'`). Lit's styleMap sets
 * properties through the CSSOM, which a strict Content-Security-Policy (style-src without
 * 'unsafe-inline') allows; a `style="…"` attribute in a template it refuses. Use
 * `style=${styleMap(inlineStyle('…'))}` instead of `style="…"`.
 */
export function inlineStyle(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const decl of text.split(';')) {
    const i = decl.indexOf(':');
    if (i < 0) continue;
    const name = decl.slice(0, i).trim();
    if (name) out[name] = decl.slice(i + 1).trim();
  }
  return out;
}
