/**
 * `<inject-view>`: inject text mid-generation and watch the model pull back to its attractor.
 *
 * Each chosen model writes a clean continuation; the injection goes in after K clean tokens; per step
 * after it, KL(injected ‖ clean), the log-probability of the clean run's next token under the injected
 * context, and p(end of text). Greedy, or sampled over several seeds (mean and min–max band). A grid
 * of injection points × injected texts gives a recovery heatmap per model. The maths is in
 * src/lab/inject.ts.
 */
import { css, html, nothing } from 'lit';
import '../family-hint';
import { customElement, state } from 'lit/decorators.js';
import { isLabError } from '../../engine/errors';
import type { Engine, Template } from '../../engine/types';
import { INJECT_PRESETS, injectTrace, recoveryHeatmap, recoveryStep, sampledTraces, traceBand } from '../../lab/inject';
import { visibleToken } from '../../lab/tokens';
import { downloadCsv, downloadJson } from '../download';
import { formatNumber } from '../format';
import '../lab-chart';
import { queryParam, updateQuery, type Side } from '../params';
import { injectCsv, injectJson, traceCharts, type HeatmapState, type InjectSettings, type InjectState, type SideInject } from './inject-export';
import { PairView } from './pair-view';
import { experimentStyles, parseWhole, renderProgress, settleAll, type Progress } from './sweep-common';

const SIDES: Side[] = ['base', 'tuned'];
const HEADING: Record<Side, string> = { base: 'Base', tuned: 'Tuned' };
const WEDDING = INJECT_PRESETS[0]!;
const DEFAULTS = {
  prompt: WEDDING.prompt,
  tb: WEDDING.template as string,
  tt: WEDDING.template as string,
  models: 'both',
  k: String(WEDDING.afterTokens),
  text: WEDDING.injection,
  steps: '16',
  threshold: '0.1',
  mode: 'greedy',
  seed: '0',
  runs: '8',
  hk: '4, 8, 12, 16',
  htexts: ' You are a murderer.\n Suddenly the sea caught fire.\n The end.',
} as const;
type Field = keyof typeof DEFAULTS;

function initial(): Record<Field, string> {
  const out = {} as Record<Field, string>;
  for (const k of Object.keys(DEFAULTS) as Field[]) out[k] = queryParam(`inject.${k}`) ?? DEFAULTS[k];
  return out;
}

const asTemplate = (s: string): Template => (s === 'chat' ? 'chat' : 'none');

/** Cell colour of a recovery step: green when it recovers at once, red when it never does. */
function heatColor(step: number | null, steps: number): string {
  if (step === null) return 'hsl(0 70% 82%)';
  const f = Math.min(1, step / Math.max(1, steps - 1));
  return `hsl(${Math.round(130 - 100 * f)} 60% ${Math.round(85 - 8 * f)}%)`;
}

@customElement('inject-view')
export class InjectView extends PairView {
  static override styles = [
    ...PairView.styles,
    experimentStyles,
    css`
      .columns {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(340px, 1fr));
        gap: 1rem;
      }
      .tokens button {
        font-family: ui-monospace, 'SFMono-Regular', 'DejaVu Sans Mono', Menlo, Consolas, monospace;
        font-size: 0.8rem;
        padding: 0 0.25rem;
        border-radius: 4px;
        border: 1px solid var(--border);
        background: var(--token-bg);
        white-space: pre;
      }
      .tokens button.after {
        opacity: 0.6;
      }
      .tokens .cut {
        color: var(--error-text);
        font-weight: 700;
        align-self: center;
      }
      mark {
        background: #ffd8a8;
        color: #1b1f24;
        border-radius: 3px;
        padding: 0 0.1rem;
      }
      .recovery {
        font-size: 0.95rem;
      }
      table.heat td.cell {
        color: #1b1f24;
        text-align: center;
        min-width: 5.5rem;
      }
      table.heat th.text {
        max-width: 22rem;
      }
      table.heat tbody th {
        text-transform: none;
        letter-spacing: normal;
        font-size: 0.85rem;
        color: var(--text);
        font-weight: 400;
      }
    `,
  ];

  @state() private f: Record<Field, string> = initial();
  @state() private error: string | null = null;
  @state() private notice: string | null = null;
  @state() private progress: Progress | null = null;
  @state() private result: InjectState | null = null;
  @state() private heatError: string | null = null;
  @state() private heatNotice: string | null = null;
  @state() private heatProgress: Progress | null = null;
  @state() private heat: HeatmapState | null = null;
  private abort: AbortController | null = null;
  private heatAbort: AbortController | null = null;
  private charts: ReturnType<typeof traceCharts> | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.dataset['viewState']) this.setViewState('idle');
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.abort?.abort();
    this.heatAbort?.abort();
  }

  private set(k: Field, v: string): void {
    this.f = { ...this.f, [k]: v };
    updateQuery({ [`inject.${k}`]: v === DEFAULTS[k] ? null : v });
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

  private models(): Side[] {
    return this.f.models === 'base' ? ['base'] : this.f.models === 'tuned' ? ['tuned'] : ['base', 'tuned'];
  }

  private engines(models: Side[]): Record<Side, Engine> | string {
    const e = { base: this.base, tuned: this.tuned };
    const missing = models.filter((m) => !e[m]);
    if (missing.length) return `The ${missing.join(' and ')} model must be loaded first (see the pair above).`;
    return e as Record<Side, Engine>;
  }

  private parse(): InjectSettings | string {
    if (this.f.prompt.trim() === '') return 'Type a prompt first.';
    const k = parseWhole(this.f.k, 'The injection point K', 0, 1000);
    if (typeof k === 'string') return k;
    const steps = parseWhole(this.f.steps, 'Steps', 1, 512);
    if (typeof steps === 'string') return steps;
    const threshold = Number(this.f.threshold);
    if (!(threshold > 0) || !Number.isFinite(threshold)) return `The KL threshold must be a number > 0, got "${this.f.threshold}".`;
    const seed = parseWhole(this.f.seed, 'The seed', 0, 2 ** 31);
    if (typeof seed === 'string') return seed;
    const runs = parseWhole(this.f.runs, 'Runs', 1, 200);
    if (typeof runs === 'string') return runs;
    return {
      prompt: this.f.prompt,
      templates: { base: asTemplate(this.f.tb), tuned: asTemplate(this.f.tt) },
      models: this.models(),
      after_tokens: k,
      injection: this.f.text,
      steps,
      threshold,
      mode: this.f.mode === 'sampled' ? 'sampled' : 'greedy',
      seed,
      runs: this.f.mode === 'sampled' ? runs : 1,
    };
  }

  private fail(err: unknown): string {
    const e = err as Error;
    return `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}`;
  }

  private async side(engine: Engine, m: Side, s: InjectSettings, signal: AbortSignal, tick: () => void): Promise<SideInject> {
    const context = await engine.encode(s.prompt, s.templates[m]);
    if (context.length === 0) throw new RangeError('the prompt encodes to no tokens');
    const o = { afterTokens: s.after_tokens, injection: s.injection, steps: s.steps, threshold: s.threshold, signal };
    let runs;
    let bands: SideInject['bands'] = null;
    let meanRecovery: number | null = null;
    if (s.mode === 'greedy') {
      runs = [await injectTrace(engine, context, o)];
      tick();
    } else {
      const r = await sampledTraces(engine, context, { ...o, seed: s.seed, runs: s.runs, onProgress: tick });
      runs = r.runs;
      bands = { kl: r.band, logp_clean_next: traceBand(runs, 'logp_clean_next'), p_end: traceBand(runs, 'p_end') };
      meanRecovery = recoveryStep(r.band.map((b) => b.mean), s.threshold);
    }
    const first = runs[0]!;
    const K = first.after_tokens;
    return {
      template: s.templates[m],
      context,
      runs,
      bands,
      meanRecovery,
      cleanTokens: await engine.tokenTexts(first.clean.continuation),
      prefixText: await engine.decode(first.clean.continuation.slice(0, K)),
      injectionText: await engine.decode(first.injected.context.slice(context.length + K)),
      continuationText: await engine.decode(first.injected.continuation),
      cleanText: await engine.decode(first.clean.continuation.slice(K)),
    };
  }

  private async run(): Promise<void> {
    const s = this.parse();
    this.notice = null;
    if (typeof s === 'string') {
      this.error = s;
      this.setViewState('error');
      return;
    }
    const engines = this.engines(s.models);
    if (typeof engines === 'string') {
      this.error = engines;
      this.setViewState('error');
      return;
    }
    this.abort?.abort();
    const ac = new AbortController();
    this.abort = ac;
    this.error = null;
    this.setViewState('running');
    const progress: Progress = { done: 0, total: s.models.length * s.runs, startedAt: performance.now(), what: s.mode === 'greedy' ? 'Tracing' : 'Sampled runs' };
    this.progress = progress;
    const tick = () => {
      progress.done++;
      this.progress = { ...progress };
    };
    try {
      const sides: InjectState['sides'] = {};
      await settleAll(s.models.map(async (m) => (sides[m] = await this.side(engines[m], m, s, ac.signal, tick))));
      const result = { settings: s, sides };
      this.charts = traceCharts(result);
      this.result = result;
      this.setViewState('done');
    } catch (err) {
      if (this.abort !== ac) return; // superseded by a newer run
      if (ac.signal.aborted || isLabError(err, 'LabAbortError')) {
        this.notice = 'Cancelled; the previous results (if any) are kept.';
        this.setViewState(this.result ? 'done' : 'idle');
      } else {
        this.error = this.fail(err);
        this.setViewState('error');
      }
    } finally {
      if (this.abort === ac) {
        this.abort = null;
        this.progress = null;
      }
    }
  }

  private async runHeatmap(): Promise<void> {
    const s = this.parse();
    this.heatNotice = null;
    if (typeof s === 'string') return void (this.heatError = s);
    const ks: number[] = [];
    for (const part of this.f.hk.split(',').map((x) => x.trim()).filter(Boolean)) {
      const k = parseWhole(part, 'Each injection point', 0, 1000);
      if (typeof k === 'string') return void (this.heatError = k);
      ks.push(k);
    }
    if (!ks.length) return void (this.heatError = 'List at least one injection point K (e.g. 4, 8, 12).');
    const texts = this.f.htexts.split('\n').filter((t) => t.trim() !== '');
    if (!texts.length) return void (this.heatError = 'Write at least one injected text (one per line).');
    if (ks.length * texts.length > 400) return void (this.heatError = 'At most 400 cells (injection points × texts).');
    const engines = this.engines(s.models);
    if (typeof engines === 'string') return void (this.heatError = engines);
    this.heatAbort?.abort();
    const ac = new AbortController();
    this.heatAbort = ac;
    this.heatError = null;
    const per = ks.length * texts.length;
    const progress: Progress = { done: 0, total: per * s.models.length, startedAt: performance.now(), what: 'Heatmap' };
    const done: Partial<Record<Side, number>> = {};
    this.heatProgress = progress;
    try {
      const sides: HeatmapState['sides'] = {};
      await settleAll(
        s.models.map(async (m) => {
          const context = await engines[m].encode(s.prompt, s.templates[m]);
          sides[m] = await recoveryHeatmap(engines[m], context, ks, texts, {
            steps: s.steps,
            threshold: s.threshold,
            signal: ac.signal,
            onProgress: (d) => {
              done[m] = d;
              progress.done = Object.values(done).reduce((a, b) => a + b, 0);
              this.heatProgress = { ...progress };
            },
          });
        }),
      );
      this.heat = { steps: s.steps, threshold: s.threshold, sides };
    } catch (err) {
      if (ac.signal.aborted || isLabError(err, 'LabAbortError')) this.heatNotice = 'Heatmap cancelled.';
      else this.heatError = this.fail(err);
    } finally {
      if (this.heatAbort === ac) {
        this.heatAbort = null;
        this.heatProgress = null;
      }
    }
  }

  private chooseK(k: number): void {
    this.set('k', String(k));
    void this.run();
  }

  private exportJson(): void {
    if (this.result) downloadJson('injection.json', injectJson(this.result, this.heat));
  }

  private exportCsv(): void {
    if (this.result) downloadCsv('injection-traces.csv', injectCsv(this.result));
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

  private renderForm() {
    const running = this.progress !== null;
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
        ${this.input('k', 'Inject after K clean tokens', 'number', 'or click a clean token below')}
        <div class="field wide">
          <label for="f-text">Injected text</label>
          <input id="f-text" .value=${this.f.text} @input=${(e: Event) => this.set('text', (e.target as HTMLInputElement).value)} />
          <p class="hint">Leading spaces count. Empty: no injection (KL is 0 throughout).</p>
        </div>
        ${this.input('steps', 'Steps after the injection (N)', 'number')} ${this.input('threshold', 'KL threshold (nats)', 'text', 'recovered: KL stays below it')}
        ${this.select('mode', 'Decoding', [
          ['greedy', 'greedy'],
          ['sampled', 'sampled (T = 1)'],
        ])}
        ${this.f.mode === 'sampled' ? html`${this.input('seed', 'Seed', 'number')} ${this.input('runs', 'Runs (seeds seed, seed+1, …)', 'number')}` : nothing}
      </div>
      <div class="actions">
        <button class="primary" data-action="run" @click=${() => void this.run()} ?disabled=${running}>Run injection</button>
        <span class="spacer"></span>
        <button data-action="export-csv" @click=${this.exportCsv} ?disabled=${!this.result || running}>Export CSV</button>
        <button data-action="export-json" @click=${this.exportJson} ?disabled=${!this.result || running}>Export JSON</button>
      </div>
      ${renderProgress(this.progress, () => this.abort?.abort())}
      ${this.error ? html`<div class="error-box" role="alert" data-error>${this.error}</div>` : nothing}
      ${this.notice ? html`<p class="notice" role="status">${this.notice}</p>` : nothing}
    </div>`;
  }

  private renderSide(m: Side, side: SideInject, s: InjectSettings) {
    const first = side.runs[0]!;
    const K = first.after_tokens;
    const rec = s.mode === 'greedy' ? first.recovery_step : side.meanRecovery;
    return html`<div data-inject-model=${m} data-recovery=${rec === null ? 'none' : String(rec)} data-context=${side.context.join(',')}>
      <h3><span class="model-${m}">${HEADING[m]}</span> · template ${side.template}</h3>
      <p class="recovery">
        ${s.mode === 'greedy' ? 'Recovery step' : 'Recovery step of the mean KL'}:
        <strong>${rec === null ? `none within ${s.steps} steps` : rec}</strong>
        ${s.mode === 'sampled'
          ? html`<span class="muted">(per run: ${side.runs.map((r) => (r.recovery_step === null ? 'none' : r.recovery_step)).join(', ')})</span>`
          : nothing}
      </p>
      <div class="field">
        <span class="hint">Clean continuation${s.mode === 'sampled' ? ' (run 1)' : ''}: click a token to inject after it</span>
        <div class="tokens" role="group" aria-label=${`${HEADING[m]} clean continuation tokens`}>
          ${side.cleanTokens.map(
            (t, i) => html`${i === K ? html`<span class="cut" aria-hidden="true" title="injection point">▼</span>` : nothing}<button
                class=${i >= K ? 'after' : ''}
                title=${`token ${i + 1} (id ${first.clean.continuation[i]}): inject after it`}
                aria-label=${`Inject after token ${i + 1}: ${visibleToken(t)}`}
                @click=${() => this.chooseK(i + 1)}
              >${visibleToken(t)}</button>`,
          )}
        </div>
      </div>
      <span class="hint">Clean run</span>
      <div class="gen" data-clean>${side.prefixText}${side.cleanText}</div>
      <span class="hint">Injected run${s.mode === 'sampled' ? ' (run 1)' : ''}</span>
      <div class="gen" data-injected>${side.prefixText}<mark>${side.injectionText}</mark>${side.continuationText}</div>
    </div>`;
  }

  private cell(key: string, v: number, digits = 4) {
    return html`<td data-key=${key} data-value=${String(v)}>${Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2).replace('-', '−') : formatNumber(v, digits)}</td>`;
  }

  private renderTable(r: InjectState) {
    const models = r.settings.models.filter((m) => r.sides[m]);
    const sampled = r.settings.mode === 'sampled';
    const steps = Array.from({ length: r.settings.steps }, (_, t) => t);
    return html`<div class="table-wrap">
      <table class="data" data-table="trace">
        <thead>
          <tr>
            <th>step</th>
            ${models.map((m) =>
              sampled
                ? html`<th>${m} mean KL</th>
                    <th>${m} min</th>
                    <th>${m} max</th>
                    <th>${m} sd</th>
                    <th>${m} mean log p</th>
                    <th>${m} mean p(end)</th>`
                : html`<th>${m} KL</th>
                    <th>${m} log p clean next</th>
                    <th>${m} p(end)</th>`,
            )}
          </tr>
        </thead>
        <tbody>
          ${steps.map(
            (t) => html`<tr data-step=${t}>
              <td>${t}</td>
              ${models.map((m) => {
                const side = r.sides[m]!;
                if (sampled) {
                  const b = side.bands!;
                  return html`${this.cell(`${m}.kl_mean`, b.kl[t]!.mean)} ${this.cell(`${m}.kl_min`, b.kl[t]!.min)} ${this.cell(`${m}.kl_max`, b.kl[t]!.max)}
                  ${this.cell(`${m}.kl_sd`, b.kl[t]!.sd)} ${this.cell(`${m}.logp_mean`, b.logp_clean_next[t]!.mean)} ${this.cell(`${m}.p_end_mean`, b.p_end[t]!.mean)}`;
                }
                const p = side.runs[0]!.trace[t]!;
                return html`${this.cell(`${m}.kl`, p.kl)} ${this.cell(`${m}.logp_clean_next`, p.logp_clean_next)} ${this.cell(`${m}.p_end`, p.p_end)}`;
              })}
            </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  private renderResult(r: InjectState) {
    const c = this.charts!;
    const models = r.settings.models.filter((m) => r.sides[m]);
    return html`<div class="card" data-section="trace">
      <h2>Trace after injecting at K = ${r.settings.after_tokens}${r.settings.mode === 'sampled' ? ` (${r.settings.runs} sampled runs, mean and min–max band)` : ''}</h2>
      <div class="columns">${models.map((m) => this.renderSide(m, r.sides[m]!, r.settings))}</div>
      <div class="charts" style="margin-top: 0.8rem">
        <figure>
          <figcaption>KL(injected ‖ clean) per step, with the threshold</figcaption>
          <lab-chart data-chart="kl" .config=${c.kl} label="KL divergence between the injected and the clean run's next-token distributions per step, base and tuned"></lab-chart>
        </figure>
        <figure>
          <figcaption>log p of the clean run's next token, under the injected context</figcaption>
          <lab-chart data-chart="logp" .config=${c.logp} label="Log-probability of the clean run's next token under the injected context per step"></lab-chart>
        </figure>
        <figure>
          <figcaption>p(end of text) along the injected run</figcaption>
          <lab-chart data-chart="p-end" .config=${c.pEnd} label="Probability of end of text per step of the injected run"></lab-chart>
        </figure>
      </div>
      <details>
        <summary>Trace values (table)</summary>
        ${this.renderTable(r)}
      </details>
    </div>`;
  }

  private renderHeatmap() {
    const running = this.heatProgress !== null;
    const h = this.heat;
    return html`<div class="card" data-section="heatmap">
      <h2>Recovery heatmap: injection points × injected texts</h2>
      <p class="hint">Uses the prompt, templates, models, steps and threshold above; greedy. Each cell: the recovery step (— if KL never stays below the threshold) and the mean KL over the steps.</p>
      <div class="form">
        ${this.input('hk', 'Injection points K (comma-separated)')}
        <div class="field wide">
          <label for="f-htexts">Injected texts (one per line; leading spaces count)</label>
          <textarea id="f-htexts" rows="3" .value=${this.f.htexts} @input=${(e: Event) => this.set('htexts', (e.target as HTMLTextAreaElement).value)}></textarea>
        </div>
      </div>
      <div class="actions">
        <button data-action="heatmap" @click=${() => void this.runHeatmap()} ?disabled=${running}>Run heatmap</button>
      </div>
      ${renderProgress(this.heatProgress, () => this.heatAbort?.abort())}
      ${this.heatError ? html`<div class="error-box" role="alert" data-heat-error>${this.heatError}</div>` : nothing}
      ${this.heatNotice ? html`<p class="notice" role="status">${this.heatNotice}</p>` : nothing}
      ${h
        ? html`<div class="columns">
            ${SIDES.filter((m) => h.sides[m]).map((m) => {
              const x = h.sides[m]!;
              return html`<div class="table-wrap">
                <h3 class="model-${m}">${HEADING[m]}</h3>
                <table class="data heat" data-heatmap=${m}>
                  <thead>
                    <tr>
                      <th class="text">injected text \\ K</th>
                      ${x.after_tokens.map((k) => html`<th>K = ${k}</th>`)}
                    </tr>
                  </thead>
                  <tbody>
                    ${x.injections.map(
                      (text, i) => html`<tr>
                        <th class="text"><span class="mono">${visibleToken(text)}</span></th>
                        ${x.after_tokens.map((k, j) => {
                          const rec = x.recovery[i]![j]!;
                          const kl = x.mean_kl[i]![j]!;
                          return html`<td
                            class="cell"
                            style=${`background: ${heatColor(rec, h.steps)}`}
                            data-k=${k}
                            data-recovery=${rec === null ? 'none' : String(rec)}
                            data-mean-kl=${String(kl)}
                            title=${`K = ${k}: recovery ${rec ?? 'none'}, mean KL ${kl}`}
                          >
                            <strong>${rec === null ? '—' : rec}</strong><br /><small>KL ${formatNumber(kl, 3)}</small>
                          </td>`;
                        })}
                      </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`;
            })}
          </div>`
        : nothing}
    </div>`;
  }

  override render() {
    return html`${this.renderForm()} ${this.result && this.charts ? this.renderResult(this.result) : nothing} ${this.renderHeatmap()}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'inject-view': InjectView;
  }
}
