/**
 * `<compare-view>`: base vs tuned, token by token, teacher-forced (issue 4), as experiments-as-data
 * (issue #14). The form builds a compare spec (src/lab/experiments/compare.ts) and runs it through the
 * compare runner with one RunLifecycle (progress with ETA, Cancel, errors, superseded runs); the view
 * renders only the result envelope, live or stored (`stored`: a library run, shown without engines;
 * `pendingSpec`: a shared link's spec, run once the pair is ready; `readonly`: the result only).
 *
 * Shows the response as a token strip (URIAL class or KL colours, both models' top alternatives per
 * token), KL and branching factor by position, the summary (classes against the noise floor, mean KL,
 * branching factors, γ of the sharpened base, cross-scoring), the shifted tokens and every position;
 * exports JSON (the result data: `lab compare --json`'s shape) and CSV. Full-precision numbers are in
 * `data-*` attributes for tests.
 */
import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { comparePositionsCsv, contextIds, contextText, type BaseTemplate, type TunedTemplate } from '../../../lab/compare';
import { COMPARE_BASE_TEMPLATES, COMPARE_TUNED_TEMPLATES, compareRunner, compareSpec, RESPONSE_SOURCES, type CompareData, type CompareSpec } from '../../../lab/experiments/compare';
import { modelRefOf } from '../../../lab/experiments/model-ref';
import type { ResultEnvelope, RunRecord, SpecEnvelope } from '../../../lab/experiments/types';
import { queryParam, updateQuery } from '../../params';
import { RunLifecycle } from '../../run-lifecycle';
import { inlineStyle, resultTable } from '../../styles';
import '../../lab-chart';
import { TemplatePicks } from '../../template-picks';
import { PairView } from '../pair-view';
import { compareChartConfig } from './compare-charts';
import { MAX_TOKENS_LIMIT, renderCompareForm, type CompareFields, type ContextPreview, type FormHost } from './compare-form';
import { renderStrip, type ColorBy } from './compare-strip';
import { compareStyles } from './compare-styles';
import { renderPositions, renderShifted, renderSummary, type ExportUrls } from './compare-summary';

const DEFAULT_PROMPT = 'Are bugs real?';
/** What a base that is not chat-tuned reads here; the templates otherwise follow the model (TemplatePicks). */
const PLAIN_BASE: BaseTemplate = 'urial';

function pick<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

function numberParam(key: string, fallback: number): number {
  const v = queryParam(key);
  const n = v === null ? NaN : Number(v);
  return Number.isFinite(n) ? n : fallback;
}

function fieldsFromUrl(): CompareFields {
  return {
    prompt: queryParam('compare.prompt') ?? DEFAULT_PROMPT,
    response: queryParam('compare.response') ?? '',
    source: pick(queryParam('compare.source'), RESPONSE_SOURCES, 'tuned'),
    temperature: Math.max(0, numberParam('compare.temp', 0)),
    seed: Math.round(numberParam('compare.seed', 0)),
    baseTemplate: pick(queryParam('compare.baseTemplate'), COMPARE_BASE_TEMPLATES, PLAIN_BASE),
    tunedTemplate: pick(queryParam('compare.tunedTemplate'), COMPARE_TUNED_TEMPLATES, 'chat'),
    maxTokens: Math.round(numberParam('compare.max', 48)),
    cross: queryParam('compare.cross') === '1',
    samples: Math.round(numberParam('compare.samples', 16)),
  };
}

/** The form's fields of a compare spec. */
export function fieldsOfSpec(spec: CompareSpec): CompareFields {
  const s = spec.settings;
  return {
    prompt: spec.prompt,
    response: s.response,
    source: s.response_source,
    temperature: s.response_temperature,
    seed: spec.seed,
    baseTemplate: s.templates.base,
    tunedTemplate: s.templates.tuned,
    maxTokens: s.max_tokens,
    cross: s.cross,
    samples: s.samples,
  };
}

type Envelope = ResultEnvelope<never, CompareData>;

@customElement('compare-view')
export class CompareView extends PairView {
  static override styles = [...PairView.styles, resultTable, compareStyles];

  /** A stored run (library, import): its inputs fill the form and its result is shown, not recomputed. */
  @property({ attribute: false }) stored: RunRecord | null = null;
  /** A spec from a shared link: fills the form and runs once the pair is ready (once). */
  @property({ attribute: false }) pendingSpec: SpecEnvelope | null = null;
  /** Render only the result (no form, no run buttons). */
  @property({ type: Boolean, reflect: true }) readonly = false;

  @state() private f: CompareFields = fieldsFromUrl();
  @state() private colorBy: ColorBy = pick(queryParam('compare.color'), ['class', 'kl'] as const, 'class');
  @state() private contexts: { base: ContextPreview | null; tuned: ContextPreview | null } = { base: null, tuned: null };
  @state() private selected = 0;

  private readonly lifecycle = new RunLifecycle<CompareData>(this);
  /** The templates: each loaded model's default unless chosen (link, stored run, shared spec, the select). */
  private readonly templates = new TemplatePicks<BaseTemplate>(this, {
    plainBase: PLAIN_BASE,
    link: {
      base: queryParam('compare.baseTemplate') === null ? null : this.f.baseTemplate,
      tuned: queryParam('compare.tunedTemplate') === null ? null : this.f.tunedTemplate,
    },
    fallback: { base: PLAIN_BASE, tuned: 'chat' },
    onChange: (v) => {
      this.f = { ...this.f, baseTemplate: v.base, tunedTemplate: v.tuned as TunedTemplate };
      if (!this.stored && !this.readonly) this.saveParams();
    },
  });
  private contextsKey = '';
  private pendingRun = false;
  private urls: { result: unknown; value: ExportUrls } | null = null;
  private chartCache: { result: unknown; config: ReturnType<typeof compareChartConfig> } | null = null;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.revokeUrls();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (!this.readonly) this.templates.models(this.base, this.tuned, { base: this.baseInfo, tuned: this.tunedInfo });
    if (changed.has('stored') && this.stored) this.openStored(this.stored);
    if (changed.has('pendingSpec') && this.pendingSpec) this.takePending(this.pendingSpec);
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    if (this.pendingRun && this.pairReady && !this.lifecycle.running) {
      this.pendingRun = false;
      void this.run();
    }
    if (this.readonly) return;
    const key = JSON.stringify([this.f.prompt, this.f.baseTemplate, this.f.tunedTemplate, this.base !== null, this.tuned !== null]);
    if (key !== this.contextsKey) {
      this.contextsKey = key;
      void this.refreshContexts(key);
    }
  }

  private openStored(rec: RunRecord): void {
    try {
      const spec = compareRunner.validateSpec(rec.spec);
      const result = compareRunner.validateResult(rec.result);
      this.f = fieldsOfSpec(spec);
      this.templates.choose('base', spec.settings.templates.base, 'stored');
      this.templates.choose('tuned', spec.settings.templates.tuned, 'stored');
      this.selected = 0;
      this.lifecycle.show(spec, result as unknown as Envelope);
    } catch (err) {
      this.lifecycle.fail(err);
    }
  }

  private takePending(x: SpecEnvelope): void {
    try {
      const spec = compareRunner.validateSpec(x);
      this.f = fieldsOfSpec(spec);
      this.templates.choose('base', spec.settings.templates.base, 'shared');
      this.templates.choose('tuned', spec.settings.templates.tuned, 'shared');
      this.pendingRun = true;
    } catch (err) {
      this.lifecycle.fail(err);
    }
  }

  /** The exact context text (and token count) each model will see, for the current inputs. */
  private async refreshContexts(key: string): Promise<void> {
    const { prompt } = this.f;
    const one = async (engine: typeof this.base, template: BaseTemplate) => {
      if (!engine || prompt === '') return null;
      try {
        const [text, ids] = await Promise.all([contextText(engine, prompt, template), contextIds(engine, prompt, template)]);
        return { text, tokens: ids.length };
      } catch {
        return null;
      }
    };
    const [b, t] = await Promise.all([one(this.base, this.f.baseTemplate), one(this.tuned, this.f.tunedTemplate)]);
    if (key === this.contextsKey) this.contexts = { base: b, tuned: t };
  }

  /** The context preview: from the engines, else from the shown result when it is for these inputs. */
  private contextOf(side: 'base' | 'tuned'): ContextPreview | null {
    const c = this.contexts[side];
    if (c) return c;
    const r = this.lifecycle.result?.data;
    const spec = this.lifecycle.spec as CompareSpec | null;
    if (r && spec && spec.prompt === this.f.prompt && r.templates[side] === (side === 'base' ? this.f.baseTemplate : this.f.tunedTemplate)) {
      return { text: r.context_texts[side], tokens: r.contexts[side].length };
    }
    return null;
  }

  private saveParams(): void {
    const f = this.f;
    updateQuery({
      'compare.prompt': f.prompt === DEFAULT_PROMPT ? null : f.prompt,
      'compare.response': f.source === 'typed' ? f.response : null,
      'compare.source': f.source === 'tuned' ? null : f.source,
      'compare.temp': f.temperature === 0 ? null : String(f.temperature),
      'compare.seed': f.seed === 0 ? null : String(f.seed),
      // only an explicit choice: a link without them follows the models of whatever pair it opens
      'compare.baseTemplate': this.templates.param('base'),
      'compare.tunedTemplate': this.templates.param('tuned'),
      'compare.max': f.maxTokens === 48 ? null : String(f.maxTokens),
      'compare.cross': f.cross ? '1' : null,
      'compare.samples': f.samples === 16 ? null : String(f.samples),
      'compare.color': this.colorBy === 'class' ? null : this.colorBy,
    });
  }

  private set<K extends keyof CompareFields>(key: K, value: CompareFields[K]): void {
    if (key === 'baseTemplate' || key === 'tunedTemplate') {
      this.templates.choose(key === 'baseTemplate' ? 'base' : 'tuned', value as BaseTemplate, 'user');
      return;
    }
    this.f = { ...this.f, [key]: value };
    this.saveParams();
  }

  private revokeUrls(): void {
    if (this.urls) {
      URL.revokeObjectURL(this.urls.value.json);
      URL.revokeObjectURL(this.urls.value.csv);
    }
    this.urls = null;
  }

  /** Export links of the shown result (made once per result). */
  private exportUrls(r: CompareData): ExportUrls {
    if (this.urls?.result !== r) {
      this.revokeUrls();
      this.urls = {
        result: r,
        value: {
          json: URL.createObjectURL(new Blob([JSON.stringify(r, null, 2)], { type: 'application/json' })),
          csv: URL.createObjectURL(new Blob([comparePositionsCsv(r)], { type: 'text/csv' })),
        },
      };
    }
    return this.urls.value;
  }

  /** Check the inputs; a message for the first problem, or null. */
  private problem(): string | null {
    const f = this.f;
    if (!this.pairReady || !this.baseInfo || !this.tunedInfo) return 'Both models must be loaded first.';
    if (f.prompt.trim() === '') return 'The prompt is empty: type one.';
    if (f.source === 'typed' && f.response === '') return 'The response is empty: type one, or let a model answer.';
    if (!Number.isInteger(f.samples) || f.samples < 0 || f.samples > 256) return 'Samples for the branching factor must be a whole number from 0 to 256 (0 skips it).';
    if (!Number.isInteger(f.maxTokens) || f.maxTokens < 1 || f.maxTokens > MAX_TOKENS_LIMIT) return `Max tokens must be a whole number from 1 to ${MAX_TOKENS_LIMIT}.`;
    if (f.source !== 'typed' && !(f.temperature >= 0 && f.temperature <= 5)) return 'The temperature must be between 0 (greedy) and 5.';
    if (!Number.isInteger(f.seed) || f.seed < 0 || f.seed > 2 ** 32 - 1) return 'The seed must be a whole number from 0 to 4294967295.';
    return null;
  }

  /** The spec of the form's inputs and the loaded pair. */
  spec(): CompareSpec {
    const f = this.f;
    const typed = f.source === 'typed';
    return compareSpec({ base: modelRefOf(this.baseInfo!), tuned: modelRefOf(this.tunedInfo!) }, f.prompt, f.seed, {
      templates: { base: f.baseTemplate, tuned: f.tunedTemplate },
      response_source: f.source,
      response: typed ? f.response : '',
      response_temperature: typed ? 0 : f.temperature,
      max_tokens: f.maxTokens,
      samples: f.samples,
      cross: f.cross,
    });
  }

  /** "Are bugs real?", the tuned model answers greedily, each side in its model's default template. */
  private async preset(): Promise<void> {
    this.f = { ...this.f, prompt: 'Are bugs real?', source: 'tuned', temperature: 0 };
    await this.templates.settled();
    this.templates.reset();
    this.saveParams();
    void this.run();
  }

  private async run(): Promise<void> {
    if (this.lifecycle.running) return;
    await this.templates.settled();
    if (this.lifecycle.running) return;
    const problem = this.problem();
    if (problem) {
      this.lifecycle.fail(Object.assign(new Error(problem), { name: 'Input' }));
      return;
    }
    const spec = this.spec();
    const engines = { base: this.base, tuned: this.tuned };
    const r = await this.lifecycle.start(spec, async (signal, onProgress) => (await compareRunner.run(spec, { engines, signal, onProgress })) as unknown as Envelope);
    if (r) this.selected = 0;
  }

  private onStripKey(e: KeyboardEvent, i: number, n: number): void {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : e.key === 'Home' ? -n : e.key === 'End' ? n : 0;
    if (!step) return;
    e.preventDefault();
    const j = Math.max(0, Math.min(n - 1, i + step));
    this.selected = j;
    this.renderRoot.querySelector<HTMLElement>(`.strip .tok[data-pos="${j}"]`)?.focus();
  }

  private chartConfig(r: CompareData) {
    if (this.chartCache?.result !== r) this.chartCache = { result: r, config: compareChartConfig(r) };
    return this.chartCache.config;
  }

  private status() {
    const l = this.lifecycle;
    const inner = l.render();
    if (inner === nothing) return nothing;
    return html`<div class=${l.state === 'error' ? 'error-box' : ''} style=${inlineStyle('margin-top:0.6rem')} data-run-status>${inner}</div>`;
  }

  private renderResult(r: CompareData) {
    return html`${renderStrip(r, {
        selected: Math.min(this.selected, Math.max(0, r.positions.length - 1)),
        colorBy: this.colorBy,
        onSelect: (i) => (this.selected = i),
        onColor: (c) => {
          this.colorBy = c;
          if (!this.readonly) this.saveParams();
        },
        onKey: (e, i, n) => this.onStripKey(e, i, n),
      })}
      <div class="card grid2">
        <div>
          <h3>KL(tuned‖base) and branching factor by position</h3>
          <lab-chart .config=${this.chartConfig(r)} label="KL(tuned‖base) by response position (bars) and each model's branching factor exp(entropy) (lines, log scale)"></lab-chart>
        </div>
        ${renderShifted(r)}
      </div>
      ${renderSummary(r, this.exportUrls(r))} ${renderPositions(r)}`;
  }

  override render() {
    const r = this.lifecycle.result?.data ?? null;
    if (this.readonly) return this.lifecycle.state === 'error' ? this.status() : r ? this.renderResult(r) : nothing;
    const host: FormHost = {
      f: this.f,
      busy: this.lifecycle.running,
      pairReady: this.pairReady,
      context: (side) => this.contextOf(side),
      set: (k, v) => this.set(k, v),
      run: () => void this.run(),
      preset: () => void this.preset(),
      templateHint: (side) => this.templates.hint(side),
      status: this.status(),
    };
    return html`${renderCompareForm(host)} ${r && this.lifecycle.state !== 'error' ? this.renderResult(r) : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'compare-view': CompareView;
  }
}
