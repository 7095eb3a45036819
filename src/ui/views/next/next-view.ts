/**
 * `<next-view>`: the Next-token tab. Base and tuned side by side, each with its next-token distribution
 * after the same context (the prompt in the template, then the tokens appended by clicking a row or
 * Step). It builds a next-token spec from its inputs and runs it through `nextTokenRunner` in a
 * `RunLifecycle`; the panels render the result envelope (live or stored) and never compute.
 *
 * Inputs: prompt, template, k and the appended tokens live in the app's LabController (they are in the URL
 * and outlive this element when the tab is switched); this view changes them through the events the app
 * already handles (PromptInputEvent, TokenChooseEvent, …) and reports each run's progress to the app
 * (`NextReportEvent`), from which the page's `data-lab-state` follows.
 *
 * Saving: the tab recomputes on every keystroke and every click (a run per context), so saving each run
 * would bury the library under half-typed prompts. A student keeps a distribution on purpose, like a
 * screenshot: "Save to library" saves the run on screen (its spec and result) as one record. That is what
 * a student expects from an exploratory tab; the experiment tabs (compare, sweep, …) save each run, which
 * the student started deliberately.
 *
 * View contract (issue #14): `stored` (a RunRecord) fills the inputs from its spec and shows its result
 * without recomputing (no engines needed); `pendingSpec` (a share link) fills the inputs and runs once the
 * pair is ready; `readonly` renders only the result (the Library's side by side).
 */
import { css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Engine, Template } from '../../../engine/types';
import { modelRefOf } from '../../../lab/experiments/model-ref';
import { nextTokenRunner, nextTokenSides, type AppendedToken, type NextTokenData, type NextTokenSpec } from '../../../lab/experiments/next-token';
import { SPEC_VERSION, type ResultEnvelope, type RunRecord, type SpecEnvelope } from '../../../lab/experiments/types';
import { visibleToken } from '../../../lab/tokens';
import { ModelStepEvent, NextInputsEvent, NextReportEvent, RunFinishedEvent, TokenChooseEvent } from '../../events';
import type { SideView } from '../../model-panel';
import type { SlotState } from '../../model-slot';
import { SIDES, type Side } from '../../params';
import { RunLifecycle } from '../../run-lifecycle';
import { PairView } from '../pair-view';
import '../../model-panel';
import '../../prompt-editor';

const HEADINGS: Record<Side, string> = { base: 'Base', tuned: 'Tuned' };
/** Typing waits this long before a run (the other inputs run at once). */
const PROMPT_DEBOUNCE_MS = 250;
const EMPTY_PROMPT = 'Type a prompt to see the next-token distribution.';

function isEmptyPrompt(e: { name: string; message: string } | undefined): boolean {
  return !!e && e.name === 'RangeError' && /encodes to no tokens/.test(e.message);
}

@customElement('next-view')
export class NextView extends PairView {
  static override styles = [
    ...PairView.styles,
    css`
      .note {
        margin: 0.4rem 0 0;
        font-size: 0.85rem;
        color: var(--muted);
      }
      .columns {
        display: grid;
        grid-template-columns: repeat(2, minmax(0, 1fr));
        gap: 1rem;
        margin-top: 0.8rem;
        align-items: stretch;
      }
      .save {
        display: flex;
        gap: 0.6rem;
        align-items: center;
        margin-top: 0.5rem;
        font-size: 0.85rem;
      }
      .stored-head {
        font-size: 0.9rem;
        white-space: pre-wrap;
        overflow-wrap: anywhere;
      }
      .chip {
        background: var(--chip-bg);
        border: 1px solid var(--chip-border);
        border-radius: 4px;
        padding: 0.05rem 0.35rem;
        white-space: pre;
      }
      @media (max-width: 860px) {
        .columns {
          grid-template-columns: minmax(0, 1fr);
        }
      }
    `,
  ];

  // ——— inputs (owned by the app's LabController) ———
  @property() prompt = '';
  @property() template: Template = 'none';
  @property({ type: Number }) k = 10;
  @property({ attribute: false }) appended: AppendedToken[] = [];
  /** How many appended tokens were set aside when the prompt was edited. */
  @property({ type: Number }) dropped = 0;
  @property({ attribute: false }) slotStates: Record<Side, SlotState> | null = null;

  // ——— the view contract ———
  @property({ attribute: false }) stored: RunRecord | null = null;
  @property({ attribute: false }) pendingSpec: SpecEnvelope | null = null;
  @property({ type: Boolean, reflect: true }) readonly = false;

  private readonly lifecycle = new RunLifecycle<NextTokenData>(this);
  /** Bumped whenever the inputs or the engines change: a run reports only while it is the latest. */
  private seq = 0;
  private last: { inputs: string; base: Engine | null; tuned: Engine | null } | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The inputs a stored run was opened with: kept on screen until they change. */
  private storedInputs: string | null = null;
  private pendingUsed = false;
  /** The result last saved to the library (the button says so until the next result). */
  private saved: unknown = null;

  constructor() {
    super();
    // Step: append this side's most likely token (the app's TokenChooseEvent does the appending).
    this.addEventListener(ModelStepEvent.type, (e) => {
      e.stopPropagation();
      const top = this.sideView(e.side).dist?.next.top[0];
      if (top && !this.readonly) this.dispatchEvent(new TokenChooseEvent(e.side, top.id, top.text));
    });
    this.addEventListener(TokenChooseEvent.type, (e) => {
      if (this.readonly) e.stopPropagation();
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private engine(side: Side): Engine | null {
    return side === 'base' ? this.base : this.tuned;
  }

  private inputsKey(): string {
    return JSON.stringify([this.prompt, this.template, this.k, this.appended]);
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    if (changed.has('stored') && this.stored) {
      this.openStored(this.stored);
      if (!this.readonly) {
        // The inputs arrive from the app on the next update; nothing runs for the old ones meanwhile.
        this.seq++;
        this.last = null;
        return;
      }
    }
    if (changed.has('pendingSpec') && this.pendingSpec && !this.pendingUsed) {
      this.pendingUsed = true;
      try {
        const spec = nextTokenRunner.validateSpec(this.pendingSpec);
        const { template, k, appended } = spec.settings;
        this.dispatchEvent(new NextInputsEvent(spec.prompt, template, k, appended));
      } catch (err) {
        this.lifecycle.fail(err);
      }
    }
    if (this.readonly) return;
    const inputs = this.inputsKey();
    const last = this.last;
    if (last && last.inputs === inputs && last.base === this.base && last.tuned === this.tuned) return;
    this.last = { inputs, base: this.base, tuned: this.tuned };
    this.seq++;
    if (this.storedInputs !== null) {
      // A stored run stays on screen until its inputs are changed (a new pair does not recompute it).
      if (this.storedInputs === inputs) return;
      this.storedInputs = null;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const onlyPrompt = last && last.base === this.base && last.tuned === this.tuned && JSON.parse(last.inputs)[0] !== this.prompt;
    if (onlyPrompt) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.run();
      }, PROMPT_DEBOUNCE_MS);
      this.requestUpdate();
    } else void this.run();
  }

  private openStored(record: RunRecord): void {
    try {
      const spec = nextTokenRunner.validateSpec(record.spec);
      const result = nextTokenRunner.validateResult(record.result);
      const { template, k, appended } = spec.settings;
      this.lifecycle.show(spec, result as unknown as ResultEnvelope<never, NextTokenData>);
      this.saved = result;
      if (!this.readonly) {
        this.storedInputs = JSON.stringify([spec.prompt, template, k, appended]);
        this.dispatchEvent(new NextInputsEvent(spec.prompt, template, k, appended));
      }
      this.dispatchEvent(new NextReportEvent({ state: 'done', engines: { base: null, tuned: null }, stored: true }));
    } catch (err) {
      this.lifecycle.fail(err);
    }
  }

  private specFor(sides: Side[]): NextTokenSpec {
    const models: NextTokenSpec['models'] = {};
    for (const s of sides) {
      const info = s === 'base' ? this.baseInfo : this.tunedInfo;
      if (info) models[s] = modelRefOf(info);
    }
    return {
      kind: 'next-token',
      version: SPEC_VERSION,
      models,
      prompt: this.prompt,
      seed: 0,
      settings: { template: this.template, k: this.k, appended: this.appended.map((t) => ({ side: t.side, id: t.id, text: t.text })) },
    };
  }

  private async run(): Promise<void> {
    const seq = this.seq;
    const engines = { base: this.base, tuned: this.tuned };
    const spec = this.specFor(SIDES.filter((s) => engines[s] !== null && (s === 'base' ? this.baseInfo : this.tunedInfo) !== null));
    const sides = nextTokenSides(spec);
    if (!sides.length) return; // no model ready yet: the models' load states say why
    this.dispatchEvent(new NextReportEvent({ state: 'running', engines, stored: false }));
    const result = await this.lifecycle.start(spec, (signal, onProgress) => nextTokenRunner.run(spec, { engines, signal, onProgress }) as unknown as Promise<ResultEnvelope<never, NextTokenData>>, { save: false });
    if (seq !== this.seq) return; // the inputs or the pair changed meanwhile: a newer run reports
    if (!result) {
      if (this.lifecycle.state === 'error') this.dispatchEvent(new NextReportEvent({ state: 'error', engines, stored: false }));
      return;
    }
    const failed = Object.values(result.data.errors).some((e) => !isEmptyPrompt(e));
    this.dispatchEvent(new NextReportEvent({ state: failed ? 'error' : 'done', engines, stored: false }));
  }

  private save(): void {
    const { spec, result } = this.lifecycle;
    if (!spec || !result) return;
    this.dispatchEvent(new RunFinishedEvent(spec, result));
    this.saved = result;
    this.requestUpdate();
  }

  /** What one side's panel shows. */
  private sideView(side: Side): SideView {
    const result = this.lifecycle.result;
    const fromStore = this.readonly || this.lifecycle.origin === 'stored';
    if (!fromStore && this.engine(side) === null) return { dist: null, error: null, busy: false, notice: null };
    const err = result?.data.errors[side];
    const busy = !fromStore && (this.lifecycle.running || this.timer !== null);
    if (isEmptyPrompt(err)) return { dist: null, error: null, busy, notice: EMPTY_PROMPT };
    return { dist: result?.data.sides[side] ?? null, error: err ?? null, busy, notice: null };
  }

  private renderPanels() {
    const data = this.lifecycle.result?.data ?? null;
    const spec = this.lifecycle.spec;
    const sides = this.readonly ? SIDES.filter((s) => data?.sides[s] || data?.errors[s]) : SIDES;
    return html`<div class="columns">
      ${sides.map(
        (side) => html`<model-panel
          .side=${side}
          .heading=${HEADINGS[side]}
          .slotState=${this.readonly ? null : (this.slotStates?.[side] ?? null)}
          .sideView=${this.sideView(side)}
          .storedSource=${spec?.models[side]?.repo ?? ''}
          ?readonly=${this.readonly}
        ></model-panel>`,
      )}
    </div>`;
  }

  private renderStoredHead() {
    const spec = this.lifecycle.spec as NextTokenSpec | null;
    if (!spec) return html`<div class="card">${this.lifecycle.render()}</div>`;
    return html`<div class="card" data-stored-spec>
      <div class="stored-head">Prompt (${spec.settings.template}): <span data-stored-prompt>${spec.prompt}</span></div>
      ${spec.settings.appended.length
        ? html`<div class="stored-head">
            then: ${spec.settings.appended.map((t) => html`<code class="chip" data-chip>${visibleToken(t.text)}</code> `)}
          </div>`
        : nothing}
      ${this.lifecycle.render()}
    </div>`;
  }

  override render() {
    if (this.readonly) return html`${this.renderStoredHead()}${this.renderPanels()}`;
    const data = this.lifecycle.result?.data ?? null;
    const canSave = this.lifecycle.result !== null && this.saved !== this.lifecycle.result && !this.lifecycle.running && this.timer === null;
    return html`
      <div class="card">
        <prompt-editor
          .prompt=${this.prompt}
          .template=${this.template}
          .k=${this.k}
          .thinking=${this.tunedInfo?.thinking ?? this.baseInfo?.thinking}
          .appended=${this.appended.map((t) => ({ text: t.text, from: t.side }))}
          .dropped=${this.dropped}
        ></prompt-editor>
        <p class="note">
          Click a token (or focus it and press Enter) to append it to the context of both models${data?.same_tokenizer === false
            ? ' — the tokenizers differ, so its text is re-encoded for the other model'
            : ''}.
        </p>
        <div class="save">
          <button data-save-run ?disabled=${!canSave} @click=${() => this.save()} title="Keep this context and both distributions in the library">
            Save to library
          </button>
          ${this.lifecycle.result && this.saved === this.lifecycle.result
            ? html`<span class="muted" data-saved>${this.lifecycle.origin === 'stored' ? '' : 'Saved to the library.'}</span>`
            : nothing}
        </div>
        ${this.lifecycle.state === 'error' || this.lifecycle.origin === 'stored' ? this.lifecycle.render() : nothing}
      </div>
      ${this.renderPanels()}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'next-view': NextView;
  }
}
