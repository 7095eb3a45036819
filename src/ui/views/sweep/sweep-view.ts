/**
 * `<sweep-view>`: the temperature sweep — how much does heat undo collapse? — as experiments-as-data
 * (issue #14). The form builds a sweep spec (src/lab/experiments/sweep.ts) and runs it through the sweep
 * runner with one RunLifecycle; the view renders only result data: the runner's final result (live or
 * stored: `stored` shows a library run without engines, `pendingSpec` runs a shared link's spec once the
 * pair is ready, `readonly` renders the result only), or, while a run is in flight, the runner's partial
 * data (exact curves, then each sampled batch). A cancelled sweep keeps the batches done so far on screen
 * (not saved to the library).
 *
 * Exact curves (one teacher-forced pass per model, no sampling): entropy of the tempered next-token
 * distribution after the prompt, top-1 / top-5 mass, the mean entropy along a reference continuation, and
 * the temperature at which the tuned model is as uncertain as the base model at T = 1. Sampled: N
 * completions per temperature and model, generated as one batch, with diversity metrics, answer
 * histograms and the samples themselves. All maths lives in src/lab.
 */
import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { modelRefOf } from '../../../lab/experiments/model-ref';
import { resolveGrouping, runSweep, sweepRunner, sweepSpec, type SweepData, type SweepGroupingSetting, type SweepSide, type SweepSpec } from '../../../lab/experiments/sweep';
import type { ResultEnvelope, RunRecord, SpecEnvelope } from '../../../lab/experiments/types';
import type { Template } from '../../../engine/types';
import { parseTemperatures } from '../../../lab/sweep';
import { downloadCsv, downloadJson } from '../../download';
import { queryParam, updateQuery } from '../../params';
import { RunLifecycle } from '../../run-lifecycle';
import { TemplatePicks } from '../../template-picks';
import { PairView } from '../pair-view';
import { experimentStyles, parseWhole } from '../shared/experiment-styles';
import { answerCounts, exactCharts, histogramChart, sampledCharts, sidesOf, type Grouping } from './sweep-charts';
import { sweepCsv } from './sweep-export';
import { renderSweepForm, SWEEP_FIELD_DEFAULTS as DEFAULTS, type Field, type Fields } from './sweep-form';
import { renderExact, renderSampled, type HistogramConfig } from './sweep-results';

function initial(): Fields {
  const out = {} as Fields;
  for (const k of Object.keys(DEFAULTS) as Field[]) out[k] = queryParam(`sweep.${k}`) ?? DEFAULTS[k];
  return out;
}

const listText = (ts: number[]) => ts.join(', ');

/** A template from the link, or null when the link has none (or an unknown one). */
function linkTemplate(key: string): Template | null {
  const v = queryParam(key);
  return v === 'chat' || v === 'none' ? v : null;
}

/** The form's fields of a sweep spec (`keep`: fields a spec leaves open, e.g. no sampling temperatures). */
export function fieldsOfSpec(spec: SweepSpec, keep: Fields): Fields {
  const s = spec.settings;
  const g = s.grouping;
  return {
    ...keep,
    prompt: spec.prompt,
    sides: s.sides.length === 2 ? 'both' : s.sides[0]!,
    tb: s.templates.base,
    tt: s.templates.tuned,
    grid: listText(s.grid),
    temps: s.temperatures.length ? listText(s.temperatures) : keep.temps,
    n: String(s.samples),
    max: String(s.max_tokens),
    seed: String(spec.seed),
    group: g.by,
    words: g.by === 'words' ? String(g.words) : keep.words,
    regex: g.by === 'regex' ? g.regex : keep.regex,
    ref: s.reference ?? '',
  };
}

type Envelope = ResultEnvelope<never, SweepData>;

@customElement('sweep-view')
export class SweepView extends PairView {
  static override styles = [...PairView.styles, experimentStyles];

  @property({ attribute: false }) stored: RunRecord | null = null;
  @property({ attribute: false }) pendingSpec: SpecEnvelope | null = null;
  @property({ type: Boolean, reflect: true }) readonly = false;

  @state() private f: Fields = initial();
  /** The data of the run in flight (or of a cancelled one), from the runner's onPartial. */
  @state() private partial: { spec: SweepSpec; data: SweepData } | null = null;
  @state() private partialNote = '';

  private readonly lifecycle = new RunLifecycle<SweepData>(this);
  /** The templates: each loaded model's default unless chosen (link, stored run, shared spec, the select). */
  private readonly templates = new TemplatePicks<Template>(this, {
    plainBase: 'none',
    link: { base: linkTemplate('sweep.tb'), tuned: linkTemplate('sweep.tt') },
    fallback: { base: DEFAULTS.tb, tuned: DEFAULTS.tt },
    onChange: (v) => {
      this.f = { ...this.f, tb: v.base, tt: v.tuned };
      // only an explicit choice goes in the URL: a link without it follows the models of the pair it opens
      if (!this.stored && !this.readonly) updateQuery({ 'sweep.tb': this.templates.param('base'), 'sweep.tt': this.templates.param('tuned') });
    },
  });
  private runToken = 0;
  private pendingRun: boolean | null = null;
  private charts: { data: SweepData; exact: ReturnType<typeof exactCharts>; sampled: ReturnType<typeof sampledCharts> } | null = null;
  private histConfigs: { key: string; data: SweepData; charts: HistogramConfig[] } | null = null;

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (!this.readonly) this.templates.models(this.base, this.tuned, { base: this.baseInfo, tuned: this.tunedInfo });
    if (changed.has('stored') && this.stored) this.openStored(this.stored);
    if (changed.has('pendingSpec') && this.pendingSpec) this.takePending(this.pendingSpec);
    // Histograms depend on the shown runs and on the grouping.
    const shown = this.shown();
    const g = this.grouping();
    if (!shown || typeof g === 'string') {
      this.histConfigs = null;
      return;
    }
    const d = shown.data;
    const key = `${this.f.group}|${this.f.words}|${this.f.regex}`;
    if (this.histConfigs?.key === key && this.histConfigs.data === d) return;
    const sides = sidesOf(d);
    const charts = (d[sides[0]!]!.runs ?? []).map((run, j) => {
      const rows = answerCounts(d.base?.runs[j], d.tuned?.runs[j], g);
      return { t: run.temperature, rows, chart: histogramChart(rows, sides) };
    });
    this.histConfigs = { key, data: d, charts };
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    if (this.pendingRun !== null && this.pairReady && !this.lifecycle.running) {
      const sample = this.pendingRun;
      this.pendingRun = null;
      void this.run(sample);
    }
  }

  private openStored(rec: RunRecord): void {
    try {
      const spec = sweepRunner.validateSpec(rec.spec);
      const result = sweepRunner.validateResult(rec.result);
      this.runToken++;
      this.partial = null;
      this.partialNote = '';
      this.f = fieldsOfSpec(spec, this.f);
      this.chooseFrom(spec, 'stored');
      this.lifecycle.show(spec, result as unknown as Envelope);
    } catch (err) {
      this.lifecycle.fail(err);
    }
  }

  private takePending(x: SpecEnvelope): void {
    try {
      const spec = sweepRunner.validateSpec(x);
      this.f = fieldsOfSpec(spec, this.f);
      this.chooseFrom(spec, 'shared');
      this.pendingRun = spec.settings.temperatures.length > 0;
    } catch (err) {
      this.lifecycle.fail(err);
    }
  }

  /** What is on screen: the run in flight (or a cancelled one's batches), else the lifecycle's result. */
  private shown(): { spec: SweepSpec; data: SweepData } | null {
    if (this.lifecycle.running) return this.partial;
    if (this.partial) return this.partial;
    const r = this.lifecycle.result;
    return r && this.lifecycle.spec && this.lifecycle.state !== 'error' ? { spec: this.lifecycle.spec as SweepSpec, data: r.data } : null;
  }

  /** A spec's templates are explicit choices (of the sides it ran; the other side keeps its pick). */
  private chooseFrom(spec: SweepSpec, source: 'stored' | 'shared'): void {
    for (const side of spec.settings.sides) this.templates.choose(side, spec.settings.templates[side], source);
  }

  private set(k: Field, v: string): void {
    if (k === 'tb' || k === 'tt') {
      this.templates.choose(k === 'tb' ? 'base' : 'tuned', v === 'chat' ? 'chat' : 'none', 'user');
      return;
    }
    this.f = { ...this.f, [k]: v };
    updateQuery({ [`sweep.${k}`]: v === DEFAULTS[k] ? null : v });
  }

  /** The grouping setting of the form, or a message when the regex does not compile. */
  private groupingSetting(): SweepGroupingSetting | string {
    if (this.f.group === 'auto') return { by: 'auto' };
    if (this.f.group === 'regex') {
      if (this.f.regex === '') return 'Type a regular expression to group answers by (its first capture group, else the whole match).';
      try {
        new RegExp(this.f.regex, 'u');
      } catch (err) {
        return `This is not a valid regular expression: ${(err as Error).message}`;
      }
      return { by: 'regex', regex: this.f.regex };
    }
    const w = parseWhole(this.f.words, 'The number of first words', 1, 20);
    return typeof w === 'string' ? w : { by: 'words', words: w };
  }

  /** The grouping the histograms shown use (automatic: resolved over the shown answers). */
  private grouping(): Grouping | string {
    const g = this.groupingSetting();
    if (typeof g === 'string') return g;
    const { label: _label, ...r } = resolveGrouping(g, this.shownTexts());
    return r;
  }

  private shownTexts(): string[] {
    const d = this.shown()?.data;
    return d ? sidesOf(d).flatMap((m) => d[m]!.runs.flatMap((run) => run.samples.map((x) => x.text))) : [];
  }

  /** The spec of the form's inputs, or a message for the first problem. */
  private parse(sample: boolean): SweepSpec | string {
    const f = this.f;
    if (f.prompt.trim() === '') return 'Type a prompt first.';
    let grid: number[];
    let temperatures: number[] = [];
    try {
      grid = parseTemperatures(f.grid);
    } catch {
      return `The temperature grid must be a list (0.5, 1, 1.5) or a range (0.1..2 step 0.1) of numbers ≥ 0, got "${f.grid}".`;
    }
    if (grid.length < 2) return 'The temperature grid needs at least two temperatures.';
    if (sample) {
      try {
        temperatures = parseTemperatures(f.temps);
      } catch {
        return `The sampling temperatures must be a list of numbers ≥ 0 (e.g. 0.5, 1, 1.5), got "${f.temps}".`;
      }
      if (temperatures.length > 50) return 'At most 50 sampling temperatures.';
    }
    if ([...grid, ...temperatures].some((t) => t > 100)) return 'Temperatures must be at most 100.';
    const samples = parseWhole(f.n, 'Samples per temperature', 1, 256);
    if (typeof samples === 'string') return samples;
    const maxTokens = parseWhole(f.max, 'Max tokens', 1, 256);
    if (typeof maxTokens === 'string') return maxTokens;
    const seed = parseWhole(f.seed, 'The seed', 0, 2 ** 32 - 1);
    if (typeof seed === 'string') return seed;
    const grouping = this.groupingSetting();
    if (typeof grouping === 'string') return grouping;
    if (!this.baseInfo || !this.tunedInfo || !this.pairReady) return 'Both models must be loaded first (see the pair above).';
    const sides: SweepSide[] = f.sides === 'base' ? ['base'] : f.sides === 'tuned' ? ['tuned'] : ['base', 'tuned'];
    const models: SweepSpec['models'] = {};
    if (sides.includes('base')) models.base = modelRefOf(this.baseInfo);
    if (sides.includes('tuned')) models.tuned = modelRefOf(this.tunedInfo);
    return sweepSpec(models, f.prompt, seed, {
      sides,
      templates: { base: f.tb === 'chat' ? 'chat' : 'none', tuned: f.tt === 'chat' ? 'chat' : 'none' },
      grid,
      temperatures,
      samples,
      max_tokens: maxTokens,
      reference: f.ref === '' ? null : f.ref,
      grouping,
    });
  }

  private async run(sample: boolean): Promise<void> {
    await this.templates.settled(); // a click right after the pair loads runs with the models' defaults
    const spec = this.parse(sample);
    if (typeof spec === 'string') {
      this.lifecycle.fail(Object.assign(new Error(spec), { name: 'Input' }));
      return;
    }
    const engines = { base: this.base, tuned: this.tuned };
    const token = ++this.runToken;
    this.partial = null;
    this.partialNote = '';
    const r = await this.lifecycle.start(spec, async (signal, onProgress) =>
      (await runSweep(spec, {
        engines,
        signal,
        onProgress,
        onPartial: (data) => {
          if (token === this.runToken && !signal.aborted) this.partial = { spec, data };
        },
      })) as unknown as Envelope,
    );
    if (token !== this.runToken) return; // superseded: the newer run owns the view
    // (set by onPartial while the run was in flight)
    const partial = this.partial as { spec: SweepSpec; data: SweepData } | null;
    if (r || this.lifecycle.state === 'error' || !partial) {
      this.partial = null;
      return;
    }
    // Cancelled: the batches done so far stay on screen (not saved to the library).
    const d = partial.data;
    const done = sidesOf(d).reduce((n, m) => n + d[m]!.runs.length, 0);
    const batches = spec.settings.temperatures.length * spec.settings.sides.length;
    this.partialNote = `${done} of ${batches} sampled batches finished before the cancel; they are shown below (not saved to the library).`;
  }

  private exportJson(): void {
    const d = this.shown()?.data;
    if (d) downloadJson('sweep.json', d);
  }

  private exportCsv(): void {
    const d = this.shown()?.data;
    const g = this.grouping();
    if (d) downloadCsv('sweep.csv', sweepCsv(d, typeof g === 'string' ? {} : g));
  }

  private chartsOf(d: SweepData) {
    if (this.charts?.data !== d) this.charts = { data: d, exact: exactCharts(d), sampled: sampledCharts(d) };
    return this.charts;
  }

  private status() {
    const l = this.lifecycle;
    return html`${l.render()} ${this.partialNote ? html`<p class="notice" data-partial-note>${this.partialNote}</p>` : nothing}`;
  }

  private renderResults() {
    const shown = this.shown();
    if (!shown) return nothing;
    const c = this.chartsOf(shown.data);
    const input = { data: shown.data, settings: shown.spec.settings, seed: shown.spec.seed, exact: c.exact, sampled: c.sampled, histograms: this.histConfigs?.charts ?? null, grouping: this.grouping() };
    return html`${renderExact(input)} ${renderSampled(input)}`;
  }

  override render() {
    if (this.readonly) return html`${this.lifecycle.state === 'error' ? this.lifecycle.render() : nothing} ${this.renderResults()}`;
    const g = this.grouping();
    const texts = this.shownTexts();
    return html`${renderSweepForm({
        f: this.f,
        running: this.lifecycle.running,
        pairReady: this.pairReady,
        hasResult: this.shown() !== null,
        baseInfo: this.baseInfo,
        tunedInfo: this.tunedInfo,
        groupingError: typeof g === 'string' ? g : null,
        autoLabel: texts.length ? resolveGrouping({ by: 'auto' }, texts).label : '',
        set: (k, v) => this.set(k, v),
        templateHint: (side) => this.templates.hint(side),
        run: (sample) => void this.run(sample),
        exportCsv: () => this.exportCsv(),
        exportJson: () => this.exportJson(),
        status: this.status(),
      })}
      ${this.renderResults()}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sweep-view': SweepView;
  }
}
