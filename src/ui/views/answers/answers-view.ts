/**
 * `<answers-view>`: exact answer distributions by enumeration (issue 7). Both models score every candidate
 * (frame, then prefix + candidate + suffix, teacher-forced after the prompt); the temperature slider shows
 * the distribution at each of its positions exactly (the run re-tempers the kept logits at all of them), so
 * moving it never runs the models again.
 *
 * Experiments as data (issue #14): the view builds an `answers` spec from its fields and runs it with the
 * kind's runner (src/lab/experiments/answers.ts) through a RunLifecycle; it renders only a result envelope,
 * live or stored. Free answers run the same spec with `free` set (their own lifecycle). `stored` shows a
 * library run without engines, `pendingSpec` (a shared link) fills the fields and runs once the pair is
 * ready, `readonly` shows the result only.
 *
 * Full-precision numbers are in `data-*` attributes for tests; `data-runs` counts scoring runs finished here.
 */
import '../../family-hint';
import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Template } from '../../../engine/types';
import { ANSWER_PRESETS, parseChoices, type AnswerPreset } from '../../../lab/answers';
import { answersRunner, answersSpec, SLIDER_TEMPERATURES, type AnswersData, type AnswersResultEnvelope, type AnswersSettings, type AnswersSpec } from '../../../lab/experiments/answers';
import { modelRefOf } from '../../../lab/experiments/model-ref';
import type { RunRecord, SpecEnvelope } from '../../../lab/experiments/types';
import '../../lab-chart';
import { queryParam, updateQuery } from '../../params';
import { RunLifecycle } from '../../run-lifecycle';
import { formatPercent } from '../../format';
import { inlineStyle, resultTable } from '../../styles';
import { presetFrame } from '../../../lab/templates';
import { TemplatePicks } from '../../template-picks';
import { PairView } from '../pair-view';
import { escapeAffix, unescapeAffix } from './answers-affix';
import { atTemperature, chartConfig, renderFreeTable, renderLowMass, renderOverlap, renderPublished, renderStats, renderTable, shown, SIDES, type AtT } from './answers-render';
import { sliderTemperature } from './answers-at';
import { answersStyles } from './answers-styles';

type Side = 'base' | 'tuned';
const TEMPLATES: readonly Template[] = ['none', 'chat'];
/** Shown until a model's default template is known; the templates follow the model (TemplatePicks). */
const DEFAULT_TEMPLATE: Record<Side, Template> = { base: 'none', tuned: 'chat' };
const END_OF_TURN = '<|im_end|>';
const T_MIN = 0.1;
const T_MAX = 3;

const CANDIDATE_SETS: { label: string; spec: string }[] = [
  { label: '1..100', spec: '1..100' },
  { label: 'd6 1..6', spec: '1..6' },
  { label: 'A..D', spec: 'A..D' },
  { label: 'yes / no / hedge', spec: 'Yes\nNo\nIt depends' },
];

function pick<T extends string, F extends T | null>(value: string | null, allowed: readonly T[], fallback: F): T | F {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

const clampT = sliderTemperature;

/** How a model's frame (its words before the answer) is chosen: as typed, or its own opener found greedily. */
type FrameMode = 'typed' | 'own';
const FRAME_MODES: readonly FrameMode[] = ['typed', 'own'];

interface Fields {
  prompt: string;
  spec: string;
  candPrefix: string;
  suffixBase: string;
  suffixTuned: string;
  templateBase: Template;
  templateTuned: Template;
  frameBase: string;
  frameTuned: string;
  frameModeBase: FrameMode;
  frameModeTuned: FrameMode;
}

/** An input problem, shown like a run's error. */
class InputError extends Error {
  override readonly name = 'Input';
}

@customElement('answers-view')
export class AnswersView extends PairView {
  static override styles = [...PairView.styles, resultTable, answersStyles];

  /** A stored run (library): fills the fields from its spec and shows its result without recomputing. */
  @property({ attribute: false }) stored: RunRecord | null = null;
  /** A spec from a shared link: fills the fields and runs once both models are ready (once). */
  @property({ attribute: false }) pendingSpec: SpecEnvelope | null = null;
  /** Render the result only (no form, no run buttons): the Library's side-by-side. */
  @property({ type: Boolean, reflect: true }) readonly = false;

  @state() private prompt = queryParam('answers.prompt') ?? ANSWER_PRESETS[2]!.prompt;
  @state() private spec = queryParam('answers.choices') ?? ANSWER_PRESETS[2]!.choices;
  @state() private candPrefix = queryParam('answers.prefix') ?? ANSWER_PRESETS[2]!.prefix;
  @state() private suffixBase = queryParam('answers.suffixBase') ?? '';
  @state() private suffixTuned = queryParam('answers.suffixTuned') ?? '';
  @state() private templateBase: Template = DEFAULT_TEMPLATE.base;
  @state() private templateTuned: Template = DEFAULT_TEMPLATE.tuned;
  @state() private temperature = clampT(Number(queryParam('answers.T') ?? 1));
  @state() private presetId: string | null = null;
  @state() private frameBase = queryParam('answers.frameBase') ?? '';
  @state() private frameTuned = queryParam('answers.frameTuned') ?? '';
  @state() private frameModeBase: FrameMode = pick(queryParam('answers.frameModeBase'), FRAME_MODES, 'typed');
  @state() private frameModeTuned: FrameMode = pick(queryParam('answers.frameModeTuned'), FRAME_MODES, 'typed');
  @state() private freeN = 16;
  @state() private freeRegex = '(\\d+)';
  @state() private sortBy: Side = 'tuned';

  /** Scoring runs (owns data-view-state) and free-answer runs. */
  readonly main = new RunLifecycle<AnswersData>(this);
  readonly free = new RunLifecycle<AnswersData>(this, false);
  /** The templates: each loaded model's default unless chosen (link, stored run, shared spec, the select). */
  private readonly templates = new TemplatePicks<Template>(this, {
    plainBase: 'none',
    link: { base: pick(queryParam('answers.templateBase'), TEMPLATES, null), tuned: pick(queryParam('answers.templateTuned'), TEMPLATES, null) },
    fallback: DEFAULT_TEMPLATE,
    onChange: (v) => {
      this.templateBase = v.base;
      this.templateTuned = v.tuned;
      if (!this.readonly) this.saveParams();
    },
  });
  private runs = 0;
  private pendingDone: SpecEnvelope | null = null;
  private atCache: { data: AnswersData; t: number; at: AtT; chart: ReturnType<typeof chartConfig> } | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.dataset['runs'] = String(this.runs);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!this.readonly) this.templates.models(this.base, this.tuned, { base: this.baseInfo, tuned: this.tunedInfo });
    if (changed.has('stored') && this.stored) this.showStored(this.stored);
    if (changed.has('pendingSpec') && this.pendingSpec && this.pendingSpec !== this.pendingDone) {
      try {
        this.fill(answersRunner.validateSpec(this.pendingSpec), 'shared');
      } catch (err) {
        this.pendingDone = this.pendingSpec;
        this.main.fail(err);
      }
    }
    if (this.pendingSpec && this.pendingSpec !== this.pendingDone && this.pairReady) {
      this.pendingDone = this.pendingSpec;
      void this.run();
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    this.dataset['temperature'] = String(this.temperature);
  }

  /** The fields from a spec (a stored run, a shared link); its templates are explicit choices. */
  private fill(s: AnswersSpec, source: 'stored' | 'shared'): void {
    const st = s.settings;
    this.prompt = s.prompt;
    this.spec = st.choices;
    this.candPrefix = st.prefix;
    for (const side of SIDES) {
      const t = st.templates[side];
      if (t) this.templates.choose(side, t, source);
    }
    this.suffixBase = st.suffixes.base ?? this.suffixBase;
    this.suffixTuned = st.suffixes.tuned ?? this.suffixTuned;
    for (const side of SIDES) {
      const f = st.frames[side];
      if (!f) continue;
      if (side === 'base') [this.frameModeBase, this.frameBase] = [f.mode === 'auto' ? 'own' : 'typed', f.text];
      else [this.frameModeTuned, this.frameTuned] = [f.mode === 'auto' ? 'own' : 'typed', f.text];
    }
    this.temperature = clampT(st.temperature);
    this.presetId = st.preset;
    if (st.free) {
      this.freeN = st.free.samples;
      this.freeRegex = st.free.regex ?? '';
    }
  }

  private showStored(r: RunRecord): void {
    try {
      const spec = answersRunner.validateSpec(r.spec);
      const result = answersRunner.validateResult(r.result);
      if (!result.data.base || !result.data.tuned) throw new InputError('This view shows runs of both models; this run has one side only.');
      this.fill(spec, 'stored');
      // An own opener found greedily is shown in its field, as after a run here.
      this.frameBase = spec.settings.frames.base?.mode === 'auto' ? result.data.base.frame.text : this.frameBase;
      this.frameTuned = spec.settings.frames.tuned?.mode === 'auto' ? result.data.tuned.frame.text : this.frameTuned;
      this.main.show(spec, result as never);
      if (spec.settings.free) this.free.show(spec, result as never);
      else this.free.clear();
      this.main.hostConnected();
    } catch (err) {
      this.main.fail(err);
    }
  }

  private saveParams(): void {
    if (this.stored) return;
    updateQuery({
      'answers.prompt': this.prompt,
      'answers.choices': this.spec,
      'answers.prefix': this.candPrefix,
      'answers.suffixBase': this.suffixBase,
      'answers.suffixTuned': this.suffixTuned,
      // only an explicit choice: a link without them follows the models of whatever pair it opens
      'answers.templateBase': this.templates.param('base'),
      'answers.templateTuned': this.templates.param('tuned'),
      'answers.T': this.temperature === 1 ? null : String(this.temperature),
      'answers.frameBase': this.frameBase === '' ? null : this.frameBase,
      'answers.frameTuned': this.frameTuned === '' ? null : this.frameTuned,
      'answers.frameModeBase': this.frameModeBase === 'typed' ? null : this.frameModeBase,
      'answers.frameModeTuned': this.frameModeTuned === 'typed' ? null : this.frameModeTuned,
    });
  }

  private set<K extends keyof Fields>(key: K, value: Fields[K]): void {
    if (key === 'templateBase' || key === 'templateTuned') {
      this.presetId = null;
      this.templates.choose(key === 'templateBase' ? 'base' : 'tuned', value as Template, 'user');
      return;
    }
    (this as unknown as Fields)[key] = value;
    this.presetId = null;
    this.saveParams();
  }

  private template(side: Side): Template {
    return side === 'base' ? this.templateBase : this.templateTuned;
  }

  private suffix(side: Side): string {
    return side === 'base' ? this.suffixBase : this.suffixTuned;
  }

  private frame(side: Side): string {
    return side === 'base' ? this.frameBase : this.frameTuned;
  }

  private frameMode(side: Side): FrameMode {
    return side === 'base' ? this.frameModeBase : this.frameModeTuned;
  }

  private info(side: Side) {
    return side === 'base' ? this.baseInfo : this.tunedInfo;
  }

  /** The terminator that makes the candidates mutually exclusive for a model: its end-of-turn token
   *  after a chat template, otherwise a newline. */
  private terminator(side: Side): string {
    return this.template(side) === 'chat' && this.info(side)?.hasChatTemplate !== false ? END_OF_TURN : '\n';
  }

  private makeExclusive(): void {
    this.suffixBase = this.terminator('base');
    this.suffixTuned = this.terminator('tuned');
    this.saveParams();
  }

  /** A preset: its prompt and candidates, each side in its model's default template, and each side's frame
   *  for that template (a chat-tuned base answers in its chat voice: the tuned side's frame, presetFrame). */
  private async applyPreset(p: AnswerPreset): Promise<void> {
    await this.templates.settled();
    this.templates.reset();
    this.prompt = p.prompt;
    this.spec = p.choices;
    this.candPrefix = p.prefix;
    this.suffixBase = p.suffix;
    this.suffixTuned = p.suffix;
    const fb = presetFrame(p.frames, 'base', this.templateBase);
    const ft = presetFrame(p.frames, 'tuned', this.templateTuned);
    this.frameModeBase = fb === 'auto' ? 'own' : 'typed';
    this.frameBase = fb === 'auto' ? '' : fb;
    this.frameModeTuned = ft === 'auto' ? 'own' : 'typed';
    this.frameTuned = ft === 'auto' ? '' : ft;
    this.presetId = p.id;
    this.saveParams();
    void this.run();
  }

  /** The spec the fields make, or throws an InputError saying what to fix. */
  private specOf(free: AnswersSettings['free']): AnswersSpec {
    if (!this.pairReady || !this.baseInfo || !this.tunedInfo) throw new InputError('Both models must be loaded first.');
    if (this.prompt.trim() === '') throw new InputError('The prompt is empty: type one.');
    try {
      parseChoices(this.spec);
    } catch (err) {
      throw new InputError(`The candidate set is not valid: ${(err as Error).message}. Give a range like 1..100 or A..D, or one candidate per line.`);
    }
    const frame = (side: Side) => (this.frameMode(side) === 'own' ? { mode: 'auto' as const, text: '' } : { mode: 'typed' as const, text: this.frame(side) });
    return answersSpec({
      models: { base: modelRefOf(this.baseInfo), tuned: modelRefOf(this.tunedInfo) },
      prompt: this.prompt,
      seed: 0,
      settings: {
        sides: ['base', 'tuned'],
        templates: { base: this.templateBase, tuned: this.templateTuned },
        choices: this.spec,
        prefix: this.candPrefix,
        suffixes: { base: this.suffixBase, tuned: this.suffixTuned },
        frames: { base: frame('base'), tuned: frame('tuned') },
        temperature: this.temperature,
        temperatures: SLIDER_TEMPERATURES.slice(),
        free,
        preset: this.presetId,
      },
    });
  }

  private async start(lifecycle: RunLifecycle<AnswersData>, free: AnswersSettings['free']): Promise<AnswersResultEnvelope | null> {
    let spec: AnswersSpec;
    try {
      spec = this.specOf(free);
    } catch (err) {
      lifecycle.fail(err);
      return null;
    }
    const engines = { base: this.base, tuned: this.tuned };
    return (await lifecycle.start(spec, (signal, onProgress) => answersRunner.run(spec, { engines, signal, onProgress }) as Promise<never>)) as AnswersResultEnvelope | null;
  }

  private async run(): Promise<void> {
    if (this.main.running) return;
    await this.templates.settled(); // a click right after the pair loads runs with the models' defaults
    if (this.main.running) return;
    this.free.clear();
    const r = await this.start(this.main, null);
    if (!r) return;
    // An own opener found greedily is shown in its field (typing there makes it a typed frame).
    this.frameBase = r.data.base!.frame.text;
    this.frameTuned = r.data.tuned!.frame.text;
    this.saveParams();
    this.runs++;
    this.dataset['runs'] = String(this.runs);
  }

  /** Free answers: the same spec with N samples per model at the slider's temperature, classified. */
  private async runFree(): Promise<void> {
    if (this.free.running) return;
    if (this.freeRegex !== '') {
      try {
        new RegExp(this.freeRegex, 'u');
      } catch (err) {
        this.free.fail(new InputError(`The answer pattern is not a valid regular expression: ${(err as Error).message}`));
        return;
      }
    }
    if (!Number.isInteger(this.freeN) || this.freeN < 1 || this.freeN > 256) {
      this.free.fail(new InputError('Free answers: the sample count must be a whole number from 1 to 256.'));
      return;
    }
    await this.start(this.free, { samples: this.freeN, max_tokens: 24, regex: this.freeRegex === '' ? null : this.freeRegex });
  }

  private onTemperature(e: Event): void {
    this.temperature = clampT(Number((e.target as HTMLInputElement).value));
    this.saveParams();
  }

  /** The lifecycle's status line; an error in the view's error box. */
  private status(l: RunLifecycle<AnswersData>) {
    return l.state === 'error' ? html`<div class="error-box" style=${inlineStyle('margin-top:0.6rem')}>${l.render()}</div>` : l.render();
  }

  private shown(l: RunLifecycle<AnswersData>): { spec: AnswersSpec; data: AnswersData } | null {
    if (!l.spec || !l.result) return null;
    return { spec: l.spec as AnswersSpec, data: (l.result as unknown as AnswersResultEnvelope).data };
  }

  // ---------------------------------------------------------------- rendering

  private renderPresets() {
    return html`<family-hint view="answers"></family-hint>
      <div class="presets" role="group" aria-label="Presets">
      ${ANSWER_PRESETS.map(
        (p) => html`<div class="preset">
          <button id=${`preset-${p.id}`} data-preset=${p.id} aria-pressed=${this.presetId === p.id ? 'true' : 'false'} ?disabled=${this.main.running || !this.pairReady} @click=${() => void this.applyPreset(p)}>
            ${p.label}
          </button>
          <span class="published" data-published=${p.id}
            >${p.published
              ? html`Published (raw): ${p.published.rows.map((r, i) => html`${i ? ' vs ' : ''}${r.model} “${r.answer}” ${formatPercent(r.prob)}`)} (uniform ${formatPercent(p.published.uniform)})`
              : p.note ?? 'No published figure.'}</span
          >
        </div>`,
      )}
    </div>`;
  }

  private renderAffixes() {
    const first = (() => {
      try {
        return parseChoices(this.spec)[0] ?? '';
      } catch {
        return '';
      }
    })();
    return html`<div class="field">
      ${SIDES.map(
        (side) => html`<label for=${`frame-${side}`}>Frame for the ${side} model: its words in its turn before the answer</label>
          <div class="row">
            <select
              id=${`frame-mode-${side}`}
              aria-label=${`${side} frame mode`}
              @change=${(e: Event) => this.set(side === 'base' ? 'frameModeBase' : 'frameModeTuned', (e.target as HTMLSelectElement).value as FrameMode)}
            >
              <option value="typed" ?selected=${this.frameMode(side) === 'typed'}>typed</option>
              <option value="own" ?selected=${this.frameMode(side) === 'own'}>its own opener (greedy)</option>
            </select>
            <input
              id=${`frame-${side}`}
              class="affix"
              style=${inlineStyle('flex:1')}
              placeholder=${this.frameMode(side) === 'own' ? 'found when you score' : 'none: candidates right after the context'}
              .value=${escapeAffix(this.frame(side))}
              @input=${(e: Event) => {
                this.set(side === 'base' ? 'frameModeBase' : 'frameModeTuned', 'typed');
                this.set(side === 'base' ? 'frameBase' : 'frameTuned', unescapeAffix((e.target as HTMLInputElement).value));
              }}
            />
          </div>`,
      )}
      <span class="example"
        >A tuned model opens its turn with its own words (“Sure! How about …”); scored right after the context, the candidates sit on a path it rarely takes. “Its
        own opener” cuts the model's greedy answer where the candidates' first tokens get the most probability.</span
      >
      <label for="prefix">Prefix (before every candidate; type \n for a newline)</label>
      <div class="row">
        <input
          id="prefix"
          class="affix"
          .value=${escapeAffix(this.candPrefix)}
          @input=${(e: Event) => this.set('candPrefix', unescapeAffix((e.target as HTMLInputElement).value))}
        />
        <span class="example">shown: <code class="tok">${shown(this.candPrefix)}</code></span>
      </div>
      ${SIDES.map(
        (side) => html`<label for=${`suffix-${side}`}>Suffix for the ${side} model (after every candidate; \\n = newline)</label>
          <div class="row">
            <input
              id=${`suffix-${side}`}
              class="affix"
              .value=${escapeAffix(this.suffix(side))}
              @input=${(e: Event) => this.set(side === 'base' ? 'suffixBase' : 'suffixTuned', unescapeAffix((e.target as HTMLInputElement).value))}
            />
            <button class="small" title="The end-of-turn token of the chat template" @click=${() => this.set(side === 'base' ? 'suffixBase' : 'suffixTuned', END_OF_TURN)}>
              ${END_OF_TURN}
            </button>
            <button class="small" @click=${() => this.set(side === 'base' ? 'suffixBase' : 'suffixTuned', '.')}>.</button>
            <button class="small" title="A newline" @click=${() => this.set(side === 'base' ? 'suffixBase' : 'suffixTuned', '\n')}>↵</button>
            <button class="small" title="No suffix" @click=${() => this.set(side === 'base' ? 'suffixBase' : 'suffixTuned', '')}>none</button>
          </div>
          <span class="example"
            >the ${side} model scores e.g. <code class="tok">${shown(this.frame(side) + this.candPrefix + first + this.suffix(side))}</code> after its ${this.template(side)} context</span
          >`,
      )}
    </div>`;
  }

  private renderForm() {
    const busy = this.main.running;
    return html`<div class="card">
      <h3>Presets</h3>
      ${this.renderPresets()}
      <div class="form">
        <div class="field">
          <label for="prompt">Prompt</label>
          <textarea id="prompt" rows="2" .value=${this.prompt} @input=${(e: Event) => this.set('prompt', (e.target as HTMLTextAreaElement).value)}></textarea>
          <div class="row">
            ${SIDES.map(
              (side) => html`<label
                >${side} template
                <select
                  id=${`template-${side}`}
                  @change=${(e: Event) => this.set(side === 'base' ? 'templateBase' : 'templateTuned', (e.target as HTMLSelectElement).value as Template)}
                >
                  ${TEMPLATES.map((t) => html`<option value=${t} ?selected=${this.template(side) === t}>${t}</option>`)}
                </select></label
              >`,
            )}
          </div>
          <span class="example"
            >The base reads the prompt ${this.templateBase === 'none' ? 'as plain text (none)' : 'in its chat template (chat)'}; the tuned model reads it
            ${this.templateTuned === 'chat' ? 'in its chat template (chat)' : 'as plain text (none)'}.
            ${SIDES.map((side) => html`<span class="template-hint" data-template-hint=${side}>${side}: ${this.templates.hint(side)} </span>`)}</span
          >
          <label for="choices" style=${inlineStyle('margin-top:0.4rem')}>Candidates: a range (1..100, A..D) or one per line</label>
          <textarea id="choices" rows="4" .value=${this.spec} @input=${(e: Event) => this.set('spec', (e.target as HTMLTextAreaElement).value)}></textarea>
          <div class="row">
            ${CANDIDATE_SETS.map((c) => html`<button class="small" @click=${() => this.set('spec', c.spec)}>${c.label}</button>`)}
          </div>
        </div>
        ${this.renderAffixes()}
      </div>
      <div class="actions">
        <button id="run" class="primary" ?disabled=${busy || !this.pairReady} @click=${() => void this.run()}>Score candidates</button>
        <button
          id="exclusive"
          ?disabled=${busy}
          title="Set each model's suffix to a terminator: the end-of-turn token after a chat template, a newline otherwise"
          @click=${() => this.makeExclusive()}
        >
          Make candidates exclusive
        </button>
        <span class="status" role="status" aria-live="polite">${busy ? '' : this.pairReady ? '' : 'Waiting for both models to load…'}</span>
      </div>
      ${this.status(this.main)}
    </div>`;
  }

  private at(data: AnswersData): { at: AtT; chart: ReturnType<typeof chartConfig> } {
    const t = this.temperature;
    if (this.atCache?.data !== data || this.atCache.t !== t) {
      const at = { base: atTemperature(data.base!, t), tuned: atTemperature(data.tuned!, t) };
      this.atCache = { data, t, at, chart: chartConfig(at) };
    }
    return this.atCache;
  }

  private renderResult(spec: AnswersSpec, data: AnswersData) {
    const { at: r, chart } = this.at(data);
    const n = r.base.choices.length;
    const name = (side: Side) => (this.stored ? null : this.info(side)?.name) ?? spec.models[side]?.repo.replace(/\/+$/, '').split('/').pop() ?? side;
    const suffixes = { base: spec.settings.suffixes.base ?? '', tuned: spec.settings.suffixes.tuned ?? '' };
    const fix = this.readonly ? null : { label: `Use ${shown(this.terminator('base'))} (base) and ${shown(this.terminator('tuned'))} (tuned) as suffixes`, onClick: () => this.makeExclusive() };
    return html`<div class="card">
        <div class="temp">
          <label for="temperature">Temperature</label>
          <input
            id="temperature"
            type="range"
            min=${T_MIN}
            max=${T_MAX}
            step="0.05"
            .value=${String(this.temperature)}
            @input=${(e: Event) => this.onTemperature(e)}
            aria-valuetext=${`T = ${this.temperature}`}
          />
          <b data-temperature=${String(r.base.temperature)}>T = ${r.base.temperature.toFixed(2)}</b>
          <span class="status">re-tempered exactly from the kept logits — the models are not run again</span>
        </div>
        ${renderLowMass(spec, data, r)} ${renderOverlap(data, suffixes, fix)}
      </div>
      ${renderPublished(spec, r, { base: name('base'), tuned: name('tuned') })}
      <div class="card grid2">
        <div>
          <h3>${n} candidates · prefix <code class="tok">${shown(spec.settings.prefix)}</code></h3>
          <p class="status" id="frames-used">
            ${SIDES.map(
              (side) =>
                html`<span data-frame-side=${side} data-frame-ids=${data[side]!.frame.ids.join(',')}
                  >${side} frame${spec.settings.frames[side]?.mode === 'auto' ? ' (its own opener)' : ''}: ${data[side]!.frame.text === '' ? 'none' : html`<code class="tok">${shown(data[side]!.frame.text)}</code>`}
                </span> `,
            )}
          </p>
          ${renderStats(r)}
        </div>
        <div>
          <h3>Share of the set per candidate</h3>
          <lab-chart .config=${chart} label="Each candidate's share of the set under the base and the tuned model (grouped bars)"></lab-chart>
        </div>
      </div>
      <div class="card">${renderTable(r, this.sortBy, (s) => (this.sortBy = s))}</div>
      ${this.renderFree(data)}`;
  }

  private renderFree(main: AnswersData) {
    const f = this.shown(this.free);
    const both = f && f.data.base?.free && f.data.tuned?.free ? { base: f.data.base.free, tuned: f.data.tuned.free } : null;
    const choices = main.base!.choices.map((c) => c.text);
    if (this.readonly) return both ? html`<div class="card" id="free"><h3>Free answers</h3>${renderFreeTable(choices, both)}</div>` : nothing;
    return html`<div class="card" id="free">
      <h3>Free answers</h3>
      <p class="status">
        For answers that do not start at a fixed place: each model writes N completions after its context (no frame) at the slider's temperature, seed 0, up to 24 tokens;
        each is classified as a candidate (the pattern's first capture group, or the whole trimmed text when the pattern is empty) or as “other”.
      </p>
      <div class="row">
        <label>samples <input id="free-n" type="number" min="1" max="256" .value=${String(this.freeN)} @change=${(e: Event) => (this.freeN = Number((e.target as HTMLInputElement).value))} /></label>
        <label>answer pattern <input id="free-regex" .value=${this.freeRegex} @input=${(e: Event) => (this.freeRegex = (e.target as HTMLInputElement).value)} /></label>
        <button id="free-run" ?disabled=${this.free.running || this.main.running || !this.pairReady} @click=${() => void this.runFree()}>Sample free answers</button>
      </div>
      ${this.status(this.free)} ${both ? renderFreeTable(choices, both) : nothing}
    </div>`;
  }

  override render() {
    const r = this.shown(this.main);
    const result = r && r.data.base && r.data.tuned ? this.renderResult(r.spec, r.data) : nothing;
    if (this.readonly) return html`${this.main.state === 'error' ? this.status(this.main) : nothing} ${result}`;
    return html`${this.renderForm()} ${result}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'answers-view': AnswersView;
  }
}
