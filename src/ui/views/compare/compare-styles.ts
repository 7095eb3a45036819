/** The compare view's styles (form, token strip, inspector, summary, tables). */
import { css, unsafeCSS } from 'lit';
import { MODEL_COLORS } from '../../lab-chart';

export const compareStyles = css`
      .form {
        display: grid;
        grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
        gap: 0.6rem 1rem;
      }
      .form .full {
        grid-column: 1 / -1;
      }
      .field {
        display: flex;
        flex-direction: column;
        gap: 0.2rem;
      }
      .hint {
        font-size: 0.8rem;
        color: var(--muted);
        margin: 0.15rem 0 0;
      }
      textarea {
        width: 100%;
        resize: vertical;
        min-height: 2.4rem;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem 1rem;
      }
      .row label {
        display: inline-flex;
        align-items: center;
        gap: 0.35rem;
      }
      input[type='number'] {
        width: 5.5rem;
      }
      fieldset {
        border: 1px solid var(--border);
        border-radius: 8px;
        margin: 0;
        padding: 0.4rem 0.7rem 0.6rem;
        min-width: 0;
      }
      legend {
        font-size: 0.85rem;
        color: var(--muted);
        padding: 0 0.3rem;
      }
      pre.ctx {
        margin: 0.3rem 0 0;
        padding: 0.4rem 0.5rem;
        background: var(--token-bg);
        border: 1px solid var(--border);
        border-radius: 6px;
        font-size: 0.8rem;
        white-space: pre-wrap;
        overflow-wrap: anywhere;
        max-height: 9rem;
        overflow: auto;
      }
      .ctx-head {
        font-size: 0.8rem;
        color: var(--muted);
        margin-top: 0.4rem;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
        margin-top: 0.7rem;
      }
      .status {
        color: var(--muted);
        font-size: 0.9rem;
      }
      h3 {
        margin: 0 0 0.5rem;
        font-size: 1rem;
      }
      .strip {
        display: flex;
        flex-wrap: wrap;
        gap: 3px;
        line-height: 1.6;
      }
      .tok {
        font-family: ui-monospace, 'SFMono-Regular', 'DejaVu Sans Mono', Menlo, Consolas, monospace;
        font-size: 0.85rem;
        white-space: pre;
        border-radius: 4px;
        padding: 0 0.25rem;
        border: 1px solid var(--border);
        cursor: default;
      }
      .tok.unshifted {
        background: rgba(120, 130, 145, 0.12);
      }
      .tok.marginal {
        background: rgba(230, 170, 20, 0.4);
      }
      .tok.shifted {
        background: rgba(217, 60, 40, 0.55);
      }
      .tok.uncounted {
        border-style: dashed;
        color: var(--muted);
      }
      .summary dd .floor {
        display: block;
        font-size: 0.78rem;
        color: var(--muted);
      }
      .tok.selected {
        outline: 2px solid var(--accent);
        outline-offset: 1px;
      }
      .legend {
        display: flex;
        flex-wrap: wrap;
        gap: 0.3rem 1rem;
        font-size: 0.8rem;
        color: var(--muted);
        margin: 0.4rem 0;
        align-items: center;
      }
      .legend .tok {
        font-size: 0.75rem;
      }
      .inspector {
        margin-top: 0.6rem;
        border-top: 1px solid var(--border);
        padding-top: 0.5rem;
        min-height: 8.5rem;
      }
      .alts {
        display: grid;
        grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
        gap: 1rem;
      }
      .alts h4 {
        margin: 0.2rem 0;
        font-size: 0.85rem;
      }
      .alts h4.base {
        color: ${unsafeCSS(MODEL_COLORS.base)};
      }
      .alts h4.tuned {
        color: ${unsafeCSS(MODEL_COLORS.tuned)};
      }
      td code {
        background: var(--token-bg);
        border: 1px solid var(--border);
        border-radius: 4px;
        padding: 0 0.3rem;
        white-space: pre;
      }
      tr.hit td {
        font-weight: 600;
      }
      .summary {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr));
        gap: 0.5rem 1rem;
        margin: 0;
      }
      .summary div {
        display: flex;
        flex-direction: column;
      }
      .summary dt {
        font-size: 0.78rem;
        color: var(--muted);
      }
      .summary dd {
        margin: 0;
        font-size: 1.05rem;
        font-variant-numeric: tabular-nums;
      }
      .grid2 {
        display: grid;
        grid-template-columns: minmax(0, 2fr) minmax(0, 1fr);
        gap: 0 1rem;
        align-items: start;
      }
      .scroll {
        max-height: 28rem;
        overflow: auto;
      }
      .exports {
        display: flex;
        gap: 1rem;
        font-size: 0.9rem;
      }
      .note {
        font-size: 0.8rem;
        color: var(--muted);
        margin: 0.3rem 0 0;
      }
      .cross td.text {
        max-width: 30rem;
        overflow-wrap: anywhere;
        white-space: pre-wrap;
      }
      @media (max-width: 860px) {
        .form,
        .grid2,
        .alts {
          grid-template-columns: minmax(0, 1fr);
        }
      }
`;
