/** The Explore view's styles (the stage, the coloured text, the distribution tables, the tree, a stored path). */
import { css } from 'lit';
import { tokenChip } from '../../styles';

export const exploreStyles = css`
  .form {
    display: grid;
    grid-template-columns: minmax(0, 1fr) auto;
    gap: 0.6rem 1rem;
    align-items: start;
  }
  textarea {
    width: 100%;
    min-height: 3.2rem;
    resize: vertical;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem 0.9rem;
    align-items: end;
    margin-top: 0.5rem;
  }
  .row label {
    display: flex;
    flex-direction: column;
    gap: 0.15rem;
  }
  .row input[type='number'] {
    width: 5.5rem;
  }
  .buttons {
    display: flex;
    gap: 0.4rem;
    flex-wrap: wrap;
    align-items: center;
  }
  .note {
    font-size: 0.8rem;
    color: var(--muted);
    margin: 0.35rem 0 0;
  }
  .stage:focus-visible {
    outline: 3px solid var(--focus);
    outline-offset: 3px;
    border-radius: 10px;
  }
  .text,
  .path-text {
    font-family: ui-monospace, 'SFMono-Regular', 'DejaVu Sans Mono', Menlo, Consolas, monospace;
    font-size: 0.95rem;
    line-height: 1.9;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .text .prompt,
  .path-text .prompt {
    color: var(--muted);
  }
  .tok {
    position: relative;
    border-radius: 3px;
    padding: 0.05rem 0;
    cursor: pointer;
    border-bottom: 2px solid transparent;
  }
  .tok.partial {
    /* the first bytes of a character shown on a later token: still there to hover and click */
    display: inline-block;
    min-width: 0.3em;
  }
  .tok.cursor {
    border-bottom-color: var(--accent);
  }
  .tok.b-top1 {
    background: rgba(46, 160, 67, 0.28);
  }
  .tok.b-top10 {
    background: rgba(230, 190, 30, 0.35);
  }
  .tok.b-top100 {
    background: rgba(220, 70, 50, 0.3);
  }
  .tok.b-beyond {
    background: rgba(140, 70, 200, 0.32);
  }
  .caret {
    display: inline-block;
    width: 0.5rem;
    height: 1rem;
    vertical-align: text-bottom;
    background: var(--accent);
    opacity: 0.6;
    margin-left: 1px;
  }
  .pop {
    position: absolute;
    z-index: 5;
    left: 0;
    top: 1.6rem;
    min-width: 15rem;
    background: var(--surface);
    border: 1px solid var(--border-strong);
    border-radius: 8px;
    box-shadow: 0 6px 18px rgba(0, 0, 0, 0.15);
    padding: 0.4rem 0.6rem;
    font-size: 0.8rem;
    line-height: 1.4;
    white-space: normal;
    color: var(--text);
    cursor: default;
  }
  .pop table {
    border-collapse: collapse;
    width: 100%;
  }
  .pop td {
    padding: 0 0.3rem;
  }
  .pop td.num {
    text-align: right;
    font-variant-numeric: tabular-nums;
  }
  .pop .chosen {
    font-weight: 700;
  }
  .legend {
    display: flex;
    gap: 0.6rem;
    flex-wrap: wrap;
    font-size: 0.78rem;
    color: var(--muted);
    align-items: center;
  }
  .legend .tok {
    padding: 0 0.3rem;
    cursor: default;
  }
  .stats {
    display: flex;
    flex-wrap: wrap;
    gap: 0.3rem 1rem;
    font-size: 0.85rem;
    margin: 0.3rem 0;
  }
  .stats b {
    font-variant-numeric: tabular-nums;
  }
  .columns {
    display: grid;
    grid-template-columns: repeat(var(--cols, 2), minmax(0, 1fr));
    gap: 1rem;
  }
  h3 {
    margin: 0 0 0.2rem;
    font-size: 1rem;
  }
  table.dist {
    width: 100%;
    table-layout: fixed;
    border-collapse: collapse;
    font-size: 0.85rem;
    font-variant-numeric: tabular-nums;
  }
  table.dist th {
    text-align: left;
    font-weight: 600;
    font-size: 0.7rem;
    text-transform: uppercase;
    letter-spacing: 0.04em;
    color: var(--muted);
    padding: 0.25rem 0.3rem;
    border-bottom: 1px solid var(--border);
  }
  table.dist td {
    padding: 0.18rem 0.3rem;
    border-bottom: 1px solid var(--border);
    vertical-align: middle;
  }
  table.dist .num {
    text-align: right;
  }
  table.dist tbody tr {
    cursor: pointer;
  }
  table.dist tbody tr:hover {
    background: var(--surface-hover);
  }
  table.dist tbody tr:focus-visible {
    outline: 3px solid var(--focus);
    outline-offset: -3px;
  }
  table.dist tr.taken td.token code {
    border-color: var(--accent);
  }
  col.key {
    width: 1.6rem;
  }
  col.rank {
    width: 2.6rem;
  }
  col.bar {
    width: 17%;
  }
  col.p {
    width: 4.4rem;
  }
  col.lp {
    width: 4.2rem;
  }
  td.key kbd {
    font-size: 0.7rem;
    border: 1px solid var(--border-strong);
    border-radius: 3px;
    padding: 0 0.25rem;
    color: var(--muted);
  }
  td.rank,
  td.lp {
    color: var(--muted);
  }
  code.t {
    ${tokenChip}
  }
  .bar-track {
    height: 0.65rem;
    background: var(--bar-track);
    border-radius: 3px;
    overflow: hidden;
  }
  .bar-fill {
    height: 100%;
    background: var(--bar);
  }
  .bar-fill.processed {
    background: #d9822b;
  }
  .cut {
    color: var(--muted);
    font-size: 0.75rem;
  }
  .tree {
    font-family: ui-monospace, 'SFMono-Regular', 'DejaVu Sans Mono', Menlo, Consolas, monospace;
    font-size: 0.85rem;
    list-style: none;
    margin: 0;
    padding: 0;
    max-height: 22rem;
    overflow: auto;
  }
  .tree li {
    padding: 0.1rem 0;
    border-left: 2px solid var(--border);
    padding-left: 0.4rem;
    white-space: nowrap;
  }
  .tree li.on-path {
    border-left-color: var(--accent);
  }
  .tree button {
    font: inherit;
    font-size: 0.85rem;
    padding: 0 0.15rem;
    border: 1px solid transparent;
    border-radius: 3px;
    background: none;
    white-space: pre;
  }
  .tree button.on-path {
    background: var(--chip-bg);
  }
  .tree button.cursor {
    border-color: var(--accent);
    font-weight: 700;
  }
  .tree .edge {
    color: var(--muted);
    font-size: 0.75rem;
    margin-right: 0.3rem;
  }
  .tree .leaf {
    color: var(--muted);
    font-size: 0.75rem;
    margin-left: 0.5rem;
  }
  .search-hits {
    margin-top: 0.4rem;
  }
  kbd {
    font-family: inherit;
    font-size: 0.78rem;
    border: 1px solid var(--border-strong);
    border-bottom-width: 2px;
    border-radius: 4px;
    padding: 0 0.3rem;
    background: var(--token-bg);
  }
  .keys {
    font-size: 0.82rem;
    color: var(--muted);
    margin: 0.4rem 0 0;
  }
  .keys span {
    margin-right: 0.9rem;
    white-space: nowrap;
  }
  @media (max-width: 860px) {
    .columns,
    .form {
      grid-template-columns: minmax(0, 1fr);
    }
  }
  .path-result .tok {
    cursor: default;
  }
  table.path-steps td {
    white-space: nowrap;
  }
  .read-only-head {
    font-size: 0.9rem;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
`;
