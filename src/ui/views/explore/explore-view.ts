/**
 * `<explore-view>`: the step-through explorer, a loom for logits (issue 3), on `Loom` from
 * src/lab/loom.ts. Step token by token with one model or both side by side on the same token path;
 * each step shows the full next-token distribution (raw at T = 1 and processed by the sampling
 * settings, side by side), a vocabulary search, and grows a tree of continuations: force any token,
 * backtrack, branch, switch branches, type text and continue, autoplay with Stop. The text is coloured
 * by probability or GLTR rank bucket, with the alternatives at each position on hover or focus.
 *
 * State in the URL: `explore.prompt`, `explore.template`, `explore.models` (both|base|tuned),
 * `explore.drive` (the model that samples), `explore.path` (token ids), `explore.t`, `explore.topk`,
 * `explore.topp`, `explore.minp`, `explore.seed`, `explore.n`, `explore.show`, `explore.color`.
 * Full-precision numbers are in `data-*` attributes for tests. Model text is always rendered as text.
 *
 * Experiments as data (issue #14): the loom is exploratory (many small steps, each a forward pass), so
 * its clicks are not runs and nothing of them goes to the library. "Save this path" is the deliberate
 * run: it builds a loom spec (the prompt, the path from the root to the cursor, the sampling settings,
 * the models) and runs `loomRunner` through a RunLifecycle; the result (per step both models'
 * distributions, entropy, KL) is shown under the loom and saved to the library. View contract: `stored`
 * fills the inputs from a stored path's spec, shows its result without recomputing and reopens the loom
 * on its path once the models are ready; `pendingSpec` (a share link) does the same and runs the path once;
 * `readonly` renders only the stored result (no engines needed).
 */
import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { Engine, Template } from '../../../engine/types';
import { DEFAULT_SAMPLING, type SamplingSettings } from '../../../lab/distributions';
import {
  Loom,
  lookupToken,
  parsePath,
  rankBucket,
  sameTokenizer,
  serializePath,
  stepDistribution,
  type LoomNode,
} from '../../../lab/loom';
import { displayTexts, visibleToken } from '../../../lab/tokens';
import { formatNumber, formatPercent, formatScientific } from '../../format';
import { queryParam, updateQuery, type Side } from '../../params';
import { PairView } from '../pair-view';
import { errorHelp } from '../../error-help';
import { inlineStyle } from '../../styles';
import { loomRunner, loomSides, type LoomData, type LoomSpec } from '../../../lab/experiments/loom';
import { modelRefOf } from '../../../lab/experiments/model-ref';
import { SPEC_VERSION, type ResultEnvelope, type RunRecord, type SpecEnvelope } from '../../../lab/experiments/types';
import { RunLifecycle } from '../../run-lifecycle';
import { renderLoomResult } from './explore-path-result';
import { exploreStyles } from './explore-styles';
import { renderDist, renderHits, renderTree, type TablesHost } from './explore-tables';
import { BUCKET_LABEL, DEFAULT_PROMPT, errorText, NAMES, numberParam, pick, probColor, SHOW_CHOICES, type ColorBy, type Models, type ModelStep, type SearchHit } from './explore-util';


@customElement('explore-view')
export class ExploreView extends PairView {
  static override styles = [...PairView.styles, exploreStyles];

  // ——— inputs (each kept in the URL) ———
  @state() private prompt = queryParam('explore.prompt') ?? DEFAULT_PROMPT;
  @state() private template: Template = pick(queryParam('explore.template'), ['none', 'chat'] as const, 'none');
  @state() private models: Models = pick(queryParam('explore.models'), ['both', 'base', 'tuned'] as const, 'both');
  @state() private drive: Side = pick(queryParam('explore.drive'), ['base', 'tuned'] as const, 'tuned');
  @state() private temperature = numberParam('explore.t', 1);
  @state() private topK = numberParam('explore.topk', 0);
  @state() private topP = numberParam('explore.topp', 1);
  @state() private minP = numberParam('explore.minp', 0);
  @state() private seed = numberParam('explore.seed', 0);
  @state() private autoN = numberParam('explore.n', 20);
  @state() private show: number = pick(queryParam('explore.show'), SHOW_CHOICES.map(String), '10') === '10' ? 10 : Number(queryParam('explore.show'));
  @state() private colorBy: ColorBy = pick(queryParam('explore.color'), ['prob', 'rank'] as const, 'prob');
  @state() private insertText = '';
  @state() private query = '';

  // ——— what is shown ———
  @state() private loom: Loom | null = null;
  @state() private sides: Side[] = [];
  @state() private steps: ModelStep[] = [];
  @state() private hits: SearchHit[] = [];
  @state() private busy = false;
  @state() private playing = false;
  @state() private error = '';
  @state() private notice = '';
  @state() private hover: number | null = null;
  /** Why nothing is shown yet (models still loading). */
  @state() private waiting = '';
  /** Bumped whenever the loom changes (Lit does not see inside it). */
  @state() private version = 0;

  private texts = new Map<number, string>();
  private eos = new Set<number>();
  private abort: AbortController | null = null;
  private startedFor: [Engine | null, Engine | null] | null = null;
  private pendingPath: number[] | null = parsePath(queryParam('explore.path'));
  /** The prompt and template the current loom was started with (the form may have changed since). */
  private loomPrompt = '';
  private loomTemplate: Template = 'none';

  // ——— the view contract (issue #14) ———
  @property({ attribute: false }) stored: RunRecord | null = null;
  @property({ attribute: false }) pendingSpec: SpecEnvelope | null = null;
  @property({ type: Boolean, reflect: true }) readonly = false;
  /** "Save this path": a loom spec run by its runner (its own lifecycle; the loom's steps set data-view-state). */
  private readonly pathRun = new RunLifecycle<LoomData>(this, false);
  /** A shared spec's path to run once the loom has started on it. */
  private pathToRun: LoomSpec | null = null;
  private pendingUsed = false;

  override connectedCallback(): void {
    super.connectedCallback();
    this.setViewState('idle');
    this.addEventListener('keydown', this.onKey);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('keydown', this.onKey);
    this.abort?.abort();
    void this.loom?.dispose();
    this.loom = null;
    this.startedFor = null;
  }

  protected override updated(changed: PropertyValues<this>): void {
    // Start (from the link's path) once the models are loaded, and again when the app loads another pair.
    super.updated(changed);
    if (changed.has('stored') && this.stored) this.openStored(this.stored);
    if (changed.has('pendingSpec') && this.pendingSpec && !this.pendingUsed) {
      this.pendingUsed = true;
      this.openSpec(this.pendingSpec, true);
    }
    if (this.readonly) return;
    if (this.busy) return;
    const ready = this.wantedEngines().every((s) => this.engine(s) !== null);
    const same = this.startedFor && this.startedFor[0] === this.base && this.startedFor[1] === this.tuned;
    if (same) return;
    if (this.loom) {
      // Another pair (or a reload): keep the chosen path for the new engines.
      this.pendingPath = this.loom.pathTokens();
      void this.loom.dispose();
      this.loom = null;
      this.startedFor = null;
    }
    if (ready) void this.start(true);
  }

  private engine(side: Side): Engine | null {
    return side === 'base' ? this.base : this.tuned;
  }

  private wantedEngines(): Side[] {
    return this.models === 'both' ? ['base', 'tuned'] : [this.models];
  }

  private get settings(): SamplingSettings {
    return { temperature: this.temperature, topK: this.topK, topP: this.topP, minP: this.minP };
  }

  /** The model index in the loom that samples and whose list the number keys pick from. */
  private get driveIndex(): number {
    const i = this.sides.indexOf(this.drive);
    return i < 0 ? 0 : i;
  }

  private saveParams(): void {
    updateQuery({
      'explore.prompt': this.prompt === DEFAULT_PROMPT ? null : this.prompt,
      'explore.template': this.template === 'none' ? null : this.template,
      'explore.models': this.models === 'both' ? null : this.models,
      'explore.drive': this.drive === 'tuned' ? null : this.drive,
      'explore.t': this.temperature === 1 ? null : String(this.temperature),
      'explore.topk': this.topK === 0 ? null : String(this.topK),
      'explore.topp': this.topP === 1 ? null : String(this.topP),
      'explore.minp': this.minP === 0 ? null : String(this.minP),
      'explore.seed': this.seed === 0 ? null : String(this.seed),
      'explore.n': this.autoN === 20 ? null : String(this.autoN),
      'explore.show': this.show === 10 ? null : String(this.show),
      'explore.color': this.colorBy === 'prob' ? null : this.colorBy,
    });
  }

  private savePath(): void {
    if (!this.loom) return;
    const path = this.loom.pathTokens();
    updateQuery({ 'explore.path': path.length ? serializePath(path) : null });
  }

  /** A message for the first problem with the sampling settings, or null. */
  private settingsProblem(): string | null {
    const { temperature, topK, topP, minP, seed } = this;
    if (!(temperature >= 0 && temperature <= 5)) return 'The temperature must be between 0 (greedy) and 5.';
    if (!Number.isInteger(topK) || topK < 0) return 'Top-k must be a whole number ≥ 0 (0 = off).';
    if (!(topP > 0 && topP <= 1)) return 'Top-p must be in (0, 1] (1 = off).';
    if (!(minP >= 0 && minP < 1)) return 'Min-p must be in [0, 1) (0 = off).';
    if (!Number.isInteger(seed)) return 'The seed must be a whole number.';
    return null;
  }

  // ——— engine work ———

  /** Run one action on the loom (one at a time), then refresh what is shown. */
  private async act(what: (loom: Loom) => Promise<unknown>, opts: { needsSettings?: boolean } = {}): Promise<void> {
    const loom = this.loom;
    if (!loom || this.busy) return;
    if (opts.needsSettings) {
      const p = this.settingsProblem();
      if (p) {
        this.notice = p;
        return;
      }
    }
    this.busy = true;
    this.notice = '';
    this.setViewState('running');
    try {
      await what(loom);
      if (this.loom !== loom) return;
      await this.refresh();
      this.setViewState('done');
    } catch (err) {
      if (this.loom !== loom) return;
      this.notice = errorText(err);
      await this.refresh().catch(() => undefined);
      this.setViewState('done');
    } finally {
      this.busy = false;
      this.version++;
    }
  }

  /** (Re)build the loom on the prompt; with `fromUrl`, follow the chosen path from the link. */
  private async start(fromUrl = false): Promise<void> {
    this.abort?.abort();
    const old = this.loom;
    this.loom = null;
    this.steps = [];
    this.hits = [];
    this.error = '';
    this.notice = '';
    this.waiting = '';
    void old?.dispose();
    this.startedFor = [this.base, this.tuned];
    if (this.prompt.trim() === '') {
      this.error = 'The prompt is empty: type one.';
      this.setViewState('error');
      return;
    }
    let sides = this.wantedEngines();
    const missing = sides.filter((s) => !this.engine(s));
    if (missing.length) {
      this.waiting = `Waiting for the ${missing.join(' and ')} model to load.`;
      this.setViewState('idle');
      this.startedFor = null;
      return;
    }
    this.busy = true;
    this.setViewState('running');
    try {
      if (sides.length === 2 && !(await sameTokenizer(this.base!, this.tuned!))) {
        sides = [this.drive];
        this.notice = `The two models have different tokenizers, so one token path cannot be shared: showing the ${this.drive} model only.`;
      }
      const engines = sides.map((s) => this.engine(s)!);
      const first = engines[0]!;
      const ids = await first.encode(this.prompt, this.template);
      const info = await first.info();
      this.eos = new Set(info.eosTokenIds);
      this.texts = new Map();
      const loom = await Loom.create(engines, ids);
      this.sides = sides;
      this.loom = loom;
      this.loomPrompt = this.prompt;
      this.loomTemplate = this.template;
      const path = fromUrl ? this.pendingPath : null;
      this.pendingPath = null;
      if (path && path.length) {
        if (path.some((t) => t >= loom.vocabSize)) this.notice = 'The link’s path has token ids outside this vocabulary; starting at the prompt.';
        else await loom.extend(path, this.settings, 'link');
      }
      await this.refresh();
      this.setViewState('done');
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('.stage')?.focus({ preventScroll: true }));
      const toRun = this.pathToRun;
      this.pathToRun = null;
      if (toRun) void this.runPath(toRun);
    } catch (err) {
      this.error = errorText(err);
      this.setViewState('error');
    } finally {
      this.busy = false;
      this.version++;
    }
  }

  /** Texts of the tokens on screen (fetched once per id). */
  private async ensureTexts(ids: Iterable<number>): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.texts.has(id));
    if (!missing.length || !this.loom) return;
    const texts = await this.loom.engines[0]!.tokenTexts(missing);
    missing.forEach((id, i) => this.texts.set(id, texts[i]!));
  }

  /** Recompute the distributions shown at the cursor (no forward pass unless the cursor's logits were dropped). */
  private async refresh(): Promise<void> {
    const loom = this.loom;
    if (!loom) return;
    const settings = this.settingsProblem() ? DEFAULT_SAMPLING : this.settings;
    const steps: ModelStep[] = [];
    for (const [m, side] of this.sides.entries()) {
      const logits = await loom.logits(m);
      steps.push({ side, dist: stepDistribution(logits, settings, this.show) });
    }
    const ids: number[] = [...loom.prompt, ...loom.pathTokens()];
    for (const s of steps) ids.push(...s.dist.rows.map((r) => r.id));
    for (const n of loom.nodes) {
      if (n.token !== null) ids.push(n.token);
      for (const x of n.next) if (x) ids.push(...x.top.map((t) => t.id));
    }
    await this.ensureTexts(ids);
    this.steps = steps;
    this.hits = await this.lookup(this.query);
    this.savePath();
  }

  private async lookup(query: string): Promise<SearchHit[]> {
    const loom = this.loom;
    if (!loom || query === '') return [];
    const ids = await loom.engines[0]!.findTokens(query, 12);
    await this.ensureTexts(ids);
    const settings = this.settingsProblem() ? DEFAULT_SAMPLING : this.settings;
    const out: SearchHit[] = [];
    const logits = await Promise.all(this.sides.map((_, m) => loom.logits(m)));
    for (const id of ids) {
      const rows: SearchHit['rows'] = {};
      this.sides.forEach((side, m) => (rows[side] = lookupToken(logits[m]!, settings, id)));
      out.push({ id, rows });
    }
    return out;
  }

  // ——— paths as data ———

  /** Fill the form from a loom spec and reopen the loom on its path (once the models are ready). */
  private fillFrom(spec: LoomSpec): void {
    const sides = loomSides(spec);
    const { sampling, template, k, drive, path } = spec.settings;
    this.prompt = spec.prompt;
    this.template = template;
    this.models = sides.length === 2 ? 'both' : sides[0]!;
    this.drive = drive;
    this.temperature = sampling.temperature;
    this.topK = sampling.topK;
    this.topP = sampling.topP;
    this.minP = sampling.minP;
    this.show = k;
    this.saveParams();
    updateQuery({ 'explore.path': path.length ? serializePath(path) : null });
    this.abort?.abort();
    void this.loom?.dispose();
    this.loom = null;
    this.startedFor = null;
    this.steps = [];
    this.pendingPath = path.slice();
    this.requestUpdate();
  }

  private openStored(record: RunRecord): void {
    let spec: LoomSpec;
    let result: ResultEnvelope<'loom', LoomData>;
    try {
      spec = loomRunner.validateSpec(record.spec);
      result = loomRunner.validateResult(record.result);
    } catch (err) {
      this.pathRun.fail(err);
      this.setViewState('error');
      return;
    }
    this.pathRun.show(spec, result as unknown as ResultEnvelope<never, LoomData>);
    if (this.readonly) this.setViewState('done');
    else this.fillFrom(spec);
  }

  private openSpec(x: SpecEnvelope, run: boolean): void {
    try {
      const spec = loomRunner.validateSpec(x);
      this.fillFrom(spec);
      if (run) this.pathToRun = spec;
    } catch (err) {
      this.pathRun.fail(err);
    }
  }

  /** The loom spec of the path from the root to the cursor, with the current sampling settings. */
  private pathSpec(): LoomSpec | null {
    const loom = this.loom;
    if (!loom) return null;
    const models: LoomSpec['models'] = {};
    for (const s of this.sides) {
      const info = s === 'base' ? this.baseInfo : this.tunedInfo;
      if (info) models[s] = modelRefOf(info);
    }
    return {
      kind: 'loom',
      version: SPEC_VERSION,
      models,
      prompt: this.loomPrompt,
      seed: Number.isInteger(this.seed) && this.seed >= 0 ? this.seed : 0,
      settings: { template: this.loomTemplate, path: loom.pathTokens(), sampling: { ...this.settings }, k: this.show, drive: this.sides[this.driveIndex]! },
    };
  }

  /** "Save this path": run the path as a loom spec (saved to the library when it finishes). */
  private savePathRun(): void {
    const problem = this.settingsProblem();
    if (problem) {
      this.notice = problem;
      return;
    }
    const spec = this.pathSpec();
    if (spec) void this.runPath(spec);
  }

  private async runPath(spec: LoomSpec): Promise<void> {
    const engines = { base: this.base, tuned: this.tuned };
    await this.pathRun.start(spec, (signal, onProgress) => loomRunner.run(spec, { engines, signal, onProgress }) as unknown as Promise<ResultEnvelope<never, LoomData>>);
  }

  private renderPathRun() {
    const r = this.pathRun.result;
    const spec = this.pathRun.spec;
    return html`${this.pathRun.state === 'idle' && !this.pathRun.notice ? nothing : html`<div class="card">${this.pathRun.render()}</div>`}
    ${r && spec ? renderLoomResult(r.data, spec.prompt) : nothing}`;
  }

  // ——— actions ———

  private stepSample(): void {
    void this.act((loom) => loom.sample(this.driveIndex, this.settings, this.seed), { needsSettings: true });
  }

  private choose(id: number): void {
    void this.act((loom) => loom.choose(id, this.settingsProblem() ? DEFAULT_SAMPLING : this.settings, 'chosen'));
  }

  private chooseRank(i: number): void {
    const row = this.steps[this.driveIndex]?.dist.rows[i];
    if (row) this.choose(row.id);
  }

  private back(): void {
    void this.act((loom) => loom.back());
  }

  private switchBranch(delta: number): void {
    void this.act((loom) => loom.switchBranch(delta));
  }

  private goto(id: number): void {
    void this.act((loom) => loom.goto(id));
  }

  private insert(): void {
    const text = this.insertText;
    if (text === '') {
      this.notice = 'Type some text to insert at the end of this branch.';
      return;
    }
    void this.act(async (loom) => {
      const ids = await loom.engines[0]!.encodeContinuation(text);
      if (!ids.length) throw new RangeError('the text encodes to no tokens');
      await loom.extend(ids, this.settingsProblem() ? DEFAULT_SAMPLING : this.settings, 'typed');
      this.insertText = '';
    });
  }

  private async autoplay(): Promise<void> {
    const loom = this.loom;
    if (!loom || this.busy) return;
    const problem = this.settingsProblem();
    const n = this.autoN;
    if (problem || !Number.isInteger(n) || n < 1 || n > 1000) {
      this.notice = problem ?? 'Autoplay needs a whole number of tokens from 1 to 1000.';
      return;
    }
    const abort = new AbortController();
    this.abort = abort;
    this.playing = true;
    await this.act(async () => {
      for (let i = 0; i < n; i++) {
        if (abort.signal.aborted) break;
        const node = await loom.sample(this.driveIndex, this.settings, this.seed);
        await this.ensureTexts([node.token!]);
        this.version++; // the text grows as tokens arrive
        await this.updateComplete;
        if (this.eos.has(node.token!)) {
          this.notice = 'Stopped at the end-of-sequence token.';
          break;
        }
      }
    });
    this.playing = false;
    if (this.abort === abort) this.abort = null;
  }

  private stop(): void {
    this.abort?.abort();
  }

  private onKey = (e: KeyboardEvent): void => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.composedPath()[0] as HTMLElement | undefined;
    const tag = target?.tagName;
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return;
    const onButton = tag === 'BUTTON' || target?.getAttribute('role') === 'button' || tag === 'TR';
    let handled = true;
    if (e.key === 'Escape') this.stop();
    else if (e.key === 's' || e.key === 'ArrowRight' || (e.key === ' ' && !onButton)) this.stepSample();
    else if (e.key === 'ArrowLeft' || e.key === 'Backspace') this.back();
    else if (e.key === 'ArrowUp') this.switchBranch(-1);
    else if (e.key === 'ArrowDown') this.switchBranch(1);
    else if (e.key === 'a') void this.autoplay();
    else if (/^[1-9]$/.test(e.key)) this.chooseRank(Number(e.key) - 1);
    else handled = false;
    if (handled) e.preventDefault();
  };

  private setSetting(key: 'temperature' | 'topK' | 'topP' | 'minP' | 'seed' | 'autoN', value: string): void {
    this[key] = value === '' ? NaN : Number(value);
    this.saveParams();
    this.notice = this.settingsProblem() ?? (key === 'autoN' && !(Number.isInteger(this.autoN) && this.autoN >= 1 && this.autoN <= 1000) ? 'Autoplay needs a whole number of tokens from 1 to 1000.' : '');
    if (key !== 'seed' && key !== 'autoN' && this.loom && !this.busy) void this.act(async () => undefined);
    else this.requestUpdate();
  }

  // ——— rendering ———

  private text(id: number): string {
    return this.texts.get(id) ?? '';
  }

  override render() {
    if (this.readonly) {
      const spec = this.pathRun.spec;
      return html`${spec ? html`<div class="card read-only-head" data-stored-spec>Prompt (${(spec as LoomSpec).settings.template}): ${spec.prompt}</div>` : nothing}${this.renderPathRun()}`;
    }
    const drive = this.wantedEngines().length === 2 ? this.drive : this.models;
    return html`
      <div class="card">
        <div class="form">
          <label>
            Prompt
            <textarea
              .value=${this.prompt}
              @input=${(e: Event) => {
                this.prompt = (e.target as HTMLTextAreaElement).value;
                this.saveParams();
              }}
              @keydown=${(e: KeyboardEvent) => {
                if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void this.restart();
              }}
            ></textarea>
          </label>
          <div class="buttons" style=${inlineStyle('margin-top:1.1rem')}>
            <button class="primary" @click=${() => void this.restart()} ?disabled=${this.busy}>Start</button>
          </div>
        </div>
        <div class="row">
          <label
            >Template
            <select
              .value=${this.template}
              @change=${(e: Event) => {
                this.template = (e.target as HTMLSelectElement).value as Template;
                this.saveParams();
              }}
            >
              <option value="none">none (plain text)</option>
              <option value="chat">chat</option>
            </select>
          </label>
          <label
            >Models
            <select
              .value=${this.models}
              @change=${(e: Event) => {
                this.models = (e.target as HTMLSelectElement).value as Models;
                this.saveParams();
              }}
            >
              <option value="both">both, side by side</option>
              <option value="base">base only</option>
              <option value="tuned">tuned only</option>
            </select>
          </label>
          <label
            >Samples from
            <select
              .value=${drive}
              ?disabled=${this.models !== 'both'}
              @change=${(e: Event) => {
                this.drive = (e.target as HTMLSelectElement).value as Side;
                this.saveParams();
              }}
            >
              <option value="base">base</option>
              <option value="tuned">tuned</option>
            </select>
          </label>
          ${this.numberInput('Temperature', 'temperature', this.temperature, '0.1', '0', '5')}
          ${this.numberInput('Top-k (0 = off)', 'topK', this.topK, '1', '0')}
          ${this.numberInput('Top-p (1 = off)', 'topP', this.topP, '0.05', '0', '1')}
          ${this.numberInput('Min-p (0 = off)', 'minP', this.minP, '0.01', '0', '1')}
          ${this.numberInput('Seed', 'seed', this.seed, '1')}
        </div>
        <p class="note">Changing the prompt, template or models takes effect with Start (it begins a new loom). Sampling settings apply to the next step.</p>
      </div>
      ${this.error
        ? html`<div class="card"><div class="error-box" role="alert" data-error>${this.error}${errorHelp(this.error)}</div></div>`
        : this.loom
          ? this.renderStage()
          : html`<div class="card muted" role="status">${this.busy ? 'Starting…' : this.waiting || 'Press Start to explore the prompt.'}</div>`}
      ${this.renderPathRun()}
    `;
  }

  private numberInput(label: string, key: 'temperature' | 'topK' | 'topP' | 'minP' | 'seed' | 'autoN', value: number, step: string, min?: string, max?: string) {
    return html`<label
      >${label}
      <input
        type="number"
        name=${key}
        step=${step}
        min=${min ?? nothing}
        max=${max ?? nothing}
        .value=${Number.isNaN(value) ? '' : String(value)}
        @change=${(e: Event) => this.setSetting(key, (e.target as HTMLInputElement).value)}
      />
    </label>`;
  }

  private async restart(): Promise<void> {
    if (this.busy && !this.playing) return;
    this.abort?.abort();
    updateQuery({ 'explore.path': null });
    this.pendingPath = null;
    await this.start(false);
  }

  private renderStage() {
    const loom = this.loom!;
    void this.version;
    const cursor = loom.cursor;
    const path = loom.path();
    const shown = displayTexts([...loom.prompt.map((id) => this.text(id)), ...path.map((n) => this.text(n.token!))]);
    const d = this.driveIndex;
    return html`
      <div
        class="stage"
        tabindex="0"
        aria-label="Explorer: press s to step, left arrow to go back, 1 to 9 to choose, up and down arrows to switch branch"
        data-path=${serializePath(loom.pathTokens())}
        data-node=${cursor.id}
        data-busy=${this.busy ? '1' : '0'}
      >
        <div class="card">
          <div class="buttons">
            <button @click=${() => this.stepSample()} ?disabled=${this.busy} title="s, Space or →">Step (sample)</button>
            <button @click=${() => this.back()} ?disabled=${this.busy || cursor.parent === null} title="← or Backspace">Back</button>
            <button @click=${() => this.switchBranch(-1)} ?disabled=${this.busy || loom.siblings().length < 2} title="↑">Previous branch</button>
            <button @click=${() => this.switchBranch(1)} ?disabled=${this.busy || loom.siblings().length < 2} title="↓">Next branch</button>
            <span style=${inlineStyle('width:1rem')}></span>
            <label
              >Autoplay
              <input
                type="number"
                name="autoN"
                min="1"
                max="1000"
                style=${inlineStyle('width:4.5rem')}
                .value=${Number.isNaN(this.autoN) ? '' : String(this.autoN)}
                @change=${(e: Event) => this.setSetting('autoN', (e.target as HTMLInputElement).value)}
              />
              tokens</label
            >
            ${this.playing
              ? html`<button class="primary" data-stop @click=${() => this.stop()}>Stop</button>`
              : html`<button data-play @click=${() => void this.autoplay()} ?disabled=${this.busy} title="a">Play</button>`}
            <button
              data-save-path
              @click=${() => this.savePathRun()}
              ?disabled=${this.busy || this.pathRun.running}
              title="Run this path (prompt to cursor) as a loom experiment and keep it in the library"
            >
              Save this path
            </button>
            <span style=${inlineStyle('width:1rem')}></span>
            <label
              >Colour by
              <select
                .value=${this.colorBy}
                @change=${(e: Event) => {
                  this.colorBy = (e.target as HTMLSelectElement).value as ColorBy;
                  this.saveParams();
                }}
              >
                <option value="prob">probability</option>
                <option value="rank">rank (GLTR)</option>
              </select>
            </label>
          </div>
          <p class="keys" aria-label="Keyboard">
            <span><kbd>s</kbd> <kbd>Space</kbd> <kbd>→</kbd> step (sample)</span>
            <span><kbd>←</kbd> <kbd>Backspace</kbd> back</span>
            <span><kbd>1</kbd>–<kbd>9</kbd> choose that rank (${NAMES[this.sides[d]!]})</span>
            <span><kbd>↑</kbd> <kbd>↓</kbd> switch branch</span>
            <span><kbd>a</kbd> autoplay, <kbd>Esc</kbd> stop</span>
          </p>
          ${this.notice ? html`<p class="note" role="status" data-notice>${this.notice}</p>` : nothing}
        </div>
        <div class="card">
          ${this.renderLegend()}
          <div class="text" data-text aria-live="off"
            ><span class="prompt">${shown.slice(0, loom.prompt.length).join('')}</span>${repeat(
              path,
              (n) => n.id,
              (n, i) => this.renderTok(n, cursor, shown[loom.prompt.length + i]!),
            )}<span class="caret" aria-hidden="true"></span
          ></div>
          <div class="stats">
            ${this.sides.map((side, m) => {
              const lp = loom.pathLogprob(m);
              return html`<span data-path-logprob=${String(lp)} data-model=${side}
                >${NAMES[side]}: log p(path) <b>${formatNumber(lp)}</b>, p(path) <b>${Math.exp(lp) >= 1e-3 ? formatNumber(Math.exp(lp), 4) : formatScientific(Math.exp(lp), 3)}</b></span
              >`;
            })}
            <span>${path.length} tokens chosen, ${loom.nodes.length - 1} in the loom</span>
          </div>
        </div>
        <div class="columns" style=${inlineStyle(`--cols:${this.sides.length}`)}>${this.steps.map((s, m) => renderDist(this.tables, s, m === d))}</div>
        <div class="card">
          <h3>Find any token</h3>
          <input
            type="search"
            name="query"
            style=${inlineStyle('width:min(28rem,100%)')}
            placeholder="search the whole vocabulary (any token's probability and rank)"
            .value=${this.query}
            @input=${async (e: Event) => {
              this.query = (e.target as HTMLInputElement).value;
              const q = this.query;
              const hits = await this.lookup(q).catch(() => []);
              if (q === this.query) this.hits = hits;
            }}
          />
          ${renderHits(this.tables)}
        </div>
        <div class="card">
          <h3>Insert text and continue</h3>
          <div class="buttons">
            <input
              type="text"
              name="insert"
              style=${inlineStyle('flex:1;min-width:12rem')}
              placeholder="your own text, appended at the end of this branch"
              .value=${this.insertText}
              @input=${(e: Event) => (this.insertText = (e.target as HTMLInputElement).value)}
              @keydown=${(e: KeyboardEvent) => {
                if (e.key === 'Enter') this.insert();
              }}
            />
            <button @click=${() => this.insert()} ?disabled=${this.busy}>Insert</button>
          </div>
        </div>
        <div class="card">
          <h3>Loom</h3>
          <p class="note">Every branch, with each edge's probability (${this.sides.map((s) => NAMES[s]).join(' / ')}). Click a token to go there.</p>
          ${renderTree(this.tables)}
        </div>
      </div>
    `;
  }

  private renderLegend() {
    const side = NAMES[this.sides[this.driveIndex]!];
    if (this.colorBy === 'rank') {
      return html`<div class="legend">
        Coloured by the ${side} model's rank of each token:
        ${(['top1', 'top10', 'top100', 'beyond'] as const).map((b) => html`<span class="tok b-${b}">${BUCKET_LABEL[b]}</span>`)}
      </div>`;
    }
    return html`<div class="legend">
      Coloured by the ${side} model's probability of each token:
      <span class="tok" style=${inlineStyle(`background:${probColor(0)}`)}>p ≈ 1</span>
      <span class="tok" style=${inlineStyle(`background:${probColor(-2)}`)}>0.14</span>
      <span class="tok" style=${inlineStyle(`background:${probColor(-4)}`)}>0.02</span>
      <span class="tok" style=${inlineStyle(`background:${probColor(-8)}`)}>≤ 0.0003</span>
    </div>`;
  }

  /** `shown`: the token's text in the running text (split UTF-8 characters buffered, see displayTexts). */
  private renderTok(n: LoomNode, cursor: LoomNode, shown: string): TemplateResult {
    const d = this.driveIndex;
    const edge = n.edges[d];
    const cls = ['tok', n.id === cursor.id ? 'cursor' : '', shown === '' ? 'partial' : ''];
    let style = '';
    if (edge) {
      if (this.colorBy === 'rank') cls.push(`b-${rankBucket(edge.rank)}`);
      else style = `background:${probColor(edge.logprob)}`;
    }
    const attrs = Object.fromEntries(this.sides.map((s, m) => [s, n.edges[m]]));
    const label = this.sides.map((s, m) => `${NAMES[s]} p ${n.edges[m] ? formatPercent(n.edges[m]!.prob) : '?'}`).join(', ');
    return html`<span
      class=${cls.join(' ')}
      style=${inlineStyle(style)}
      tabindex="0"
      role="button"
      data-node=${n.id}
      data-token-id=${n.token!}
      data-prob-base=${attrs['base'] ? String(attrs['base'].prob) : nothing}
      data-prob-tuned=${attrs['tuned'] ? String(attrs['tuned'].prob) : nothing}
      aria-label=${`${visibleToken(this.text(n.token!))}: ${label}. Enter to go here.`}
      @mouseenter=${() => (this.hover = n.id)}
      @mouseleave=${() => (this.hover = null)}
      @focus=${() => (this.hover = n.id)}
      @blur=${() => (this.hover = null)}
      @click=${() => this.goto(n.id)}
      @keydown=${(e: KeyboardEvent) => {
        if (e.key === 'Enter') {
          e.stopPropagation();
          this.goto(n.id);
        }
      }}
      >${shown}${this.hover === n.id ? this.renderPop(n) : nothing}</span
    >`;
  }

  /** The alternatives at a position: the parent's top tokens for each model, the chosen one marked. */
  private renderPop(n: LoomNode) {
    const loom = this.loom!;
    const parent = loom.node(n.parent!);
    return html`<span class="pop" role="tooltip" data-pop=${n.id}>
      ${this.sides.map((side, m) => {
        const edge = n.edges[m];
        const top = parent.next[m]?.top.slice(0, 6) ?? [];
        return html`<div>
          <strong>${NAMES[side]}</strong>: chose <code>${visibleToken(this.text(n.token!))}</code>
          ${edge ? html`p ${formatPercent(edge.prob)}, rank ${edge.rank}, processed ${formatPercent(edge.processedProb)}` : nothing}
          <table>
            ${top.map(
              (t, i) => html`<tr class=${t.id === n.token ? 'chosen' : ''}>
                <td>${i + 1}</td>
                <td><code>${visibleToken(this.text(t.id))}</code></td>
                <td class="num">${formatPercent(t.prob)}</td>
              </tr>`,
            )}
          </table>
        </div>`;
      })}
    </span>`;
  }

  /** What the tables (explore-tables.ts) read and call. */
  private get tables(): TablesHost {
    return {
      loom: this.loom!,
      sides: this.sides,
      settings: this.settingsProblem() ? DEFAULT_SAMPLING : this.settings,
      show: this.show,
      hits: this.hits,
      query: this.query,
      text: (id) => this.text(id),
      choose: (id) => this.choose(id),
      goto: (id) => this.goto(id),
      setShow: (n) => {
        this.show = n;
        this.saveParams();
        void this.act(async () => undefined);
      },
    };
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'explore-view': ExploreView;
  }
}
