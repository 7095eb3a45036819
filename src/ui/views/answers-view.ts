/**
 * `<answers-view>`: exact answer distributions by enumeration (issue 7), on `scoreAnswers()` /
 * `answersAt()` from src/lab/answers.ts. Both models score every candidate (prefix + candidate +
 * suffix, teacher-forced after the prompt); the view keeps the scores, so the temperature slider
 * re-tempers exactly without running the models again.
 *
 * Full-precision numbers are in `data-*` attributes for tests; `data-runs` counts scoring runs.
 */
import type { ChartConfiguration } from 'chart.js';
import '../family-hint';
import { css, html, nothing, unsafeCSS, type PropertyValues } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { isLabError } from '../../engine/errors';
import type { Engine, Template } from '../../engine/types';
import {
  ANSWER_PRESETS,
  answersAt,
  findFrame,
  freeAnswers,
  LOW_MASS,
  parseChoices,
  PUBLISHED_SOURCE,
  scoreAnswers,
  type AnswerPreset,
  type AnswerScores,
  type AnswersResult,
  type FreeAnswers,
} from '../../lab/answers';
import { visibleToken } from '../../lab/tokens';
import { formatNumber, formatPercent } from '../format';
import { MODEL_COLORS } from '../lab-chart';
import { queryParam, updateQuery } from '../params';
import { escapeAffix, unescapeAffix } from './answers-affix';
import { inlineStyle, resultTable } from '../styles';
import { PairView } from './pair-view';
import '../lab-chart';
import { errorHelp } from '../error-help';

type Side = 'base' | 'tuned';
const SIDES: readonly Side[] = ['base', 'tuned'];
const TEMPLATES: readonly Template[] = ['none', 'chat'];
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

function pick<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

/** A short text with its whitespace visible (an empty one as ∅). */
function shown(text: string): string {
  return visibleToken(text);
}

/** How a model's frame (its words before the answer) is chosen: as typed, or its own opener found greedily. */
type FrameMode = 'typed' | 'own';
const FRAME_MODES: readonly FrameMode[] = ['typed', 'own'];

interface FrameUsed {
  mode: FrameMode;
  text: string;
  ids: number[];
  /** The model's greedy answer the own opener was cut from (mode "own"). */
  greedy?: string;
}

interface Scored {
  scores: Record<Side, AnswerScores>;
  frames: Record<Side, FrameUsed>;
  /** The preset the run came from, if any (for its published figures and note). */
  preset: AnswerPreset | null;
  /** The inputs the scores are for (the form may have changed since). */
  prompt: string;
  templates: Record<Side, Template>;
  prefix: string;
  suffixes: Record<Side, string>;
  choices: string[];
}

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

@customElement('answers-view')
export class AnswersView extends PairView {
  static override styles = [
    ...PairView.styles,
    resultTable,
    css`
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
    `,
  ];

  @state() private prompt = queryParam('answers.prompt') ?? ANSWER_PRESETS[2]!.prompt;
  @state() private spec = queryParam('answers.choices') ?? ANSWER_PRESETS[2]!.choices;
  @state() private candPrefix = queryParam('answers.prefix') ?? ANSWER_PRESETS[2]!.prefix;
  @state() private suffixBase = queryParam('answers.suffixBase') ?? '';
  @state() private suffixTuned = queryParam('answers.suffixTuned') ?? '';
  @state() private templateBase: Template = pick(queryParam('answers.templateBase'), TEMPLATES, DEFAULT_TEMPLATE.base);
  @state() private templateTuned: Template = pick(queryParam('answers.templateTuned'), TEMPLATES, DEFAULT_TEMPLATE.tuned);
  @state() private temperature = clampT(Number(queryParam('answers.T') ?? 1));
  @state() private presetId: string | null = null;
  @state() private frameBase = queryParam('answers.frameBase') ?? '';
  @state() private frameTuned = queryParam('answers.frameTuned') ?? '';
  @state() private frameModeBase: FrameMode = pick(queryParam('answers.frameModeBase'), FRAME_MODES, 'typed');
  @state() private frameModeTuned: FrameMode = pick(queryParam('answers.frameModeTuned'), FRAME_MODES, 'typed');
  @state() private freeN = 16;
  @state() private freeRegex = '(\\d+)';
  @state() private free: { key: unknown; results: Record<Side, FreeAnswers> } | null = null;
  @state() private freeRunning = false;

  @state() private running = false;
  @state() private progress: Record<Side, { done: number; total: number }> = { base: { done: 0, total: 0 }, tuned: { done: 0, total: 0 } };
  @state() private error: { name: string; message: string } | null = null;
  @state() private notice = '';
  @state() private scored: Scored | null = null;
  @state() private sortBy: Side = 'tuned';

  private abort: AbortController | null = null;
  private runs = 0;
  private atCache: { scored: Scored; t: number; results: Record<Side, AnswersResult> } | null = null;
  private chartCache: { key: unknown; config: ChartConfiguration } | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.setViewState('idle');
    this.dataset['runs'] = '0';
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.abort?.abort();
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    this.dataset['temperature'] = String(this.temperature);
  }

  private saveParams(): void {
    updateQuery({
      'answers.prompt': this.prompt,
      'answers.choices': this.spec,
      'answers.prefix': this.candPrefix,
      'answers.suffixBase': this.suffixBase,
      'answers.suffixTuned': this.suffixTuned,
      'answers.templateBase': this.templateBase === DEFAULT_TEMPLATE.base ? null : this.templateBase,
      'answers.templateTuned': this.templateTuned === DEFAULT_TEMPLATE.tuned ? null : this.templateTuned,
      'answers.T': this.temperature === 1 ? null : String(this.temperature),
      'answers.frameBase': this.frameBase === '' ? null : this.frameBase,
      'answers.frameTuned': this.frameTuned === '' ? null : this.frameTuned,
      'answers.frameModeBase': this.frameModeBase === 'typed' ? null : this.frameModeBase,
      'answers.frameModeTuned': this.frameModeTuned === 'typed' ? null : this.frameModeTuned,
    });
  }

  private set<K extends keyof Fields>(key: K, value: Fields[K]): void {
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

  private applyPreset(p: AnswerPreset): void {
    this.prompt = p.prompt;
    this.spec = p.choices;
    this.candPrefix = p.prefix;
    this.suffixBase = p.suffix;
    this.suffixTuned = p.suffix;
    this.templateBase = DEFAULT_TEMPLATE.base;
    this.templateTuned = DEFAULT_TEMPLATE.tuned;
    this.frameModeBase = p.frames.base === 'auto' ? 'own' : 'typed';
    this.frameBase = p.frames.base === 'auto' ? '' : p.frames.base;
    this.frameModeTuned = p.frames.tuned === 'auto' ? 'own' : 'typed';
    this.frameTuned = p.frames.tuned === 'auto' ? '' : p.frames.tuned;
    this.presetId = p.id;
    this.saveParams();
    void this.run();
  }

  private cancel(): void {
    this.abort?.abort();
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.error = null;
    this.notice = '';
    let choices: string[];
    try {
      if (!this.pairReady) throw new Error('Both models must be loaded first.');
      if (this.prompt.trim() === '') throw new Error('The prompt is empty: type one.');
      try {
        choices = parseChoices(this.spec);
      } catch (err) {
        throw new Error(`The candidate set is not valid: ${(err as Error).message}. Give a range like 1..100 or A..D, or one candidate per line.`);
      }
    } catch (err) {
      this.error = { name: 'Input', message: (err as Error).message };
      this.setViewState('error');
      return;
    }
    const engines: Record<Side, Engine> = { base: this.base!, tuned: this.tuned! };
    const abort = new AbortController();
    this.abort = abort;
    this.running = true;
    this.progress = { base: { done: 0, total: 0 }, tuned: { done: 0, total: 0 } };
    this.setViewState('running');
    const prompt = this.prompt;
    const prefix = this.candPrefix;
    const templates: Record<Side, Template> = { base: this.templateBase, tuned: this.templateTuned };
    const suffixes: Record<Side, string> = { base: this.suffixBase, tuned: this.suffixTuned };
    const modes: Record<Side, FrameMode> = { base: this.frameModeBase, tuned: this.frameModeTuned };
    const typed: Record<Side, string> = { base: this.frameBase, tuned: this.frameTuned };
    const preset = ANSWER_PRESETS.find((p) => p.id === this.presetId) ?? null;
    const frames = {} as Record<Side, FrameUsed>;
    try {
      // The two models live in two workers: score them side by side.
      const [b, t] = await Promise.all(
        SIDES.map(async (side) => {
          const engine = engines[side];
          const context = await engine.encode(prompt, templates[side]);
          if (modes[side] === 'own') {
            const f = await findFrame(engine, context, choices, { prefix, suffix: suffixes[side], signal: abort.signal });
            frames[side] = { mode: 'own', text: f.text, ids: f.frame, greedy: await engine.decode(f.greedy) };
          } else {
            frames[side] = { mode: 'typed', text: typed[side], ids: typed[side] === '' ? [] : await engine.encodeContinuation(typed[side]) };
          }
          return scoreAnswers(engine, context, choices, {
            frame: frames[side].ids,
            prefix,
            suffix: suffixes[side],
            signal: abort.signal,
            onProgress: (done, total) => {
              this.progress = { ...this.progress, [side]: { done, total } };
            },
          });
        }),
      );
      if (abort.signal.aborted) throw Object.assign(new Error('cancelled'), { name: 'LabAbortError' });
      this.scored = { scores: { base: b!, tuned: t! }, frames, preset, prompt, templates, prefix, suffixes, choices };
      this.free = null;
      // An own opener found greedily is shown in its field (typing there makes it a typed frame).
      this.frameBase = frames.base.text;
      this.frameTuned = frames.tuned.text;
      this.saveParams();
      this.runs++;
      this.dataset['runs'] = String(this.runs);
      this.setViewState('done');
    } catch (err) {
      if (isLabError(err, 'LabAbortError') || abort.signal.aborted) {
        this.notice = 'Cancelled. Nothing you typed was lost.';
        this.setViewState('idle');
      } else {
        this.error = err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
        this.scored = null; // A failed run shows no chart of the previous run under the new settings.
        this.setViewState('error');
      }
    } finally {
      this.running = false;
      if (this.abort === abort) this.abort = null;
    }
  }

  /** Both models' distributions at the slider's temperature, from the kept scores (no model call). */
  private results(s: Scored): Record<Side, AnswersResult> {
    const t = this.temperature;
    if (this.atCache?.scored !== s || this.atCache.t !== t) {
      this.atCache = { scored: s, t, results: { base: answersAt(s.scores.base, t), tuned: answersAt(s.scores.tuned, t) } };
    }
    return this.atCache.results;
  }

  private onTemperature(e: Event): void {
    this.temperature = clampT(Number((e.target as HTMLInputElement).value));
    this.saveParams();
  }

  // ---------------------------------------------------------------- rendering

  private renderPresets() {
    return html`<family-hint view="answers"></family-hint>
      <div class="presets" role="group" aria-label="Presets">
      ${ANSWER_PRESETS.map(
        (p) => html`<div class="preset">
          <button id=${`preset-${p.id}`} data-preset=${p.id} aria-pressed=${this.presetId === p.id ? 'true' : 'false'} ?disabled=${this.running || !this.pairReady} @click=${() => this.applyPreset(p)}>
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
    const busy = this.running;
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
            ${this.templateTuned === 'chat' ? 'in its chat template (chat)' : 'as plain text (none)'}. Defaults: none for base, chat for tuned.</span
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
        ${busy
          ? html`${SIDES.map((side) => {
                const p = this.progress[side];
                return html`<label
                  >${side}
                  <progress max=${p.total || 1} value=${p.total ? p.done : 0} aria-label=${`Scoring with the ${side} model`}></progress
                ></label>`;
              })}
              <button id="cancel" @click=${() => this.cancel()}>Cancel</button>`
          : nothing}
        <span class="status" role="status" aria-live="polite">${busy ? 'Scoring every candidate under both models…' : this.notice || (this.pairReady ? '' : 'Waiting for both models to load…')}</span>
      </div>
      ${this.error
        ? html`<div class="error-box" role="alert" data-error=${this.error.name} style=${inlineStyle('margin-top:0.6rem')}>
            ${this.error.name === 'Input' ? this.error.message : html`<strong>${this.error.name}</strong>: ${this.error.message}`}
            ${errorHelp(this.error)}
          </div>`
        : nothing}
    </div>`;
  }

  private renderWarnings(s: Scored) {
    const any = SIDES.some((side) => s.scores[side].warnings.length);
    if (!any) return nothing;
    return html`<div class="warnings" role="note" id="warnings">
      <strong>Candidates overlap.</strong> Without a terminating suffix a candidate's probability includes every candidate that starts with it.
      ${SIDES.map((side) => {
        const w = s.scores[side].warnings;
        if (!w.length) return nothing;
        return html`<div>
          ${side} (suffix <code class="tok">${shown(s.suffixes[side])}</code>):
          <ul>
            ${w.slice(0, 4).map((x) => html`<li>${x}</li>`)}
            ${w.length > 4 ? html`<li>… and ${w.length - 4} more</li>` : nothing}
          </ul>
        </div>`;
      })}
      <button class="small" @click=${() => this.makeExclusive()}>Use ${shown(this.terminator('base'))} (base) and ${shown(this.terminator('tuned'))} (tuned) as suffixes</button>
      then score again.
    </div>`;
  }

  /** Covered mass below 50%: a clear warning per model, with the frame used and the model's own answer. */
  private renderLowMass(s: Scored, r: Record<Side, AnswersResult>) {
    const low = SIDES.filter((side) => r[side].mass < LOW_MASS);
    if (!low.length) return nothing;
    return html`<div class="warnings low-mass" role="alert" id="low-mass">
      <strong>Low mass: the shares describe a path the model rarely takes.</strong>
      <ul>
        ${low.map((side) => {
          const f = s.frames[side];
          return html`<li data-low-mass=${side} data-value=${String(r[side].mass)}>
            the ${side} model puts only <b>${formatPercent(r[side].mass)}</b> of its probability on the ${s.choices.length} candidates (below ${formatPercent(LOW_MASS)}) after
            ${f.text === '' ? 'no frame' : html`the ${f.mode === 'own' ? 'own opener' : 'typed frame'} <code class="tok">${shown(f.text)}</code>`}.
            ${f.greedy !== undefined ? html`Its greedy answer: <span class="gen-inline">${f.greedy}</span>.` : nothing}
          </li>`;
        })}
      </ul>
      ${s.preset?.note ? html`<p>${s.preset.note}</p>` : nothing} Give a frame (the model's own words before the answer), widen the candidate set, or use free answers below.
    </div>`;
  }

  /** The published figures (raw probabilities) beside the lab models' raw probabilities of the same answers. */
  private renderPublished(s: Scored, r: Record<Side, AnswersResult>) {
    const pub = s.preset?.published;
    if (!pub || s.preset!.prompt !== s.prompt) return nothing;
    const raw = (side: Side, text: string) => r[side].choices.find((c) => c.text === text);
    const argmax = (side: Side) => r[side].choices.reduce((a, c) => (c.prob > a.prob ? c : a));
    return html`<div class="card" id="published">
      <h3>Published figures next to the raw probabilities</h3>
      <p class="status">
        <a href=${PUBLISHED_SOURCE.url} target="_blank" rel="noopener">${PUBLISHED_SOURCE.title}</a>, prompt “${pub.prompt}”: each model's arg-max answer and its raw next-token
        probability (not renormalised over the answers; a uniform generator gives ${formatPercent(pub.uniform)}). Beside them: the lab models' raw probability of the same
        answer after their frame, and their own arg-max. Different models, prompts and tokenizers: compare the pattern, not the digits.
      </p>
      <table class="data">
        <thead>
          <tr>
            <th>published model</th>
            <th>its arg-max</th>
            <th class="num">raw p</th>
            <th>lab model</th>
            <th class="num">raw p of that answer</th>
            <th>lab arg-max</th>
            <th class="num">raw p</th>
          </tr>
        </thead>
        <tbody>
          ${pub.rows.map((row) => {
            const side: Side = row.model === 'davinci' ? 'base' : 'tuned';
            const same = raw(side, row.answer);
            const top = argmax(side);
            return html`<tr data-published-row=${row.model}>
              <td>${row.model}</td>
              <td><code class="tok">${row.answer}</code></td>
              <td class="num" data-value=${String(row.prob)}>${formatPercent(row.prob)}</td>
              <td>${(side === 'base' ? this.baseInfo : this.tunedInfo)?.name ?? side}</td>
              <td class="num" data-lab-prob=${same ? String(same.prob) : ''}>${same ? formatPercent(same.prob) : '—'}</td>
              <td><code class="tok">${shown(top.text)}</code></td>
              <td class="num" data-lab-top=${String(top.prob)}>${formatPercent(top.prob)}</td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>`;
  }

  private renderStats(r: Record<Side, AnswersResult>, n: number) {
    const row = (label: string, title: string, key: string, value: (x: AnswersResult) => number, fmt: (x: number) => string) =>
      html`<tr>
        <td title=${title}>${label}</td>
        ${SIDES.map((side) => html`<td class="num" data-stat=${key} data-side=${side} data-value=${String(value(r[side]))}>${fmt(value(r[side]))}</td>`)}
      </tr>`;
    return html`<table id="stats">
      <thead>
        <tr>
          <th></th>
          <th class="num base">base</th>
          <th class="num tuned">tuned</th>
        </tr>
      </thead>
      <tbody>
        ${row(
          'mass the set covers',
          'Total probability of the candidates (frame, then prefix + candidate + suffix) after the prompt: the probability of the union of their paths. Below 50% the shares describe a path the model rarely takes.',
          'mass',
          (x) => x.mass,
          (x) => `${formatPercent(x)}${x < LOW_MASS ? ' ⚠ low' : ''}`,
        )}
        ${row('entropy (nats)', `Entropy of the distribution renormalised over the set; uniform = ln ${n} = ${formatNumber(Math.log(n))}`, 'entropy', (x) => x.normalized.entropy, (x) =>
          formatNumber(x),
        )}
        ${row('KL to uniform (nats)', 'KL(p ‖ uniform) = ln n − entropy, over the renormalised set', 'kl_uniform', (x) => x.normalized.kl_uniform, (x) => formatNumber(x))}
        ${row(
          'χ² vs uniform, per sample',
          'Pearson χ² against uniform per sample: n·Σp² − 1 over the renormalised set (0 for uniform, n − 1 for a point mass); multiply by a sample count N for the statistic N draws would give in expectation',
          'chi2',
          (x) => x.normalized.chi2,
          (x) => formatNumber(x),
        )}
        <tr>
          <td>top-1 (share of the set)</td>
          ${SIDES.map(
            (side) => html`<td class="num" data-stat="top1" data-side=${side} data-text=${r[side].normalized.top1.text} data-value=${String(r[side].normalized.top1.prob)}>
              <code class="tok">${shown(r[side].normalized.top1.text)}</code> ${formatPercent(r[side].normalized.top1.prob)}
            </td>`,
          )}
        </tr>
      </tbody>
    </table>`;
  }

  private chartConfig(s: Scored, r: Record<Side, AnswersResult>): ChartConfiguration {
    if (this.chartCache?.key === r) return this.chartCache.config;
    const many = s.choices.length > 30;
    const config: ChartConfiguration = {
      type: 'bar',
      data: {
        labels: s.choices.map(shown),
        datasets: SIDES.map((side) => ({
          label: side,
          data: r[side].choices.map((c) => c.share),
          backgroundColor: MODEL_COLORS[side],
          borderWidth: 0,
          categoryPercentage: many ? 1 : 0.8,
          barPercentage: many ? 1 : 0.9,
        })),
      },
      options: {
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { ticks: { autoSkip: true, maxRotation: 0, font: { size: 10 } }, grid: { display: !many } },
          y: { beginAtZero: true, title: { display: true, text: 'share of the set' } },
        },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: { callbacks: { label: (ctx) => `${String(ctx.dataset.label)}: ${formatPercent(Number(ctx.parsed.y))}` } },
        },
      },
    };
    this.chartCache = { key: r, config };
    return config;
  }

  private renderTable(s: Scored, r: Record<Side, AnswersResult>) {
    const shares = { base: r.base.choices.map((c) => c.share), tuned: r.tuned.choices.map((c) => c.share) };
    const order = s.choices.map((_, i) => i).sort((a, b) => r[this.sortBy].choices[b]!.logp - r[this.sortBy].choices[a]!.logp || a - b);
    return html`<div class="row" style=${inlineStyle('margin-bottom:0.3rem')}>
        <h3 style=${inlineStyle('margin:0')}>Candidates, most likely first under</h3>
        <select id="sort" aria-label="Sort by model" @change=${(e: Event) => (this.sortBy = (e.target as HTMLSelectElement).value as Side)}>
          ${SIDES.map((side) => html`<option value=${side} ?selected=${this.sortBy === side}>${side}</option>`)}
        </select>
      </div>
      <div class="scroll">
        <table id="candidates">
          <thead>
            <tr>
              <th class="num">#</th>
              <th>candidate</th>
              <th class="num">tokens</th>
              <th class="num base" title="raw probability of prefix + candidate + suffix after the base's context and frame">raw p base</th>
              <th class="num base" title="share of the set: the raw probability (less any longer candidate's path it starts) renormalised over the candidates">share</th>
              <th class="num tuned" title="raw probability of prefix + candidate + suffix after the tuned model's context and frame">raw p tuned</th>
              <th class="num tuned" title="share of the set: the raw probability (less any longer candidate's path it starts) renormalised over the candidates">share</th>
            </tr>
          </thead>
          <tbody>
            ${order.map((i, rank) => {
              const b = r.base.choices[i]!;
              const t = r.tuned.choices[i]!;
              return html`<tr
                data-candidate=${s.choices[i]!}
                data-prob-base=${String(b.prob)}
                data-prob-tuned=${String(t.prob)}
                data-share-base=${String(shares.base[i]!)}
                data-share-tuned=${String(shares.tuned[i]!)}
              >
                <td class="num">${rank + 1}</td>
                <td><code class="tok">${shown(s.choices[i]!)}</code></td>
                <td class="num" title=${`base ${b.ids.length}, tuned ${t.ids.length} tokens with prefix and suffix`}>${b.ids.length === t.ids.length ? b.ids.length : `${b.ids.length} / ${t.ids.length}`}</td>
                <td class="num">${formatPercent(b.prob)}</td>
                <td class="num">${formatPercent(shares.base[i]!)}</td>
                <td class="num">${formatPercent(t.prob)}</td>
                <td class="num">${formatPercent(shares.tuned[i]!)}</td>
              </tr>`;
            })}
          </tbody>
        </table>
      </div>`;
  }

  private renderResult(s: Scored) {
    const r = this.results(s);
    const n = s.choices.length;
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
          <b data-temperature=${String(this.temperature)}>T = ${this.temperature.toFixed(2)}</b>
          <span class="status">re-tempered exactly from the kept logits — the models are not run again</span>
        </div>
        ${this.renderLowMass(s, r)} ${this.renderWarnings(s)}
      </div>
      ${this.renderPublished(s, r)}
      <div class="card grid2">
        <div>
          <h3>${n} candidates · prefix <code class="tok">${shown(s.prefix)}</code></h3>
          <p class="status" id="frames-used">
            ${SIDES.map(
              (side) =>
                html`<span data-frame-side=${side} data-frame-ids=${s.frames[side].ids.join(',')}
                  >${side} frame${s.frames[side].mode === 'own' ? ' (its own opener)' : ''}: ${s.frames[side].text === '' ? 'none' : html`<code class="tok">${shown(s.frames[side].text)}</code>`}
                </span> `,
            )}
          </p>
          ${this.renderStats(r, n)}
        </div>
        <div>
          <h3>Share of the set per candidate</h3>
          <lab-chart .config=${this.chartConfig(s, r)} label="Each candidate's share of the set under the base and the tuned model (grouped bars)"></lab-chart>
        </div>
      </div>
      <div class="card">${this.renderTable(s, r)}</div>
      ${this.renderFree(s)}`;
  }

  /** Free answers: N samples per model, classified into the candidates or "other". */
  private async runFree(s: Scored): Promise<void> {
    if (this.freeRunning) return;
    let regex: RegExp | undefined;
    if (this.freeRegex !== '') {
      try {
        regex = new RegExp(this.freeRegex, 'u');
      } catch (err) {
        this.error = { name: 'Input', message: `The answer pattern is not a valid regular expression: ${(err as Error).message}` };
        return;
      }
    }
    if (!Number.isInteger(this.freeN) || this.freeN < 1 || this.freeN > 256) {
      this.error = { name: 'Input', message: 'Free answers: the sample count must be a whole number from 1 to 256.' };
      return;
    }
    this.error = null;
    this.freeRunning = true;
    const engines: Record<Side, Engine> = { base: this.base!, tuned: this.tuned! };
    try {
      const [b, t] = await Promise.all(
        SIDES.map(async (side) =>
          freeAnswers(engines[side], s.scores[side].context, s.choices, { samples: this.freeN, maxTokens: 24, seed: 0, temperature: this.temperature, ...(regex ? { regex } : {}) }),
        ),
      );
      this.free = { key: s, results: { base: b!, tuned: t! } };
    } catch (err) {
      this.error = err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
    } finally {
      this.freeRunning = false;
    }
  }

  private renderFree(s: Scored) {
    const f = this.free?.key === s ? this.free.results : null;
    return html`<div class="card" id="free">
      <h3>Free answers</h3>
      <p class="status">
        For answers that do not start at a fixed place: each model writes N completions after its context (no frame) at the slider's temperature, seed 0, up to 24 tokens;
        each is classified as a candidate (the pattern's first capture group, or the whole trimmed text when the pattern is empty) or as “other”.
      </p>
      <div class="row">
        <label>samples <input id="free-n" type="number" min="1" max="256" .value=${String(this.freeN)} @change=${(e: Event) => (this.freeN = Number((e.target as HTMLInputElement).value))} /></label>
        <label>answer pattern <input id="free-regex" .value=${this.freeRegex} @input=${(e: Event) => (this.freeRegex = (e.target as HTMLInputElement).value)} /></label>
        <button id="free-run" ?disabled=${this.freeRunning || this.running || !this.pairReady} @click=${() => void this.runFree(s)}>Sample free answers</button>
        ${this.freeRunning ? html`<span class="status">Sampling…</span>` : nothing}
      </div>
      ${f
        ? html`<table class="data" id="free-table">
              <thead>
                <tr>
                  <th>answer</th>
                  <th class="num base">base</th>
                  <th class="num tuned">tuned</th>
                </tr>
              </thead>
              <tbody>
                ${s.choices
                  .map((c, i) => ({ c, i }))
                  .filter(({ i }) => f.base.counts[i]!.count + f.tuned.counts[i]!.count > 0)
                  .map(
                    ({ c, i }) => html`<tr data-free=${c} data-base=${f.base.counts[i]!.count} data-tuned=${f.tuned.counts[i]!.count}>
                      <td><code class="tok">${shown(c)}</code></td>
                      <td class="num">${f.base.counts[i]!.count} (${formatPercent(f.base.counts[i]!.fraction)})</td>
                      <td class="num">${f.tuned.counts[i]!.count} (${formatPercent(f.tuned.counts[i]!.fraction)})</td>
                    </tr>`,
                  )}
                <tr data-free-other data-base=${f.base.other} data-tuned=${f.tuned.other}>
                  <td>other</td>
                  <td class="num">${f.base.other} (${formatPercent(f.base.other_fraction)})</td>
                  <td class="num">${f.tuned.other} (${formatPercent(f.tuned.other_fraction)})</td>
                </tr>
              </tbody>
            </table>
            <details>
              <summary>The samples</summary>
              ${SIDES.map(
                (side) => html`<h4>${side}</h4>
                  <ol>
                    ${f[side].samples.map((x) => html`<li><span class="gen-inline">${x.text}</span> → ${x.answer ?? 'other'}</li>`)}
                  </ol>`,
              )}
            </details>`
        : nothing}
    </div>`;
  }

  override render() {
    return html`${this.renderForm()} ${this.scored ? this.renderResult(this.scored) : nothing}`;
  }
}

function clampT(t: number): number {
  if (!Number.isFinite(t)) return 1;
  return Math.min(T_MAX, Math.max(T_MIN, t));
}

declare global {
  interface HTMLElementTagNameMap {
    'answers-view': AnswersView;
  }
}
