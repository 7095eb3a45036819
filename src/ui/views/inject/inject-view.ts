/**
 * `<inject-view>`: inject text mid-generation and see whether the model goes back to its trajectory.
 *
 * Each chosen model writes a clean continuation; the injection goes in after K clean tokens; both runs stop
 * at the model's stop ids. Per step after it: the same-offset and the aligned KL(injected ‖ clean) (best
 * clean position within ±W, with its offset), the log-probability of the clean run's next token and p(end).
 * Each run's outcome (recovered / ended / diverged), and the two continuations aligned token by token.
 * Greedy, or sampled over several seeds with common random numbers (mean and min–max band), beside the
 * no-injection band of control runs. A grid of injection points × injected texts gives a recovery heatmap
 * per model. The definitions are in src/lab/inject.ts.
 *
 * Experiments as data (issue #14): the view builds an `inject` spec from its fields and runs it with the
 * kind's runner (src/lab/experiments/inject.ts) through a RunLifecycle; it renders only a result envelope,
 * live or stored. "Run heatmap" runs the same spec with the heatmap grid (its own lifecycle, so a heatmap
 * stays on screen while traces are re-run). `stored` shows a library run without engines, `pendingSpec`
 * (a shared link) fills the fields and runs once the models are ready, `readonly` shows the result only.
 */
import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import '../../family-hint';
import { injectRunner, injectSpec, type InjectData, type InjectResultEnvelope, type InjectSettings, type InjectSpec, type Side } from '../../../lab/experiments/inject';
import { modelRefOf } from '../../../lab/experiments/model-ref';
import type { RunRecord, SpecEnvelope, SpecModels } from '../../../lab/experiments/types';
import { INJECT_PRESETS } from '../../../lab/inject';
import { downloadCsv, downloadJson } from '../../download';
import '../../lab-chart';
import { updateQuery } from '../../params';
import { RunLifecycle } from '../../run-lifecycle';
import { PairView } from '../pair-view';
import { experimentStyles } from '../sweep-common';
import { injectCsv, traceCharts } from './inject-export';
import { DEFAULTS, fieldsFromSpec, heatmapFrom, initialFields, settingsFrom, type Field, type Fields } from './inject-fields';
import { renderHeatTables, renderTrace } from './inject-render';
import { injectStyles } from './inject-styles';

/** An input problem, shown like a run's error (by its message). */
class InputError extends Error {
  override readonly name = 'Input';
}

@customElement('inject-view')
export class InjectView extends PairView {
  static override styles = [...PairView.styles, experimentStyles, injectStyles];

  /** A stored run (library): fills the fields from its spec and shows its result without recomputing. */
  @property({ attribute: false }) stored: RunRecord | null = null;
  /** A spec from a shared link: fills the fields and runs once the models it needs are ready (once). */
  @property({ attribute: false }) pendingSpec: SpecEnvelope | null = null;
  /** Render the result only (no form, no run buttons): the Library's side-by-side. */
  @property({ type: Boolean, reflect: true }) readonly = false;

  @state() private f: Fields = initialFields();
  /** The trace runs (owns data-view-state) and the heatmap runs. */
  readonly trace = new RunLifecycle<InjectData>(this);
  readonly heat = new RunLifecycle<InjectData>(this, false);
  private charts: { key: unknown; value: ReturnType<typeof traceCharts> } | null = null;
  private pendingDone: SpecEnvelope | null = null;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('stored') && this.stored) this.showStored(this.stored);
    if (changed.has('pendingSpec') && this.pendingSpec && this.pendingSpec !== this.pendingDone) {
      try {
        const spec = injectRunner.validateSpec(this.pendingSpec);
        this.f = fieldsFromSpec(this.f, spec);
      } catch (err) {
        this.pendingDone = this.pendingSpec;
        this.trace.fail(err);
      }
    }
    if (this.pendingSpec && this.pendingSpec !== this.pendingDone && (changed.has('base') || changed.has('tuned') || changed.has('pendingSpec'))) {
      const sides = (this.pendingSpec.settings as InjectSettings | undefined)?.sides ?? [];
      if (sides.every((s) => (s === 'base' ? this.base : this.tuned))) {
        this.pendingDone = this.pendingSpec;
        void this.run();
      }
    }
  }

  private showStored(r: RunRecord): void {
    try {
      const spec = injectRunner.validateSpec(r.spec);
      const result = injectRunner.validateResult(r.result);
      this.f = fieldsFromSpec(this.f, spec);
      this.trace.show(spec, result as never);
      if (spec.settings.heatmap) this.heat.show(spec, result as never);
      else this.heat.clear();
      this.trace.hostConnected();
    } catch (err) {
      this.trace.fail(err);
    }
  }

  private set(k: Field, v: string): void {
    this.f = { ...this.f, [k]: v };
    if (!this.stored) updateQuery({ [`inject.${k}`]: v === DEFAULTS[k] ? null : v });
  }

  private applyPreset(id: string): void {
    const p = INJECT_PRESETS.find((x) => x.id === id);
    if (!p) return;
    this.set('prompt', p.prompt);
    this.set('tb', p.template);
    this.set('tt', p.template);
    this.set('k', String(p.afterTokens));
    this.set('text', p.injection);
  }

  /** The spec the fields make (with the heatmap grid when asked), or throws an InputError. */
  private spec(withHeatmap: boolean): InjectSpec {
    const parts = settingsFrom(this.f);
    if (typeof parts === 'string') throw new InputError(parts);
    const settings: InjectSettings = { ...parts.settings };
    if (withHeatmap) {
      const h = heatmapFrom(this.f);
      if (typeof h === 'string') throw new InputError(h);
      settings.heatmap = h;
    }
    const models: SpecModels = {};
    const missing: Side[] = [];
    for (const side of settings.sides) {
      const engine = side === 'base' ? this.base : this.tuned;
      const info = side === 'base' ? this.baseInfo : this.tunedInfo;
      if (!engine || !info) missing.push(side);
      else models[side] = modelRefOf(info);
    }
    if (missing.length) throw new InputError(`The ${missing.join(' and ')} model must be loaded first (see the pair above).`);
    return injectSpec({ models, prompt: parts.prompt, seed: parts.seed, settings });
  }

  private async start(lifecycle: RunLifecycle<InjectData>, withHeatmap: boolean): Promise<void> {
    let spec: InjectSpec;
    try {
      spec = this.spec(withHeatmap);
    } catch (err) {
      lifecycle.fail(err);
      return;
    }
    const engines = { base: this.base, tuned: this.tuned };
    await lifecycle.start(spec, (signal, onProgress) => injectRunner.run(spec, { engines, signal, onProgress }) as Promise<never>);
  }

  private run(): Promise<void> {
    return this.start(this.trace, false);
  }

  private runHeatmap(): Promise<void> {
    return this.start(this.heat, true);
  }

  private chooseK(k: number): void {
    this.set('k', String(k));
    void this.run();
  }

  private shown(l: RunLifecycle<InjectData>): { spec: InjectSpec; data: InjectData } | null {
    if (!l.spec || !l.result) return null;
    return { spec: l.spec as InjectSpec, data: (l.result as unknown as InjectResultEnvelope).data };
  }

  private exportJson(): void {
    const r = this.shown(this.trace);
    if (r) downloadJson('injection.json', { spec: r.spec, result: this.trace.result });
  }

  private exportCsv(): void {
    const r = this.shown(this.trace);
    if (r) downloadCsv('injection-traces.csv', injectCsv(r.spec.settings, r.data));
  }

  // ---------------------------------------------------------------------------------------------

  private input(k: Field, label: string, type = 'text', hint?: string) {
    return html`<div class="field">
      <label for=${`f-${k}`}>${label}</label>
      <input id=${`f-${k}`} type=${type} .value=${this.f[k]} @input=${(e: Event) => this.set(k, (e.target as HTMLInputElement).value)} />
      ${hint ? html`<p class="hint">${hint}</p>` : nothing}
    </div>`;
  }

  private select(k: Field, label: string, options: [string, string][]) {
    return html`<div class="field">
      <label for=${`f-${k}`}>${label}</label>
      <select id=${`f-${k}`} @change=${(e: Event) => this.set(k, (e.target as HTMLSelectElement).value)}>
        ${options.map(([v, l]) => html`<option value=${v} ?selected=${this.f[k] === v}>${l}</option>`)}
      </select>
    </div>`;
  }

  /** Why the templates are what they are. Here the template goes with the prompt, not the model: the
   *  presets come as a chat request (read in the chat template by both models, lab-base too, as the family's
   *  figures measure recovery) or as a plain-text opening (plain text on both sides), so both runs see the
   *  same text; a model without a chat template can only read plain text. */
  private templateHint(): string {
    const noChat = (['base', 'tuned'] as const).filter((side) => (side === 'base' ? this.f.tb : this.f.tt) === 'chat' && (side === 'base' ? this.baseInfo : this.tunedInfo)?.hasChatTemplate === false);
    const why = 'The template goes with the prompt, the same on both sides: a chat request (the wedding and story presets) in the chat template, a plain-text opening (the plain-text wedding preset) as plain text.';
    return noChat.length ? `${why} The ${noChat.join(' and ')} model has no chat template: choose none (plain text) for it.` : why;
  }

  /** The lifecycle's status line; an error in the view's error box. */
  private status(l: RunLifecycle<InjectData>, hook: string) {
    return l.state === 'error' ? html`<div class="error-box" ?data-heat-error=${hook === 'heat'}>${l.render()}</div>` : l.render();
  }

  private renderForm() {
    const running = this.trace.running;
    const has = this.shown(this.trace) !== null;
    return html`<div class="card">
      <h2>Injection: does the model pull back to its attractor?</h2>
      <div class="form">
        <div class="field wide">
          <label for="f-preset">Preset</label>
          <select id="f-preset" @change=${(e: Event) => this.applyPreset((e.target as HTMLSelectElement).value)}>
            <option value="">— choose a preset —</option>
            ${INJECT_PRESETS.map((p) => html`<option value=${p.id}>${p.label}</option>`)}
          </select>
          <family-hint view="inject"></family-hint>
        </div>
        <div class="field wide">
          <label for="f-prompt">Prompt</label>
          <textarea id="f-prompt" rows="2" .value=${this.f.prompt} @input=${(e: Event) => this.set('prompt', (e.target as HTMLTextAreaElement).value)}></textarea>
        </div>
        ${this.select('models', 'Models', [
          ['both', 'base and tuned'],
          ['base', 'base only'],
          ['tuned', 'tuned only'],
        ])}
        ${this.select('tb', 'Base template', [
          ['none', 'none (plain text)'],
          ['chat', 'chat'],
        ])}
        ${this.select('tt', 'Tuned template', [
          ['chat', 'chat'],
          ['none', 'none (plain text)'],
        ])}
        <p class="hint wide" data-template-hint>${this.templateHint()}</p>
        ${this.input('k', 'Inject after K clean tokens', 'number', 'or click a clean token below')}
        <div class="field wide">
          <label for="f-text">Injected text</label>
          <input id="f-text" .value=${this.f.text} @input=${(e: Event) => this.set('text', (e.target as HTMLInputElement).value)} />
          <p class="hint">Leading spaces count. Empty: no injection (the clean run itself: KL 0, recovered at step 0).</p>
        </div>
        ${this.input('steps', 'Steps after the injection (N)', 'number')}
        ${this.input('threshold', 'KL threshold floor (nats)', 'text', 'τ = max(floor, relative × the clean run\'s mean entropy)')}
        ${this.input('rel', 'Threshold relative to entropy', 'text', 'same footing for a spread-out base and a peaked tuned model')}
        ${this.input('window', 'Alignment window ±W (tokens)', 'number', 'aligned KL: the best clean position within ±W')}
        ${this.input('run', 'Recovery run R (steps)', 'number', 'recovered: R steps in a row below τ at one offset')}
        ${this.select('mode', 'Decoding', [
          ['greedy', 'greedy'],
          ['sampled', 'sampled (T = 1)'],
        ])}
        ${this.f.mode === 'sampled'
          ? html`${this.input('seed', 'Seed', 'number', 'clean and injected runs share its random numbers')} ${this.input('runs', 'Runs (seeds seed, seed+1, …)', 'number', 'each with a no-injection control run')}`
          : nothing}
      </div>
      <div class="actions">
        <button class="primary" data-action="run" @click=${() => void this.run()} ?disabled=${running}>Run injection</button>
        <span class="spacer"></span>
        <button data-action="export-csv" @click=${this.exportCsv} ?disabled=${!has || running}>Export CSV</button>
        <button data-action="export-json" @click=${this.exportJson} ?disabled=${!has || running}>Export JSON</button>
      </div>
      ${this.status(this.trace, 'trace')}
    </div>`;
  }

  private renderResult() {
    const r = this.shown(this.trace);
    if (!r) return nothing;
    if (this.charts?.key !== r.data) this.charts = { key: r.data, value: traceCharts(r.spec.settings, r.data) };
    return renderTrace(r.spec.settings, r.data, this.charts.value, this.readonly ? null : (k) => this.chooseK(k));
  }

  private renderHeatmap() {
    const h = this.shown(this.heat);
    const tables = h ? renderHeatTables(h.spec.settings.steps, { base: h.data.base?.heatmap ?? null, tuned: h.data.tuned?.heatmap ?? null }) : nothing;
    if (this.readonly) return h ? html`<div class="card" data-section="heatmap"><h2>Recovery heatmap: injection points × injected texts</h2>${tables}</div>` : nothing;
    return html`<div class="card" data-section="heatmap">
      <h2>Recovery heatmap: injection points × injected texts</h2>
      <p class="hint">Uses the prompt, templates, models, steps, thresholds, window and run above; greedy. Each cell: the recovery step (— if the run never recovered; "ended" if it closed its turn or the text off the trajectory) and the mean aligned KL over the steps.</p>
      <div class="form">
        ${this.input('hk', 'Injection points K (comma-separated)')}
        <div class="field wide">
          <label for="f-htexts">Injected texts (one per line; leading spaces count)</label>
          <textarea id="f-htexts" rows="3" .value=${this.f.htexts} @input=${(e: Event) => this.set('htexts', (e.target as HTMLTextAreaElement).value)}></textarea>
        </div>
      </div>
      <div class="actions">
        <button data-action="heatmap" @click=${() => void this.runHeatmap()} ?disabled=${this.heat.running}>Run heatmap</button>
      </div>
      ${this.status(this.heat, 'heat')} ${tables}
    </div>`;
  }

  override render() {
    if (this.readonly) return html`${this.trace.state === 'error' ? this.status(this.trace, 'trace') : nothing} ${this.renderResult()} ${this.renderHeatmap()}`;
    return html`${this.renderForm()} ${this.renderResult()} ${this.renderHeatmap()}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'inject-view': InjectView;
  }
}
