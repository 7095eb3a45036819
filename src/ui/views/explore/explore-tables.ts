/**
 * The Explore view's tables: each model's next-token distribution at the cursor (raw and processed),
 * the vocabulary search hits, and the loom as a tree. Pure renderers over what the view holds (`TablesHost`);
 * clicks call back into the view. Model text is rendered as text; full-precision numbers in `data-*`.
 */
import { html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { SamplingSettings } from '../../../lab/distributions';
import type { Loom, LoomNode, StepRow } from '../../../lab/loom';
import { visibleToken } from '../../../lab/tokens';
import { formatNumber, formatPercent } from '../../format';
import type { Side } from '../../params';
import { inlineStyle } from '../../styles';
import { NAMES, settingsLabel, SHOW_CHOICES, type ModelStep, type SearchHit } from './explore-util';

/** What the tables read from the view, and the actions they call. */
export interface TablesHost {
  readonly loom: Loom;
  readonly sides: Side[];
  /** The sampling settings the processed columns use (the defaults while the form has a problem). */
  readonly settings: SamplingSettings;
  readonly show: number;
  readonly hits: SearchHit[];
  readonly query: string;
  text(id: number): string;
  choose(id: number): void;
  goto(id: number): void;
  setShow(n: number): void;
}

export function renderDist(h: TablesHost, s: ModelStep, isDrive: boolean) {
  const loom = h.loom;
  const { dist } = s;
  const taken = new Set(loom.cursor.children.map((c) => loom.node(c).token));
  const settings = h.settings;
  return html`<section
    class="card model"
    data-model=${s.side}
    data-entropy=${String(dist.entropy)}
    data-processed-entropy=${String(dist.processedEntropy)}
    data-mass-outside=${String(dist.massOutside)}
    data-processed-mass-outside=${String(dist.processedMassOutside)}
    data-context=${loom.context().join(',')}
  >
    <h3>${NAMES[s.side]} — next token${isDrive && h.sides.length > 1 ? html` <span class="muted">(samples)</span>` : nothing}</h3>
    <div class="stats">
      <span>entropy <b>${formatNumber(dist.entropy)}</b> nats raw, <b>${formatNumber(dist.processedEntropy)}</b> processed</span>
      <span>mass outside the list <b>${formatPercent(dist.massOutside)}</b> raw, <b>${formatPercent(dist.processedMassOutside)}</b> processed</span>
      <span>processed keeps <b>${dist.kept}</b> of ${loom.vocabSize} tokens</span>
    </div>
    <table class="dist">
      <colgroup>
        <col class="key" />
        <col class="rank" />
        <col class="token" />
        <col class="bar" />
        <col class="p" />
        <col class="lp" />
        <col class="bar" />
        <col class="p" />
      </colgroup>
      <thead>
        <tr>
          <th scope="col"><span class="visually-hidden">Key</span></th>
          <th scope="col">Rank</th>
          <th scope="col">Token</th>
          <th scope="col" colspan="2" title="softmax of the raw logits at T = 1">Raw p (T = 1)</th>
          <th scope="col" class="num" title="natural log of the raw probability">Log p</th>
          <th scope="col" colspan="2" title=${`after ${settingsLabel(settings)}; the sampled token is drawn from this one`}>Processed p</th>
        </tr>
      </thead>
      <tbody>
        ${repeat(
          dist.rows,
          (r) => r.id,
          (r) => renderRow(h, r, isDrive, taken.has(r.id)),
        )}
      </tbody>
    </table>
    <p class="note">Processed = ${settingsLabel(settings)}. ${taken.size ? 'Outlined tokens already have a branch.' : ''}</p>
    <div class="buttons" style=${inlineStyle('margin-top:0.3rem')}>
      <label
        >Show
        <select
          .value=${String(h.show)}
          @change=${(e: Event) => {
            h.setShow(Number((e.target as HTMLSelectElement).value));
          }}
        >
          ${SHOW_CHOICES.map((n) => html`<option value=${n}>${n} tokens</option>`)}
        </select>
      </label>
    </div>
  </section>`;
}

export function renderRow(h: TablesHost, r: StepRow, isDrive: boolean, taken: boolean) {
  const shown = visibleToken(h.text(r.id));
  return html`<tr
    tabindex="0"
    class=${taken ? 'taken' : ''}
    data-token-id=${r.id}
    data-rank=${r.rank}
    data-prob=${String(r.prob)}
    data-logprob=${String(r.logprob)}
    data-processed-prob=${String(r.processedProb)}
    aria-label=${`Choose ${shown} (rank ${r.rank}, ${formatPercent(r.prob)})`}
    @click=${() => h.choose(r.id)}
    @keydown=${(e: KeyboardEvent) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        e.stopPropagation();
        h.choose(r.id);
      }
    }}
  >
    <td class="key">${isDrive && r.rank <= 9 ? html`<kbd>${r.rank}</kbd>` : nothing}</td>
    <td class="rank">${r.rank}</td>
    <td class="token"><code class="t" title=${shown}>${shown}</code></td>
    <td aria-hidden="true"><div class="bar-track"><div class="bar-fill" style=${inlineStyle(`width:${(r.prob * 100).toFixed(2)}%`)}></div></div></td>
    <td class="num">${formatPercent(r.prob)}</td>
    <td class="num lp">${formatNumber(r.logprob)}</td>
    <td aria-hidden="true"><div class="bar-track"><div class="bar-fill processed" style=${inlineStyle(`width:${(r.processedProb * 100).toFixed(2)}%`)}></div></div></td>
    <td class="num">${r.processedProb > 0 ? formatPercent(r.processedProb) : html`<span class="cut">cut</span>`}</td>
  </tr>`;
}

export function renderHits(h: TablesHost) {
  if (h.query === '') return nothing;
  if (!h.hits.length) return html`<p class="note">No token's text contains that.</p>`;
  return html`<table class="dist search-hits">
    <thead>
      <tr>
        <th scope="col">Token</th>
        ${h.sides.map(
          (s) => html`<th scope="col" class="num">${NAMES[s]} rank</th>
            <th scope="col" class="num">raw p</th>
            <th scope="col" class="num">processed p</th>`,
        )}
      </tr>
    </thead>
    <tbody>
      ${h.hits.map(
        (hit) => html`<tr
          tabindex="0"
          data-hit=${hit.id}
          @click=${() => h.choose(hit.id)}
          @keydown=${(e: KeyboardEvent) => {
            if (e.key === 'Enter') {
              e.stopPropagation();
              h.choose(hit.id);
            }
          }}
        >
          <td><code class="t">${visibleToken(h.text(hit.id))}</code></td>
          ${h.sides.map((s) => {
            const r = hit.rows[s]!;
            return html`<td class="num" data-model=${s} data-rank=${r.rank}>${r.rank}</td>
              <td class="num" data-prob=${String(r.prob)}>${formatPercent(r.prob)}</td>
              <td class="num">${r.processedProb > 0 ? formatPercent(r.processedProb) : html`<span class="cut">cut</span>`}</td>`;
          })}
        </tr>`,
      )}
    </tbody>
  </table>`;
}

/** The loom as an indented list of branches: each line is a run of single-child nodes. */
export function renderTree(h: TablesHost) {
  const loom = h.loom;
  const onPath = new Set(loom.path().map((n) => n.id));
  const lines: { indent: number; nodes: LoomNode[] }[] = [];
  const walk = (start: number, indent: number) => {
    const run: LoomNode[] = [];
    let n = loom.node(start);
    run.push(n);
    while (n.children.length === 1) {
      n = loom.node(n.children[0]!);
      run.push(n);
    }
    lines.push({ indent, nodes: run });
    for (const c of n.children) walk(c, indent + 1);
  };
  for (const c of loom.root.children) walk(c, 0);
  if (!lines.length) return html`<p class="note">No tokens chosen yet: step, or choose a token.</p>`;
  const cursor = loom.cursor.id;
  return html`<ul class="tree" role="list">
    ${lines.map((line) => {
      const first = line.nodes[0]!;
      const last = line.nodes[line.nodes.length - 1]!;
      const lineOnPath = onPath.has(first.id);
      return html`<li class=${lineOnPath ? 'on-path' : ''} style=${inlineStyle(`margin-left:${line.indent * 1.2}rem`)}>
        <span class="edge">${h.sides.map((_, m) => (first.edges[m] ? formatPercent(first.edges[m]!.prob) : '?')).join(' / ')}</span>${line.nodes.map(
          (n) => html`<button
            class=${[onPath.has(n.id) ? 'on-path' : '', n.id === cursor ? 'cursor' : ''].join(' ')}
            data-node=${n.id}
            title=${h.sides.map((s, m) => `${NAMES[s]}: p ${n.edges[m] ? formatPercent(n.edges[m]!.prob) : '?'}, rank ${n.edges[m]?.rank ?? '?'}`).join('; ')}
            aria-current=${n.id === cursor ? 'true' : nothing}
            @click=${() => h.goto(n.id)}
          >${visibleToken(h.text(n.token!))}</button>`,
        )}${last.children.length === 0
          ? html`<span class="leaf">log p ${h.sides.map((_, m) => (last.edges[m] ? formatNumber(last.edges[m]!.pathLogprob, 2) : '?')).join(' / ')}</span>`
          : nothing}
      </li>`;
    })}
  </ul>`;
}
