/** Styles shared by the lab's components (each has its own shadow root). Colours come from the
 *  custom properties set in index.html, so they pierce the shadow roots. */
import { css, noChange } from 'lit';
import { Directive, directive, PartType, type AttributePart, type PartInfo } from 'lit/directive.js';

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
  .next-steps {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem 0.9rem;
    align-items: center;
    margin-top: 0.45rem;
  }
  .next-steps a {
    font-weight: 600;
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
/** A card (a panel of a view, declarations for a rule's body): the surface colour, a border, a gap above. */
export const cardStyle = css`
  background: var(--surface);
  border: 1px solid var(--border);
  border-radius: 10px;
  padding: 0.75rem 1rem;
  margin-top: 0.8rem;
`;

/** A token shown as a chip (the declarations, for a rule's body): one line, cut with an ellipsis when its
 *  cell is narrower, on the token background. */
export const tokenChip = css`
  display: inline-block;
  max-width: 100%;
  overflow: hidden;
  text-overflow: ellipsis;
  white-space: pre;
  vertical-align: bottom;
  background: var(--token-bg);
  border: 1px solid var(--border);
  border-radius: 4px;
  padding: 0 0.3rem;
`;

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

/** CSS text (`'width: 3rem; --cols: 2'`) as property → value. */
function parseDeclarations(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const decl of text.split(';')) {
    const i = decl.indexOf(':');
    if (i < 0) continue;
    const name = decl.slice(0, i).trim();
    if (name) out.set(name, decl.slice(i + 1).trim());
  }
  return out;
}

class InlineStyleDirective extends Directive {
  private previous = new Set<string>();
  constructor(info: PartInfo) {
    super(info);
    if (info.type !== PartType.ATTRIBUTE || info.name !== 'style' || (info.strings?.length ?? 0) > 2) {
      throw new Error('inlineStyle() must be the whole value of a style attribute: style=${inlineStyle(…)}');
    }
  }
  render(_css: string): typeof noChange {
    return noChange;
  }
  override update(part: AttributePart, [css]: [string]): typeof noChange {
    const style = (part.element as HTMLElement).style;
    const next = parseDeclarations(css);
    for (const name of this.previous) if (!next.has(name)) style.removeProperty(name);
    for (const [name, value] of next) style.setProperty(name, value);
    this.previous = new Set(next.keys());
    return noChange;
  }
}

/**
 * An inline style set through the CSSOM (`element.style.setProperty`), never as a `style="…"`
 * attribute: a strict Content-Security-Policy (style-src without 'unsafe-inline') refuses style
 * attributes, including the one Lit's styleMap writes on first render, but allows the CSSOM. Use
 * `style=${inlineStyle('margin-top: 1rem')}` instead of `style="margin-top: 1rem"`.
 */
export const inlineStyle = directive(InlineStyleDirective);
