/** The answers view's own styles (besides PairView's and the shared result table). */
import { css, unsafeCSS } from 'lit';
import { MODEL_COLORS } from '../../lab-chart';

export const answersStyles = css`
      .presets {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr));
        gap: 0.4rem 0.8rem;
      }
      .preset {
        display: flex;
        flex-direction: column;
        gap: 0.15rem;
      }
      .preset button {
        text-align: left;
      }
      .published {
        font-size: 0.78rem;
        color: var(--muted);
      }
      .form {
        display: grid;
        grid-template-columns: minmax(0, 1.3fr) minmax(0, 1fr);
        gap: 0.6rem 1rem;
        margin-top: 0.7rem;
      }
      .field {
        display: flex;
        flex-direction: column;
        gap: 0.2rem;
      }
      textarea {
        width: 100%;
        resize: vertical;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.4rem 0.8rem;
      }
      .row label {
        display: inline-flex;
        align-items: center;
        gap: 0.35rem;
      }
      button.small {
        font-size: 0.8rem;
        padding: 0.15rem 0.5rem;
      }
      input.affix {
        width: 9rem;
        font-family: ui-monospace, 'SFMono-Regular', 'DejaVu Sans Mono', Menlo, Consolas, monospace;
      }
      .example {
        font-size: 0.8rem;
        color: var(--muted);
      }
      code.tok {
        background: var(--token-bg);
        border: 1px solid var(--border);
        border-radius: 4px;
        padding: 0 0.3rem;
        white-space: pre;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: center;
        margin-top: 0.7rem;
      }
      .status {
        color: var(--muted);
        font-size: 0.9rem;
      }
      progress {
        width: 10rem;
        accent-color: var(--accent);
      }
      .warnings {
        margin: 0.5rem 0 0;
        padding: 0.5rem 0.8rem;
        border: 1px solid #e6c36a;
        background: rgba(240, 190, 60, 0.12);
        border-radius: 8px;
        font-size: 0.85rem;
      }
      .warnings ul {
        margin: 0.3rem 0;
        padding-left: 1.2rem;
      }
      h3 {
        margin: 0 0 0.5rem;
        font-size: 1rem;
      }
      th.base {
        color: ${unsafeCSS(MODEL_COLORS.base)};
      }
      th.tuned {
        color: ${unsafeCSS(MODEL_COLORS.tuned)};
      }
      .temp {
        display: flex;
        align-items: center;
        gap: 0.6rem;
        flex-wrap: wrap;
      }
      .temp input[type='range'] {
        width: 16rem;
      }
      .scroll {
        max-height: 26rem;
        overflow: auto;
      }
      .grid2 {
        display: grid;
        grid-template-columns: minmax(0, 1fr) minmax(0, 1.4fr);
        gap: 0 1.2rem;
        align-items: start;
      }
      @media (max-width: 860px) {
        .form,
        .grid2 {
          grid-template-columns: minmax(0, 1fr);
        }
      }
`;
