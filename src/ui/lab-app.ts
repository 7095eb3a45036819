/**
 * `<lab-app>`: the first lab page. Base and tuned side by side, each with its next-token distribution
 * after the same context. State and engine calls live in LabController; this renders and forwards.
 */
import { LitElement, css, html } from 'lit';
import { customElement } from 'lit/decorators.js';
import {
  ContextRestoreEvent,
  ContextUndoEvent,
  LoadCancelEvent,
  LoadRetryEvent,
  NextInputsEvent,
  NextReportEvent,
  PairReloadEvent,
  PairLoadEvent,
  PromptInputEvent,
  RunFinishedEvent,
  RunOpenEvent,
  TemplateChangeEvent,
  ThinkingChangeEvent,
  TokenChooseEvent,
  TopKChangeEvent,
} from './events';
import { LabController } from './lab-controller';
import { TEMPLATE_PARAMS } from './template-picks';
import { resolveLabSource } from '../engine/family';
import { deliverToView, openSpecOnLoad, saveNote, viewIdOf, type Delivery, type LibraryNote } from './library-link';
import { readParams, updateQuery, VIEWS, type ViewId } from './params';
import { cardStyle, shared } from './styles';
import './family-panel';
import './pair-chooser';
import './views/next/next-view';
import './views/explore/explore-view';
import './views/compare/compare-view';
import './views/sweep/sweep-view';
import './views/inject/inject-view';
import './views/answers/answers-view';
import './views/models-view';
import './views/library/library-view';

@customElement('lab-app')
export class LabApp extends LitElement {
  static override styles = [
    shared,
    css`
      :host {
        display: block;
        max-width: 1400px;
        margin: 0 auto;
        padding: 1rem 1.5rem 2rem;
      }
      header h1 {
        margin: 0;
        font-size: 1.6rem;
        letter-spacing: -0.01em;
      }
      header p {
        margin: 0.25rem 0 0;
        color: var(--muted);
      }
      .card {
        ${cardStyle}
      }
      .note {
        margin: 0.4rem 0 0;
        font-size: 0.85rem;
        color: var(--muted);
      }
      nav[role='tablist'] {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem;
        margin-top: 0.8rem;
        border-bottom: 1px solid var(--border);
      }
      nav[role='tablist'] button {
        border: 1px solid transparent;
        border-bottom: none;
        border-radius: 8px 8px 0 0;
        background: none;
        padding: 0.45rem 0.9rem;
        color: var(--muted);
      }
      nav[role='tablist'] button[aria-selected='true'] {
        background: var(--surface);
        border-color: var(--border);
        color: var(--text);
        font-weight: 600;
        margin-bottom: -1px;
      }
      .columns {
        display: grid;
        grid-template-columns: repeat(2, minmax(0, 1fr));
        gap: 1rem;
        margin-top: 0.8rem;
        align-items: stretch;
      }
      @media (max-width: 860px) {
        :host {
          padding: 0.8rem 0.7rem 1.5rem;
        }
        .columns {
          grid-template-columns: minmax(0, 1fr);
        }
      }
    `,
  ];

  /** A share link (`?spec=`) read before the pair starts loading: it sets the pair and the view in the URL. */
  private readonly specLink = openSpecOnLoad();
  private readonly lab = new LabController(this, readParams(location.search));
  /** A stored run or a linked spec waiting for its view to render. */
  private delivery: Delivery | null = this.specLink.delivery;
  /** "Saved to the library", or why not; a bad share link. */
  private libraryNote: LibraryNote | null = this.specLink.note;

  constructor() {
    super();
    this.addEventListener(PairLoadEvent.type, (e) => {
      // The weight variant of each model travels in the URL (`base.dtype`, `tuned.dtype`; read by ModelSlot).
      updateQuery({ 'base.dtype': e.dtypes.base ?? null, 'tuned.dtype': e.dtypes.tuned ?? null });
      // The views' template choices were made for the models loaded before: a side whose model changes gets its default.
      const changed = { base: resolveLabSource(e.base) !== this.lab.params.base, tuned: resolveLabSource(e.tuned) !== this.lab.params.tuned };
      updateQuery(Object.fromEntries((['base', 'tuned'] as const).flatMap((side) => (changed[side] ? TEMPLATE_PARAMS[side].map((k) => [k, null]) : []))));
      void this.lab.loadPair(e.base, e.tuned, e.backend);
    });
    this.addEventListener(PromptInputEvent.type, (e) => this.lab.setPrompt(e.prompt));
    this.addEventListener(TemplateChangeEvent.type, (e) => this.lab.setTemplate(e.template));
    this.addEventListener(TopKChangeEvent.type, (e) => this.lab.setK(e.k));
    this.addEventListener(ThinkingChangeEvent.type, (e) => {
      // read by ModelSlot at load (`?thinking=`): the chat prompts of both models change, so the pair reloads
      updateQuery({ thinking: e.thinking ? null : 'off' });
      void this.lab.reloadPair();
    });
    this.addEventListener(TokenChooseEvent.type, (e) => this.lab.choose(e.side, e.id, e.text));
    this.addEventListener(NextReportEvent.type, (e) => this.lab.report(e.report));
    this.addEventListener(NextInputsEvent.type, (e) => this.lab.setNextInputs(e.prompt, e.template, e.k, e.appended));
    this.addEventListener(LoadCancelEvent.type, (e) => this.lab.cancel(e.side));
    this.addEventListener(LoadRetryEvent.type, (e) => void this.lab.retry(e.side));
    this.addEventListener(ContextUndoEvent.type, (e) => this.lab.undo(e.all));
    this.addEventListener(PairReloadEvent.type, () => void this.lab.reloadPair());
    this.addEventListener(ContextRestoreEvent.type, () => this.lab.restoreDropped());
    this.addEventListener(RunFinishedEvent.type, (e) => void saveNote(e.spec, e.result).then((note) => this.setNote(note)));
    this.addEventListener(RunOpenEvent.type, (e) => {
      this.delivery = { stored: e.record };
      this.lab.setView(viewIdOf(e.record.kind));
      this.requestUpdate();
    });
  }

  private setNote(note: LibraryNote): void {
    this.libraryNote = note;
    this.requestUpdate();
  }

  protected override updated(): void {
    // Hand a reopened run (or a linked spec) to its view once that view is on the page.
    if (this.delivery && deliverToView(this.renderRoot, this.lab.params.view, this.delivery)) this.delivery = null;
  }

  private onTabKey(e: KeyboardEvent): void {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const i = VIEWS.findIndex((v) => v.id === this.lab.params.view);
    const next = VIEWS[(i + (e.key === 'ArrowRight' ? 1 : VIEWS.length - 1)) % VIEWS.length]!;
    this.lab.setView(next.id);
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#tab-${next.id}`)?.focus());
  }

  private renderView(view: ViewId) {
    const { slots } = this.lab;
    const base = slots.base.ready ? slots.base.engine : null;
    const tuned = slots.tuned.ready ? slots.tuned.engine : null;
    const baseInfo = slots.base.state.info;
    const tunedInfo = slots.tuned.state.info;
    switch (view) {
      case 'explore':
        return html`<explore-view .base=${base} .tuned=${tuned} .baseInfo=${baseInfo} .tunedInfo=${tunedInfo}></explore-view>`;
      case 'compare':
        return html`<compare-view .base=${base} .tuned=${tuned} .baseInfo=${baseInfo} .tunedInfo=${tunedInfo}></compare-view>`;
      case 'sweep':
        return html`<sweep-view .base=${base} .tuned=${tuned} .baseInfo=${baseInfo} .tunedInfo=${tunedInfo}></sweep-view>`;
      case 'inject':
        return html`<inject-view .base=${base} .tuned=${tuned} .baseInfo=${baseInfo} .tunedInfo=${tunedInfo}></inject-view>`;
      case 'models':
        return html`<models-view
          .base=${base}
          .tuned=${tuned}
          .baseInfo=${baseInfo}
          .tunedInfo=${tunedInfo}
          .slotStates=${{ base: slots.base.state, tuned: slots.tuned.state }}
          .backend=${this.lab.params.backend}
        ></models-view>`;
      case 'answers':
        return html`<answers-view .base=${base} .tuned=${tuned} .baseInfo=${baseInfo} .tunedInfo=${tunedInfo}></answers-view>`;
      case 'library':
        return html`<library-view></library-view>`;
      default:
        return this.renderNext();
    }
  }

  private renderNext() {
    const { params, appended, dropped, slots } = this.lab;
    const base = slots.base.ready ? slots.base.engine : null;
    const tuned = slots.tuned.ready ? slots.tuned.engine : null;
    return html`<next-view
      .base=${base}
      .tuned=${tuned}
      .baseInfo=${slots.base.state.info}
      .tunedInfo=${slots.tuned.state.info}
      .slotStates=${{ base: slots.base.state, tuned: slots.tuned.state }}
      .prompt=${params.prompt}
      .template=${params.template}
      .k=${params.k}
      .appended=${appended}
      .dropped=${dropped?.appended.length ?? 0}
    ></next-view>`;
  }

  override render() {
    const { params } = this.lab;
    return html`
      <header>
        <h1>World Prior Lab</h1>
        <p>What fine-tuning did to a model's world prior: a base model and its tuned sibling, side by side, from their full logits.</p>
      </header>
      <div class="card">
        <pair-chooser .base=${params.base} .tuned=${params.tuned} .backend=${params.backend}></pair-chooser>
        <family-panel .base=${params.base} .tuned=${params.tuned}></family-panel>
      </div>
      <nav role="tablist" aria-label="Lab views" @keydown=${this.onTabKey}>
        ${VIEWS.map(
          (v) => html`<button
            role="tab"
            id="tab-${v.id}"
            data-view=${v.id}
            aria-selected=${params.view === v.id ? 'true' : 'false'}
            aria-controls="view-${v.id}"
            tabindex=${params.view === v.id ? 0 : -1}
            @click=${() => this.lab.setView(v.id)}
          >
            ${v.label}
          </button>`,
        )}
      </nav>
      ${this.libraryNote
        ? html`<p class="note ${this.libraryNote.error ? 'error-text' : ''}" role=${this.libraryNote.error ? 'alert' : 'status'} data-library-note=${this.libraryNote.kind}>
            ${this.libraryNote.text}
            ${this.libraryNote.kind === 'saved' && params.view !== 'library' ? html`<button class="link-button" @click=${() => this.lab.setView('library')}>Open the library</button>` : ''}
          </p>`
        : ''}
      <section role="tabpanel" id="view-${params.view}" aria-labelledby="tab-${params.view}">${this.renderView(params.view)}</section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lab-app': LabApp;
  }
}
