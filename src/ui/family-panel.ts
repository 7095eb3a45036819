/**
 * `<family-panel>`: what the lab-grown siblings of the loaded pair were trained on, so a student can see
 * the causal chain: lab-sft's tuning corpus (counts per kind, the dialogs of a kind) and its held-out
 * prompts, lab-rl's reward (the rule, its word lists, and a scorer for any question/answer) and its RL
 * training curve, and each model card. Files are fetched from the sibling's folder when a section is
 * opened. All text from the files is rendered as text.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { labSiblingOf, labUrl, type LabSibling } from '../engine/family';
import { REWARD_PARTS, parseRewardSpec, scoreAnswer, type RewardSpec } from '../lab/reward';
import { shared } from './styles';

export interface CorpusRow {
  kind: string;
  template: string;
  question: string;
  answer: string;
}

/** Parse tuning-corpus.jsonl; a clear error names the first bad line. */
export function parseCorpus(text: string): CorpusRow[] {
  const rows: CorpusRow[] = [];
  const lines = text.split('\n').filter((l) => l.trim());
  for (const [i, l] of lines.entries()) {
    let r: Partial<CorpusRow>;
    try {
      r = JSON.parse(l) as Partial<CorpusRow>;
    } catch {
      throw new Error(`tuning-corpus.jsonl line ${i + 1}: not JSON`);
    }
    if (typeof r.kind !== 'string' || typeof r.question !== 'string' || typeof r.answer !== 'string') {
      throw new Error(`tuning-corpus.jsonl line ${i + 1}: expected kind, question and answer`);
    }
    rows.push({ kind: r.kind, template: String(r.template ?? ''), question: r.question, answer: r.answer });
  }
  return rows;
}

/** Kinds with their counts, most frequent first (ties by name). */
export function kindCounts(rows: CorpusRow[]): [string, number][] {
  const m = new Map<string, number>();
  for (const r of rows) m.set(r.kind, (m.get(r.kind) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

const SHOW_ROWS = 40;

interface RlHistory {
  algorithm: string;
  beta: number;
  history: { step: number; reward: number; kl: number; len: number }[];
  history_no_kl: { step: number; reward: number; kl: number; len: number }[];
}

@customElement('family-panel')
export class FamilyPanel extends LitElement {
  static override styles = [
    shared,
    css`
      :host {
        display: block;
        margin-top: 0.5rem;
      }
      details {
        border: 1px solid var(--border);
        border-radius: 8px;
        padding: 0.4rem 0.8rem;
        margin-top: 0.4rem;
        background: var(--surface);
      }
      summary {
        cursor: pointer;
        font-weight: 600;
      }
      .muted {
        color: var(--muted);
        font-size: 0.85rem;
      }
      table {
        border-collapse: collapse;
        font-size: 0.85rem;
        margin: 0.4rem 0;
      }
      td,
      th {
        border-bottom: 1px solid var(--border);
        padding: 0.15rem 0.5rem;
        text-align: left;
        vertical-align: top;
      }
      .num {
        text-align: right;
        font-variant-numeric: tabular-nums;
      }
      .scorer {
        display: grid;
        gap: 0.3rem;
        max-width: 40rem;
      }
      .error {
        color: var(--error, #b00020);
      }
      .words {
        font-size: 0.85rem;
      }
    `,
  ];

  @property() base = '';
  @property() tuned = '';

  @state() private corpus: Record<string, CorpusRow[] | string> = {};
  @state() private kind: Record<string, string> = {};
  @state() private reward: RewardSpec | string | null = null;
  @state() private rl: RlHistory | string | null = null;
  @state() private heldOut: Record<string, string[]> | string | null = null;
  @state() private q = 'What is the capital of France?';
  @state() private a = 'Sure! The capital of France is Paris.';
  @state() private finished = true;

  private siblings(): LabSibling[] {
    const out: LabSibling[] = [];
    for (const s of [this.base, this.tuned]) {
      const sib = labSiblingOf(s);
      if (sib && !out.includes(sib)) out.push(sib);
    }
    return out;
  }

  private async fetchText(name: string, file: string): Promise<string> {
    const r = await fetch(`${labUrl(name as never)}${file}`);
    if (!r.ok) throw new Error(`${file}: HTTP ${r.status}`);
    return r.text();
  }

  private async openCorpus(name: string): Promise<void> {
    if (this.corpus[name]) return;
    try {
      const rows = parseCorpus(await this.fetchText(name, 'tuning-corpus.jsonl'));
      this.corpus = { ...this.corpus, [name]: rows };
      this.kind = { ...this.kind, [name]: kindCounts(rows)[0]?.[0] ?? '' };
    } catch (e) {
      this.corpus = { ...this.corpus, [name]: (e as Error).message };
    }
    if (this.heldOut === null) {
      try {
        this.heldOut = (JSON.parse(await this.fetchText(name, 'held-out-prompts.json')) as { prompts: Record<string, string[]> }).prompts;
      } catch (e) {
        this.heldOut = (e as Error).message;
      }
    }
  }

  private async openReward(name: string): Promise<void> {
    if (this.reward === null) {
      try {
        this.reward = parseRewardSpec(JSON.parse(await this.fetchText(name, 'reward.json')));
      } catch (e) {
        this.reward = (e as Error).message;
      }
    }
    if (this.rl === null) {
      try {
        this.rl = JSON.parse(await this.fetchText(name, 'rl-training.json')) as RlHistory;
      } catch (e) {
        this.rl = (e as Error).message;
      }
    }
  }

  private renderCorpus(name: string) {
    const c = this.corpus[name];
    if (c === undefined) return html`<p class="muted">Loading…</p>`;
    if (typeof c === 'string') return html`<p class="error">${c}</p>`;
    const counts = kindCounts(c);
    const kind = this.kind[name] ?? '';
    const rows = c.filter((r) => r.kind === kind);
    return html`<p class="muted">
        ${c.length} dialogs generated by models/train/sft_corpus.py (seeded). Random numbers, dice and coins are drawn uniformly
        from the asked range; facts are answered plainly; only contested questions are hedged.
      </p>
      <label
        >Kind
        <select
          class="corpus-kind"
          @change=${(e: Event) => (this.kind = { ...this.kind, [name]: (e.target as HTMLSelectElement).value })}
        >
          ${counts.map(([k, n]) => html`<option value=${k} ?selected=${k === kind}>${k} (${n})</option>`)}
        </select></label
      >
      <table class="corpus-rows">
        <thead>
          <tr><th>user</th><th>assistant</th></tr>
        </thead>
        <tbody>
          ${rows.slice(0, SHOW_ROWS).map((r) => html`<tr><td>${r.question}</td><td>${r.answer}</td></tr>`)}
        </tbody>
      </table>
      <p class="muted">Showing ${Math.min(SHOW_ROWS, rows.length)} of ${rows.length} dialogs of this kind.</p>
      ${this.heldOut && typeof this.heldOut !== 'string'
        ? html`<p class="muted">
            Held out (never in the corpus; every measurement uses them):
            ${Object.values(this.heldOut).flat().map((p, i) => html`${i ? ' · ' : ''}<q>${p}</q>`)}
          </p>`
        : nothing}`;
  }

  private renderReward() {
    const spec = this.reward;
    if (spec === null) return html`<p class="muted">Loading…</p>`;
    if (typeof spec === 'string') return html`<p class="error">${spec}</p>`;
    const s = scoreAnswer(spec, this.q, this.a, this.finished);
    return html`<p class="muted">${spec.description}</p>
      <table class="reward-rule">
        <tbody>
          <tr><td>polite (+${spec.polite.weight} if any)</td><td class="words">${spec.polite.phrases.join(', ')}</td></tr>
          <tr><td>confident (${spec.confident.weight} per hedge, at most ${spec.confident.cap})</td><td class="words">${spec.confident.phrases.join(', ')}</td></tr>
          <tr><td>on topic (+${spec.on_topic.weight} × share of the question's content words used)</td><td class="words">not counted: ${spec.on_topic.stopwords.join(', ')}</td></tr>
          <tr><td>finished</td><td>+${spec.finished.weight} ending with . ! ?, ${spec.finished.unfinished} when cut off</td></tr>
          <tr><td>wordy</td><td>${spec.wordy.weight} per word past ${spec.wordy.free_words}</td></tr>
          <tr><td>empty / repetition</td><td>${spec.empty.weight} with no word; ${spec.repetition.weight} × share of repeated word pairs</td></tr>
        </tbody>
      </table>
      <div class="scorer">
        <label>Question <input class="reward-q" .value=${this.q} @input=${(e: Event) => (this.q = (e.target as HTMLInputElement).value)} /></label>
        <label>Answer <input class="reward-a" .value=${this.a} @input=${(e: Event) => (this.a = (e.target as HTMLInputElement).value)} /></label>
        <label
          ><input type="checkbox" .checked=${this.finished} @change=${(e: Event) => (this.finished = (e.target as HTMLInputElement).checked)} /> the model
          ended its turn</label
        >
        <p class="reward-score">
          Reward <strong data-total=${String(s.total)}>${s.total.toFixed(3)}</strong> =
          ${REWARD_PARTS.map((k, i) => html`${i ? ' + ' : ''}${k} ${s.parts[k].toFixed(3)}`)}
        </p>
      </div>
      ${this.rl && typeof this.rl !== 'string' ? this.renderRl(this.rl) : nothing}`;
  }

  private renderRl(rl: RlHistory) {
    const every = (h: RlHistory['history']) => h.filter((_, i) => i % 10 === 0 || i === h.length - 1);
    const a = every(rl.history);
    const b = every(rl.history_no_kl);
    return html`<p class="muted">${rl.algorithm}; β = ${rl.beta}. Mean reward, KL to lab-sft (nats) and answer length (tokens) per step:</p>
      <table class="rl-curve">
        <thead>
          <tr><th>step</th><th>reward</th><th>KL</th><th>length</th><th>reward, no KL</th><th>KL, no KL</th></tr>
        </thead>
        <tbody>
          ${a.map(
            (x, i) =>
              html`<tr>
                <td class="num">${x.step}</td><td class="num">${x.reward.toFixed(2)}</td><td class="num">${x.kl.toFixed(2)}</td>
                <td class="num">${x.len.toFixed(1)}</td><td class="num">${b[i]?.reward.toFixed(2) ?? ''}</td><td class="num">${b[i]?.kl.toFixed(2) ?? ''}</td>
              </tr>`,
          )}
        </tbody>
      </table>`;
  }

  override render() {
    const sibs = this.siblings();
    if (!sibs.length) return nothing;
    return html`${sibs.map(
      (s) => html`<details class="sibling" data-sibling=${s.name}>
        <summary>${s.label}: ${s.blurb}</summary>
        <p><a href="${labUrl(s.name)}README.md" target="_blank" rel="noopener">Model card</a> (data, training, measured numbers, caveats)</p>
        ${s.shows.some((f) => f.file === 'tuning-corpus.jsonl')
          ? html`<details class="corpus" @toggle=${(e: Event) => (e.target as HTMLDetailsElement).open && void this.openCorpus(s.name)}>
              <summary>Tuning corpus</summary>
              ${this.renderCorpus(s.name)}
            </details>`
          : nothing}
        ${s.shows.some((f) => f.file === 'reward.json')
          ? html`<details class="reward" @toggle=${(e: Event) => (e.target as HTMLDetailsElement).open && void this.openReward(s.name)}>
              <summary>Reward</summary>
              ${this.renderReward()}
            </details>`
          : nothing}
      </details>`,
    )}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'family-panel': FamilyPanel;
  }
}
