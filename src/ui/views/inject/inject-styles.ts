/** The injection view's own styles (besides PairView's and the experiment views' shared ones). */
import { css } from 'lit';

export const injectStyles = css`
      .columns {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(340px, 1fr));
        gap: 1rem;
      }
      .tokens button {
        font-family: ui-monospace, 'SFMono-Regular', 'DejaVu Sans Mono', Menlo, Consolas, monospace;
        font-size: 0.8rem;
        padding: 0 0.25rem;
        border-radius: 4px;
        border: 1px solid var(--border);
        background: var(--token-bg);
        white-space: pre;
      }
      .tokens button.after {
        opacity: 0.6;
      }
      .tokens .cut {
        color: var(--error-text);
        font-weight: 700;
        align-self: center;
      }
      mark {
        background: #ffd8a8;
        color: #1b1f24;
        border-radius: 3px;
        padding: 0 0.1rem;
      }
      .recovery {
        font-size: 0.95rem;
      }
      .diff {
        display: flex;
        flex-wrap: wrap;
        gap: 2px;
        font-family: ui-monospace, 'SFMono-Regular', 'DejaVu Sans Mono', Menlo, Consolas, monospace;
        font-size: 0.8rem;
      }
      .diff .col {
        display: flex;
        flex-direction: column;
        border-radius: 3px;
        min-width: 0.8rem;
      }
      .diff .col span {
        white-space: pre;
        padding: 0 0.2rem;
        min-height: 1.2em;
      }
      .diff .col[data-op='same'] {
        background: #d3f9d8;
        color: #1b1f24;
      }
      .diff .col[data-op='clean'] span.c,
      .diff .col[data-op='injected'] span.i {
        background: var(--token-bg);
        outline: 1px solid var(--border);
      }
      .diff .col[data-op='injection'] span.i {
        background: #ffd8a8;
        color: #1b1f24;
      }
      .diff .legend {
        display: flex;
        flex-direction: column;
        color: var(--muted);
        padding-right: 0.3rem;
      }
      table.heat td.cell {
        color: #1b1f24;
        text-align: center;
        min-width: 5.5rem;
      }
      table.heat th.text {
        max-width: 22rem;
      }
      table.heat tbody th {
        text-transform: none;
        letter-spacing: normal;
        font-size: 0.85rem;
        color: var(--text);
        font-weight: 400;
      }
`;
