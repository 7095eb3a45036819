/**
 * `<sweep-view>`: the temperature sweep — how much does heat undo collapse?
 *
 * Exact curves (one teacher-forced pass per model, no sampling): entropy of the tempered next-token
 * distribution after the prompt, top-1 / top-5 mass, and the mean entropy along a reference
 * continuation, as functions of T; and the temperature at which the tuned model is as uncertain as the
 * base model at T = 1. Sampled: N completions per temperature and model, generated as one batch, with
 * diversity metrics, answer histograms and the samples themselves. All maths lives in src/lab/sweep.ts.
 */
import { html, nothing, type PropertyValues } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { isLabError } from '../../engine/errors';
import type { Engine, Template } from '../../engine/types';
import { visibleToken } from '../../lab/tokens';
import { exactCurves, matchingTemperature, matchingTemperatureAlong, meanEntropyAt, ownAnswers, parseTemperatures, sampleBatch, sweepMetrics } from '../../lab/sweep';
import { downloadCsv, downloadJson } from '../download';
import { formatNumber } from '../format';
import '../lab-chart';
import { queryParam, updateQuery, type Side } from '../params';
import { PairView } from './pair-view';
import { answerCounts, exactCharts, histogramChart, sampledCharts } from './sweep-charts';
import { experimentStyles, parseWhole, renderProgress, settleAll, type Progress } from './sweep-common';
import { sweepCsv, sweepJson, type Grouping, type SideExact, type SweepSettings, type SweepState } from './sweep-export';
import { errorHelp } from '../error-help';
import { autoGrouping } from '../../lab/answer-groups';
import { inlineStyle } from '../styles';

const SIDES: Side[] = ['base', 'tuned'];
const HEADING: Record<Side, string> = { base: 'Base', tuned: 'Tuned' };
const DEFAULTS = {
  prompt: 'Pick a random number between 1 and 100.',
  tb: 'none',
  tt: 'chat',
  grid: '0.1..2 step 0.1',
  temps: '0.5, 1, 1.5',
  n: '16',
  max: '16',
  seed: '0',
  group: 'auto',
  words: '3',
  regex: '(\\d+)',
  ref: '',
} as const;
type Field = keyof typeof DEFAULTS;

function initial(): Record<Field, string> {
  const out = {} as Record<Field, string>;
  for (const k of Object.keys(DEFAULTS) as Field[]) out[k] = queryParam(`sweep.${k}`) ?? DEFAULTS[k];
  return out;
}

function asTemplate(s: string): Template {
  return s === 'chat' ? 'chat' : 'none';
}

type Parsed = SweepSettings & { reference: string };

@customElement('sweep-view')
export class SweepView extends PairView {
  static override styles = [...PairView.styles, experimentStyles];

  @state() private f: Record<Field, string> = initial();
  @state() private error: string | null = null;
  @state() private notice: string | null = null;
  @state() private progress: Progress | null = null;
  @state() private result: SweepState | null = null;
  private abort: AbortController | null = null;
  private exactConfigs: ReturnType<typeof exactCharts> | null = null;
  private sampledConfigs: ReturnType<typeof sampledCharts> | null = null;
  private histConfigs: { key: string; charts: { t: number; rows: ReturnType<typeof answerCounts>; chart: ReturnType<typeof histogramChart> }[] } | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.dataset['viewState']) this.setViewState('idle');
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.abort?.abort();
  }

  private set(k: Field, v: string): void {
    this.f = { ...this.f, [k]: v };
    updateQuery({ [`sweep.${k}`]: v === DEFAULTS[k] ? null : v });
  }

  /** The answer grouping, or a message when the regex does not compile. */
  private grouping(): Grouping | string {
    if (this.f.group === 'auto') {
      // The first number when most answers hold one (a number collapse shows), else the first 3 words.
      const r = this.result;
      const { label: _label, ...g } = autoGrouping(r ? SIDES.flatMap((m) => r.runs[m].flatMap((run) => run.samples.map((x) => x.text))) : []);
      return g;
    }
    if (this.f.group === 'regex') {
      if (this.f.regex === '') return 'Type a regular expression to group answers by (its first capture group, else the whole match).';
      try {
        return { regex: new RegExp(this.f.regex, 'u') };
      } catch (err) {
        return `This is not a valid regular expression: ${(err as Error).message}`;
      }
    }
    const w = parseWhole(this.f.words, 'The number of first words', 1, 20);
    return typeof w === 'string' ? w : { words: w };
  }

  private parse(): Parsed | string {
    const prompt = this.f.prompt;
    if (prompt.trim() === '') return 'Type a prompt first.';
    let grid: number[];
    let temperatures: number[];
    try {
      grid = parseTemperatures(this.f.grid);
    } catch {
      return `The temperature grid must be a list (0.5, 1, 1.5) or a range (0.1..2 step 0.1) of numbers ≥ 0, got "${this.f.grid}".`;
    }
    try {
      temperatures = parseTemperatures(this.f.temps);
    } catch {
      return `The sampling temperatures must be a list of numbers ≥ 0 (e.g. 0.5, 1, 1.5), got "${this.f.temps}".`;
    }
    if (grid.length < 2) return 'The temperature grid needs at least two temperatures.';
    if (temperatures.length > 50) return 'At most 50 sampling temperatures.';
    const samples = parseWhole(this.f.n, 'Samples per temperature', 1, 256);
    if (typeof samples === 'string') return samples;
    const maxTokens = parseWhole(this.f.max, 'Max tokens', 1, 256);
    if (typeof maxTokens === 'string') return maxTokens;
    const seed = parseWhole(this.f.seed, 'The seed', 0, 2 ** 32 - 1);
    if (typeof seed === 'string') return seed;
    return {
      prompt,
      templates: { base: asTemplate(this.f.tb), tuned: asTemplate(this.f.tt) },
      grid,
      temperatures,
      samples,
      max_tokens: maxTokens,
      seed,
      reference: this.f.ref,
    };
  }

  private async exactFor(engine: Engine, template: Template, p: Parsed, signal: AbortSignal): Promise<SideExact> {
    const context = await engine.encode(p.prompt, template);
    if (context.length === 0) throw new RangeError('the prompt encodes to no tokens');
    let reference: number[];
    const greedy = p.reference === '';
    if (greedy) {
      reference = (await sampleBatch(engine, context, 0, -1, { samples: 1, maxTokens: p.max_tokens, seed: 0, signal })).samples[0]!;
    } else {
      reference = await engine.encodeContinuation(p.reference);
    }
    const curves = await exactCurves(engine, context, reference, p.grid);
    // The model's own answers at T = 1 (same N, length and seed as the sampled runs), for the matching temperature.
    const own = await ownAnswers(engine, context, { samples: p.samples, maxTokens: p.max_tokens, seed: p.seed, signal });
    return {
      own,
      ownMeanEntropy: p.grid.map((t) => meanEntropyAt(own.rows, t)),
      template,
      context,
      contextText: await engine.decode(context),
      reference,
      referenceTokens: await engine.tokenTexts(reference),
      referenceText: await engine.decode(reference, { skipSpecial: true }),
      greedy,
      curves,
    };
  }

  private async run(sample: boolean): Promise<void> {
    const p = this.parse();
    this.notice = null;
    if (typeof p === 'string') {
      this.error = p;
      this.setViewState('error');
      return;
    }
    const engines = { base: this.base, tuned: this.tuned };
    if (!engines.base || !engines.tuned) {
      this.error = 'Both models must be loaded first (see the pair above).';
      this.setViewState('error');
      return;
    }
    this.abort?.abort();
    const ac = new AbortController();
    this.abort = ac;
    const { signal } = ac;
    this.error = null;
    this.result = null;
    this.exactConfigs = this.sampledConfigs = this.histConfigs = null;
    this.setViewState('running');
    const batches = sample ? p.temperatures.length * 2 : 0;
    const progress: Progress = { done: 0, total: 2 + batches, startedAt: performance.now(), what: 'Exact curves' };
    this.progress = progress;
    const tick = () => {
      progress.done++;
      this.progress = { ...progress };
    };
    try {
      const exact = {} as Record<Side, SideExact>;
      await settleAll(
        SIDES.map(async (m) => {
          exact[m] = await this.exactFor(engines[m]!, p.templates[m], p, signal);
          tick();
        }),
      );
      const lo = Math.min(...p.grid);
      const hi = Math.max(...p.grid);
      const match = { ...matchingTemperatureAlong(exact.base.own.rows, exact.tuned.own.rows, lo, hi), first: matchingTemperature(exact.base.curves.first, exact.tuned.curves.first, lo, hi) };
      const { reference: _r, ...settings } = p;
      const result: SweepState = { settings, exact, match, runs: { base: [], tuned: [] } };
      this.exactConfigs = exactCharts(exact, match);
      this.result = result;
      if (sample) {
        progress.what = 'Sampling';
        for (let j = 0; j < p.temperatures.length; j++) {
          const t = p.temperatures[j]!;
          if (signal.aborted) break;
          await settleAll(
            SIDES.map(async (m) => {
              const engine = engines[m]!;
              const r = await sampleBatch(engine, exact[m].context, t, j, { samples: p.samples, maxTokens: p.max_tokens, seed: p.seed, signal });
              const samples = await Promise.all(r.samples.map(async (ids) => ({ ids, text: await engine.decode(ids, { skipSpecial: true }) })));
              result.runs[m] = [...result.runs[m], { temperature: t, samples, metrics: sweepMetrics(r.samples, r.entropies, r.logps) }];
              this.sampledConfigs = sampledCharts(result.runs);
              this.result = { ...result };
              tick();
            }),
          );
        }
        if (signal.aborted) throw new DOMException('cancelled', 'AbortError');
      }
      this.setViewState('done');
    } catch (err) {
      if (signal.aborted || isLabError(err, 'LabAbortError')) {
        const done = this.result ? this.result.runs.base.length + this.result.runs.tuned.length : 0;
        this.notice = `Cancelled. ${done} of ${batches} sampled batches finished; their results are kept below.`;
        if (this.result) this.sampledConfigs = sampledCharts(this.result.runs);
        this.setViewState('done');
      } else {
        const e = err as Error;
        this.error = `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}`;
        this.setViewState('error');
      }
    } finally {
      if (this.abort === ac) {
        this.abort = null;
        this.progress = null;
      }
    }
  }

  private cancel(): void {
    this.abort?.abort();
  }

  private exportJson(): void {
    const g = this.grouping();
    if (this.result) downloadJson('sweep.json', sweepJson(this.result, typeof g === 'string' ? {} : g));
  }

  private exportCsv(): void {
    const g = this.grouping();
    if (this.result) downloadCsv('sweep.csv', sweepCsv(this.result, typeof g === 'string' ? {} : g));
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    // Histograms depend on the runs and on the grouping.
    const g = this.grouping();
    if (!this.result || typeof g === 'string') {
      this.histConfigs = null;
      return;
    }
    const r = this.result;
    const key = `${this.f.group}|${this.f.words}|${this.f.regex}|${r.runs.base.length}|${r.runs.tuned.length}|${g.regex?.source ?? g.words}`;
    if (this.histConfigs?.key === key) return;
    const charts = r.settings.temperatures.slice(0, Math.max(r.runs.base.length, r.runs.tuned.length)).map((t, j) => {
      const rows = answerCounts(r.runs.base[j], r.runs.tuned[j], g);
      return { t, rows, chart: histogramChart(rows) };
    });
    this.histConfigs = { key, charts };
  }

  // ---------------------------------------------------------------------------------------------
  // Rendering

  private input(k: Field, label: string, hint?: string, type = 'text') {
    return html`<div class="field">
      <label for=${`f-${k}`}>${label}</label>
      <input id=${`f-${k}`} type=${type} .value=${this.f[k]} @input=${(e: Event) => this.set(k, (e.target as HTMLInputElement).value)} />
      ${hint ? html`<p class="hint">${hint}</p>` : nothing}
    </div>`;
  }

  private templateSelect(k: 'tb' | 'tt', side: Side) {
    const info = side === 'base' ? this.baseInfo : this.tunedInfo;
    const noChat = info !== null && !info.hasChatTemplate;
    return html`<div class="field">
      <label for=${`f-${k}`}>${HEADING[side]} template</label>
      <select id=${`f-${k}`} .value=${this.f[k]} @change=${(e: Event) => this.set(k, (e.target as HTMLSelectElement).value)}>
        <option value="none" ?selected=${this.f[k] === 'none'}>none (plain text)</option>
        <option value="chat" ?selected=${this.f[k] === 'chat'} ?disabled=${noChat}>chat${noChat ? ' (this model has none)' : ''}</option>
      </select>
    </div>`;
  }

  private renderForm() {
    const g = this.grouping();
    const running = this.progress !== null;
    return html`<div class="card">
      <h2>Temperature sweep: how much does heat undo collapse?</h2>
      <div class="form">
        <div class="field wide">
          <label for="f-prompt">Prompt</label>
          <textarea id="f-prompt" rows="2" .value=${this.f.prompt} @input=${(e: Event) => this.set('prompt', (e.target as HTMLTextAreaElement).value)}></textarea>
        </div>
        ${this.templateSelect('tb', 'base')} ${this.templateSelect('tt', 'tuned')}
        ${this.input('grid', 'Temperature grid (exact curves)', 'a list, or a range like 0.1..2 step 0.1')}
        ${this.input('temps', 'Sampling temperatures', 'a short list, e.g. 0.5, 1, 1.5')}
        ${this.input('n', 'Samples per temperature (N)', undefined, 'number')} ${this.input('max', 'Max tokens', undefined, 'number')}
        ${this.input('seed', 'Seed', undefined, 'number')}
        <div class="field wide">
          <label for="f-ref">Reference continuation for the entropy along it</label>
          <input
            id="f-ref"
            placeholder="(empty: each model's own greedy continuation)"
            .value=${this.f.ref}
            @input=${(e: Event) => this.set('ref', (e.target as HTMLInputElement).value)}
          />
        </div>
        <fieldset class="wide">
          <legend>Group answers by</legend>
          <div class="form">
            <label class="radio"
              ><input type="radio" name="group" value="auto" .checked=${this.f.group === 'auto'} @change=${() => this.set('group', 'auto')} />
              automatic<span class="hint" data-auto-grouping
                >${this.result
                  ? `: ${autoGrouping(SIDES.flatMap((m) => this.result!.runs[m].flatMap((run) => run.samples.map((x) => x.text)))).label}`
                  : ' (the first number when most answers hold one, else the first 3 words)'}</span
              ></label
            >
            <label class="radio"
              ><input type="radio" name="group" value="words" .checked=${this.f.group === 'words'} @change=${() => this.set('group', 'words')} /> the first
              <input
                aria-label="number of first words"
                type="number"
                min="1"
                max="20"
                style=${inlineStyle('width: 4rem')}
                .value=${this.f.words}
                @input=${(e: Event) => this.set('words', (e.target as HTMLInputElement).value)}
              />
              words</label
            >
            <label class="radio"
              ><input type="radio" name="group" value="regex" .checked=${this.f.group === 'regex'} @change=${() => this.set('group', 'regex')} /> a regex</label
            >
            <input
              aria-label="answer regex"
              class="mono"
              .value=${this.f.regex}
              aria-invalid=${typeof g === 'string' && this.f.group === 'regex' ? 'true' : 'false'}
              @input=${(e: Event) => this.set('regex', (e.target as HTMLInputElement).value)}
            />
          </div>
          ${typeof g === 'string' ? html`<div class="field-error" role="alert" data-grouping-error>${g}</div>` : nothing}
        </fieldset>
      </div>
      <div class="actions">
        <button @click=${() => void this.run(false)} ?disabled=${running || !this.pairReady}>Exact curves</button>
        <button class="primary" data-action="run" @click=${() => void this.run(true)} ?disabled=${running || !this.pairReady}>Run sweep</button>
        <span class="spacer"></span>
        <button data-action="export-csv" @click=${this.exportCsv} ?disabled=${!this.result || running}>Export CSV</button>
        <button data-action="export-json" @click=${this.exportJson} ?disabled=${!this.result || running}>Export JSON</button>
      </div>
      <p class="hint">
        Same seed → identical samples: sample i at temperature j draws from its own random stream, seeded from (seed, j, i), so rerunning with
        the same settings reproduces every completion.
      </p>
      ${!this.pairReady ? html`<p class="notice">Load both models (above) to run a sweep.</p>` : nothing}
      ${renderProgress(this.progress, () => this.cancel())}
      ${this.error ? html`<div class="error-box" role="alert" data-error>${this.error}${errorHelp(this.error)}</div>` : nothing}
      ${this.notice ? html`<p class="notice" role="status" data-notice>${this.notice}</p>` : nothing}
    </div>`;
  }

  private renderMatch(r: SweepState) {
    const [lo, hi] = [Math.min(...r.settings.grid), Math.max(...r.settings.grid)];
    const t = r.match.temperature;
    return html`<p class="answer" data-match-temperature=${t === null ? 'none' : String(t)} data-match-target=${String(r.match.target)}>
      How hot must the tuned model run to be as uncertain as the base at T = 1? Matched over the answers' positions: the base's mean
      entropy over every position of its own ${r.settings.samples} answers at T = 1 (${r.match.positions.base} positions: ${formatNumber(r.match.target)} nats) against the tuned
      model's mean entropy over its own answers (${r.match.positions.tuned} positions), re-tempered exactly.
      ${t === null
        ? html`<strong>It never gets there in the grid</strong> (T from ${lo} to ${hi}): ${this.neverWhy(r, lo, hi)}`
        : html`<strong>T ≈ ${formatNumber(t, 2)}</strong>.`}
      <span class="hint" data-match-first-temperature=${r.match.first.temperature === null ? 'none' : String(r.match.first.temperature)} data-match-first-target=${String(r.match.first.target)}
        >At the first position only: target ${formatNumber(r.match.first.target)} nats, ${r.match.first.temperature === null ? 'not reached in the grid' : `T ≈ ${formatNumber(r.match.first.temperature, 2)}`}.</span
      >
    </p>`;
  }

  private neverWhy(r: SweepState, lo: number, hi: number): string {
    const at = (t: number) => meanEntropyAt(r.exact.tuned.own.rows, t);
    if (r.match.positions.tuned === 0) return 'its own answers are empty.';
    if (at(hi) < r.match.target) return `even at T = ${hi} its mean entropy over its own answers is only ${formatNumber(at(hi))} nats.`;
    return `already at T = ${lo} its mean entropy over its own answers is ${formatNumber(at(lo))} nats.`;
  }

  private renderReference(m: Side, e: SideExact) {
    return html`<div data-reference-model=${m} data-context=${e.context.join(',')} data-reference=${e.reference.join(',')}>
      <h3><span class="model-${m}">${HEADING[m]}</span> · template ${e.template} · ${e.greedy ? 'greedy continuation' : 'your reference'} (${e.reference.length} tokens)</h3>
      <div class="gen">${e.referenceText}</div>
      <div class="tokens" aria-label=${`${HEADING[m]} reference tokens`}>${e.referenceTokens.map((t, i) => html`<code title=${`id ${e.reference[i]}`}>${visibleToken(t)}</code>`)}</div>
      <details>
        <summary>Context as the ${m} model reads it (${e.context.length} tokens)</summary>
        <div class="gen">${e.contextText}</div>
      </details>
    </div>`;
  }

  private cell(key: string, v: number, digits = 4) {
    return html`<td data-key=${key} data-value=${String(v)}>${formatNumber(v, digits)}</td>`;
  }

  private renderExact(r: SweepState) {
    const c = this.exactConfigs!;
    const pts = { base: r.exact.base.curves.points, tuned: r.exact.tuned.curves.points };
    return html`<div class="card" data-section="exact">
      <h2>Exact curves (no sampling)</h2>
      ${this.renderMatch(r)}
      <div class="charts">
        <figure>
          <figcaption>Entropy after the prompt vs T</figcaption>
          <lab-chart data-chart="entropy-first" .config=${c.entropyFirst} label="Entropy of the first next-token distribution against temperature, base and tuned"></lab-chart>
        </figure>
        <figure>
          <figcaption>Top-1 and top-5 mass vs T</figcaption>
          <lab-chart data-chart="mass" .config=${c.mass} label="Probability mass of the top-1 and top-5 tokens against temperature"></lab-chart>
        </figure>
        <figure>
          <figcaption>Mean entropy over each model's own answers vs T (the matching temperature)</figcaption>
          <lab-chart data-chart="entropy-own" .config=${c.own} label="Mean entropy over each model's own answers at T = 1, re-tempered, against temperature, with the base's value at T = 1"></lab-chart>
        </figure>
        <figure>
          <figcaption>Mean entropy along the reference vs T</figcaption>
          <lab-chart data-chart="entropy-along" .config=${c.along} label="Mean entropy along each model's reference continuation against temperature"></lab-chart>
        </figure>
      </div>
      <div class="charts">${SIDES.map((m) => this.renderReference(m, r.exact[m]))}</div>
      <details>
        <summary>Exact values (table)</summary>
        <div class="table-wrap">
          <table class="data" data-table="exact">
            <thead>
              <tr>
                <th>T</th>
                <th>base H first</th>
                <th>tuned H first</th>
                <th>base top-1</th>
                <th>tuned top-1</th>
                <th>base top-5</th>
                <th>tuned top-5</th>
                <th>base H along</th>
                <th>tuned H along</th>
              </tr>
            </thead>
            <tbody>
              ${pts.base.map((b, i) => {
                const t = pts.tuned[i]!;
                return html`<tr data-temperature=${String(b.temperature)}>
                  <td>${b.temperature}</td>
                  ${this.cell('base.entropy_first', b.entropy_first)} ${this.cell('tuned.entropy_first', t.entropy_first)}
                  ${this.cell('base.top1_mass', b.top1_mass)} ${this.cell('tuned.top1_mass', t.top1_mass)} ${this.cell('base.top5_mass', b.top5_mass)}
                  ${this.cell('tuned.top5_mass', t.top5_mass)} ${this.cell('base.entropy_along_mean', b.entropy_along_mean)}
                  ${this.cell('tuned.entropy_along_mean', t.entropy_along_mean)}
                </tr>`;
              })}
            </tbody>
          </table>
        </div>
      </details>
    </div>`;
  }

  private renderSampled(r: SweepState) {
    if (!this.sampledConfigs) return nothing;
    const c = this.sampledConfigs;
    const rows = r.settings.temperatures.flatMap((t, j) => SIDES.map((m) => ({ t, j, m, run: r.runs[m][j] }))).filter((x) => x.run);
    const g = this.grouping();
    return html`<div class="card" data-section="sampled">
      <h2>Sampled: ${r.settings.samples} completions × ${r.settings.max_tokens} tokens per temperature, seed ${r.settings.seed}</h2>
      <div class="charts">
        <figure>
          <figcaption>Mean per-token entropy vs T</figcaption>
          <lab-chart data-chart="mean-entropy" .config=${c.entropy} label="Mean per-token entropy of the sampled completions against temperature"></lab-chart>
        </figure>
        <figure>
          <figcaption>Diversity: distinct-1, distinct-2, unique fraction</figcaption>
          <lab-chart data-chart="diversity" .config=${c.diversity} label="Distinct-1, distinct-2 and unique fraction of the samples against temperature"></lab-chart>
        </figure>
        <figure>
          <figcaption>Mean log-probability at T = 1 of the sampled tokens</figcaption>
          <lab-chart data-chart="logprob" .config=${c.logprob} label="Mean log-probability at T = 1 of the sampled tokens against temperature"></lab-chart>
        </figure>
      </div>
      <div class="table-wrap">
        <table class="data" data-table="sampled">
          <thead>
            <tr>
              <th>T</th>
              <th class="text">model</th>
              <th>mean H</th>
              <th>distinct-1</th>
              <th>distinct-2</th>
              <th>unique</th>
              <th>mean log p (T = 1)</th>
              <th class="text">top answer</th>
            </tr>
          </thead>
          <tbody>
            ${rows.map(({ t, m, run }) => {
              const x = run!.metrics;
              const top = this.histConfigs?.charts.find((h) => h.t === t)?.rows.reduce((best, a) => (a[m] > best[m] ? a : best));
              return html`<tr data-temperature=${String(t)} data-model=${m}>
                <td>${t}</td>
                <td class="text model-${m}">${m}</td>
                ${this.cell(`${m}.mean_entropy`, x.mean_entropy, 3)} ${this.cell(`${m}.distinct_1`, x.distinct_1, 3)} ${this.cell(`${m}.distinct_2`, x.distinct_2, 3)}
                ${this.cell(`${m}.unique_fraction`, x.unique_fraction, 3)} ${this.cell(`${m}.mean_logprob`, x.mean_logprob, 3)}
                <td class="text">${top ? html`<span class="mono">${top.answer}</span> ×${top[m]}` : '—'}</td>
              </tr>`;
            })}
          </tbody>
        </table>
      </div>
      <h3>Answers per temperature</h3>
      ${typeof g === 'string'
        ? html`<p class="field-error">Fix the answer grouping above to see the histograms.</p>`
        : html`<div class="charts">
            ${(this.histConfigs?.charts ?? []).map(
              (h) => html`<figure data-histogram=${String(h.t)}>
                <figcaption>T = ${h.t}: ${h.rows.length} distinct answers</figcaption>
                <lab-chart
                  style=${inlineStyle(`--chart-height: ${Math.max(150, 70 + 26 * Math.min(12, h.rows.length))}px`)}
                  .config=${h.chart}
                  label=${`Answer counts at temperature ${h.t}, base and tuned`}
                ></lab-chart>
                <details>
                  <summary>Counts</summary>
                  <table class="data">
                    <thead>
                      <tr>
                        <th class="text">answer</th>
                        <th>base</th>
                        <th>tuned</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${h.rows.map(
                        (a) => html`<tr>
                          <td class="text mono">${a.answer}</td>
                          <td>${a.base}</td>
                          <td>${a.tuned}</td>
                        </tr>`,
                      )}
                    </tbody>
                  </table>
                </details>
              </figure>`,
            )}
          </div>`}
      <h3>Samples</h3>
      ${rows.map(
        ({ t, m, run }) => html`<details data-samples=${`${m}@${t}`}>
          <summary><span class="model-${m}">${m}</span> at T = ${t}: ${run!.samples.length} completions</summary>
          <ol>
            ${run!.samples.map((s) => html`<li><div class="gen" data-ids=${s.ids.join(',')}>${s.text}</div></li>`)}
          </ol>
        </details>`,
      )}
    </div>`;
  }

  override render() {
    const r = this.result;
    return html`${this.renderForm()} ${r && this.exactConfigs ? this.renderExact(r) : nothing} ${r ? this.renderSampled(r) : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sweep-view': SweepView;
  }
}
