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
 */
import { css, html, nothing } from 'lit';
import '../family-hint';
import { customElement, state } from 'lit/decorators.js';
import { isLabError } from '../../engine/errors';
import type { Engine, Template } from '../../engine/types';
import { continuationDiff, INJECT_DEFAULTS, INJECT_PRESETS, injectTrace, recoveryHeatmap, sampledTraces, stopIdsFor, traceBand, type InjectOptions, type InjectResult, type Outcome } from '../../lab/inject';
import { visibleToken } from '../../lab/tokens';
import { downloadCsv, downloadJson } from '../download';
import { formatNumber, formatScientific } from '../format';
import '../lab-chart';
import { queryParam, updateQuery, type Side } from '../params';
import { injectCsv, injectJson, traceCharts, type DiffColumn, type HeatmapState, type InjectSettings, type InjectState, type SideInject } from './inject-export';
import { PairView } from './pair-view';
import { experimentStyles, parseWhole, renderProgress, settleAll, type Progress } from './sweep-common';
import { errorHelp } from '../error-help';
import { inlineStyle } from '../styles';

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
  threshold: String(INJECT_DEFAULTS.threshold),
  rel: String(INJECT_DEFAULTS.relThreshold),
  window: String(INJECT_DEFAULTS.window),
  run: String(INJECT_DEFAULTS.run),
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

const OUTCOME_TEXT: Record<Outcome, string> = { recovered: 'recovered', ended: 'ended (closed its turn or the text)', diverged: 'diverged' };

/** Cell colour of an outcome: green when it recovers at once, towards yellow the later, blue when the run
 *  ended off the trajectory, red when it diverged. */
function heatColor(step: number | null, outcome: Outcome, steps: number): string {
  if (outcome === 'ended') return 'hsl(210 60% 84%)';
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
      .diff {
        display: flex;
        flex-wrap: wrap;
        gap: 2px;
        font-family: ui-monospace, 'SFMono-Regular', 'DejaVu Sans Mono', Menlo, Consolas, monospace;
        font-size: 0.8rem;
      }
      .diff .col {
        display: flex;
        flex-direction: column;
        border-radius: 3px;
        min-width: 0.8rem;
      }
      .diff .col span {
        white-space: pre;
        padding: 0 0.2rem;
        min-height: 1.2em;
      }
      .diff .col[data-op='same'] {
        background: #d3f9d8;
        color: #1b1f24;
      }
      .diff .col[data-op='clean'] span.c,
      .diff .col[data-op='injected'] span.i {
        background: var(--token-bg);
        outline: 1px solid var(--border);
      }
      .diff .col[data-op='injection'] span.i {
        background: #ffd8a8;
        color: #1b1f24;
      }
      .diff .legend {
        display: flex;
        flex-direction: column;
        color: var(--muted);
        padding-right: 0.3rem;
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
    const rel = Number(this.f.rel);
    if (this.f.rel.trim() === '' || !(rel >= 0) || !Number.isFinite(rel)) return `The relative threshold must be a number ≥ 0, got "${this.f.rel}".`;
    const window = parseWhole(this.f.window, 'The alignment window W', 0, 64);
    if (typeof window === 'string') return window;
    const run = parseWhole(this.f.run, 'The recovery run R', 1, 512);
    if (typeof run === 'string') return run;
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
      rel_threshold: rel,
      window,
      run,
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
    const stopIds = await stopIdsFor(engine, s.templates[m]);
    const o: InjectOptions = { afterTokens: s.after_tokens, injection: s.injection, steps: s.steps, threshold: s.threshold, relThreshold: s.rel_threshold, window: s.window, run: s.run, stopIds, signal };
    let runs: InjectResult[];
    let bands: SideInject['bands'] = null;
    let skipped: SideInject['skipped'] = [];
    if (s.mode === 'greedy') {
      runs = [await injectTrace(engine, context, o)];
      tick();
    } else {
      const r = await sampledTraces(engine, context, { ...o, seed: s.seed, runs: s.runs, onProgress: tick });
      runs = r.runs;
      skipped = r.skipped;
      const traces = runs.map((x) => x.trace);
      bands = { kl_aligned: r.band, control: r.control_band, logp_clean_next: traceBand(traces, 'logp_clean_next'), p_end: traceBand(traces, 'p_end') };
    }
    const outcomes: Record<Outcome, number> = { recovered: 0, ended: 0, diverged: 0 };
    for (const r of runs) outcomes[r.outcome]++;
    const first = runs[0]!;
    const K = first.after_tokens;
    const cleanTokens = await engine.tokenTexts(first.clean.continuation);
    const injectionTokens = await engine.tokenTexts(first.injected.context.slice(context.length + K));
    const injectedTokens = await engine.tokenTexts(first.injected.continuation);
    const diff: DiffColumn[] = [
      ...injectionTokens.map((t): DiffColumn => ({ op: 'injection', clean: null, injected: t })),
      ...continuationDiff(first).map(
        (d): DiffColumn => ({ op: d.op, clean: d.op === 'injected' ? null : cleanTokens[K + d.clean]!, injected: d.op === 'clean' ? null : injectedTokens[d.injected]! }),
      ),
    ];
    return {
      template: s.templates[m],
      context,
      runs,
      bands,
      skipped,
      outcomes,
      cleanTokens,
      diff,
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
        this.result = this.charts = null; // A failed run shows no chart of the previous run under the new settings.
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
            relThreshold: s.rel_threshold,
            window: s.window,
            run: s.run,
            stopIds: await stopIdsFor(engines[m], s.templates[m]),
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
        <button data-action="export-csv" @click=${this.exportCsv} ?disabled=${!this.result || running}>Export CSV</button>
        <button data-action="export-json" @click=${this.exportJson} ?disabled=${!this.result || running}>Export JSON</button>
      </div>
      ${renderProgress(this.progress, () => this.abort?.abort())}
      ${this.error ? html`<div class="error-box" role="alert" data-error>${this.error}${errorHelp(this.error)}</div>` : nothing}
      ${this.notice ? html`<p class="notice" role="status">${this.notice}</p>` : nothing}
    </div>`;
  }

  private renderOutcome(r: InjectResult) {
    return html`${OUTCOME_TEXT[r.outcome]}${r.recovery_step !== null ? html` at step <strong>${r.recovery_step}</strong>, offset ${r.recovery_offset! > 0 ? '+' : ''}${r.recovery_offset}` : nothing}${r.ended_step !== null
      ? html`; ended at step ${r.ended_step} (p(end) ${formatNumber(r.trace[r.ended_step]!.p_end, 3)})`
      : nothing}`;
  }

  private renderDiff(m: Side, side: SideInject, sampled: boolean) {
    return html`<div class="field">
      <span class="hint">Clean and injected continuations aligned token by token${sampled ? ' (run 1)' : ''}: green = the same token; the injection in orange</span>
      <div class="diff" data-diff role="group" aria-label=${`${HEADING[m]}: clean and injected continuations aligned token by token`}>
        <span class="legend" aria-hidden="true"><span>clean</span><span>injected</span></span>
        ${side.diff.map(
          (c) => html`<span class="col" data-op=${c.op}
            ><span class="c" data-clean>${c.clean === null ? '' : visibleToken(c.clean)}</span><span class="i" data-injected-token>${c.injected === null ? '' : visibleToken(c.injected)}</span></span
          >`,
        )}
      </div>
    </div>`;
  }

  private renderSide(m: Side, side: SideInject, s: InjectSettings) {
    const first = side.runs[0]!;
    const K = first.after_tokens;
    const sampled = s.mode === 'sampled';
    const t = first.threshold;
    return html`<div
      data-inject-model=${m}
      data-outcome=${first.outcome}
      data-recovery=${first.recovery_step === null ? 'none' : String(first.recovery_step)}
      data-recovery-offset=${first.recovery_offset === null ? 'none' : String(first.recovery_offset)}
      data-ended=${first.ended_step === null ? 'none' : String(first.ended_step)}
      data-threshold=${String(t.effective)}
      data-context=${side.context.join(',')}
    >
      <h3><span class="model-${m}">${HEADING[m]}</span> · template ${side.template}</h3>
      <p class="recovery" data-outcome-text>
        ${sampled
          ? html`Outcomes over ${side.runs.length} runs: <strong>${side.outcomes.recovered} recovered</strong>, ${side.outcomes.ended} ended, ${side.outcomes.diverged} diverged
              <span class="muted">(recovery steps: ${side.runs.map((r) => (r.recovery_step === null ? '—' : r.recovery_step)).join(', ')}; no-injection controls:
                ${side.runs.filter((r) => r.control?.outcome === 'recovered').length} of ${side.runs.length} recovered)</span>
              ${side.skipped.length
                ? html`<br /><span class="notice" data-skipped=${side.skipped.length}
                      >${side.skipped.length} seed(s) left out — the clean run closed before K: ${side.skipped.map((x) => `seed ${x.seed} after ${x.clean_length} tokens`).join(', ')}</span
                    >`
                : nothing}`
          : html`Outcome: ${this.renderOutcome(first)}`}
      </p>
      <p class="hint">
        τ = max(${t.nats}, ${t.relative} × mean entropy ${formatNumber(t.mean_entropy, 3)} nats) = ${formatNumber(t.effective, 3)} nats · window ±${first.window} · run
        ${first.run}${first.clean_ended_step !== null ? html` · the clean run ended at its token ${first.clean_ended_step + 1}` : nothing}
      </p>
      <div class="field">
        <span class="hint">Clean continuation${sampled ? ' (run 1)' : ''}: click a token to inject after it</span>
        <div class="tokens" role="group" aria-label=${`${HEADING[m]} clean continuation tokens`}>
          ${side.cleanTokens.map(
            (tok, i) => html`${i === K ? html`<span class="cut" aria-hidden="true" title="injection point">▼</span>` : nothing}<button
                class=${i >= K ? 'after' : ''}
                title=${`token ${i + 1} (id ${first.clean.continuation[i]}): inject after it`}
                aria-label=${`Inject after token ${i + 1}: ${visibleToken(tok)}`}
                @click=${() => this.chooseK(i + 1)}
              >${visibleToken(tok)}</button>`,
          )}
        </div>
      </div>
      ${this.renderDiff(m, side, sampled)}
      <span class="hint">Clean run</span>
      <div class="gen" data-clean>${side.prefixText}${side.cleanText}</div>
      <span class="hint">Injected run${sampled ? ' (run 1)' : ''}</span>
      <div class="gen" data-injected>${side.prefixText}<mark>${side.injectionText}</mark>${side.continuationText}</div>
    </div>`;
  }

  private cell(key: string, v: number | null | undefined, digits = 4) {
    if (v === null || v === undefined) return html`<td data-key=${key} data-value="">—</td>`;
    return html`<td data-key=${key} data-value=${String(v)}>${Math.abs(v) < 1e-3 && v !== 0 ? formatScientific(v, 2) : formatNumber(v, digits)}</td>`;
  }

  private renderTable(r: InjectState) {
    const models = r.settings.models.filter((m) => r.sides[m]);
    const sampled = r.settings.mode === 'sampled';
    const rows = Math.max(...models.map((m) => (sampled ? r.sides[m]!.bands!.kl_aligned.length : r.sides[m]!.runs[0]!.trace.length)), 0);
    const steps = Array.from({ length: rows }, (_, t) => t);
    return html`<div class="table-wrap">
      <table class="data" data-table="trace">
        <thead>
          <tr>
            <th>step</th>
            ${models.map((m) =>
              sampled
                ? html`<th>${m} mean aligned KL</th>
                    <th>${m} min</th>
                    <th>${m} max</th>
                    <th>${m} sd</th>
                    <th>${m} runs</th>
                    <th>${m} no-injection mean</th>
                    <th>${m} no-injection min</th>
                    <th>${m} no-injection max</th>
                    <th>${m} mean log p</th>
                    <th>${m} mean p(end)</th>`
                : html`<th>${m} KL same offset</th>
                    <th>${m} KL aligned</th>
                    <th>${m} offset</th>
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
                  const at = (xs: { step: number }[]) => xs.find((x) => x.step === t) as (typeof b.kl_aligned)[number] | undefined;
                  const k = at(b.kl_aligned);
                  const c = at(b.control);
                  return html`${this.cell(`${m}.kl_mean`, k?.mean)} ${this.cell(`${m}.kl_min`, k?.min)} ${this.cell(`${m}.kl_max`, k?.max)} ${this.cell(`${m}.kl_sd`, k?.sd)}
                  ${this.cell(`${m}.n`, k?.n, 0)} ${this.cell(`${m}.control_mean`, c?.mean)} ${this.cell(`${m}.control_min`, c?.min)} ${this.cell(`${m}.control_max`, c?.max)}
                  ${this.cell(`${m}.logp_mean`, at(b.logp_clean_next)?.mean)} ${this.cell(`${m}.p_end_mean`, at(b.p_end)?.mean)}`;
                }
                const p = side.runs[0]!.trace[t];
                return html`${this.cell(`${m}.kl`, p?.kl)} ${this.cell(`${m}.kl_aligned`, p?.kl_aligned)} ${this.cell(`${m}.aligned_offset`, p?.aligned_offset, 0)}
                ${this.cell(`${m}.logp_clean_next`, p?.logp_clean_next)} ${this.cell(`${m}.p_end`, p?.p_end)}`;
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
      <h2>Trace after injecting at K = ${r.settings.after_tokens}${r.settings.mode === 'sampled' ? ` (${r.settings.runs} sampled runs, mean and min–max band; grey: no-injection band)` : ''}</h2>
      <div class="columns">${models.map((m) => this.renderSide(m, r.sides[m]!, r.settings))}</div>
      <div class="charts" style=${inlineStyle('margin-top: 0.8rem')}>
        <figure>
          <figcaption>KL(injected ‖ clean) per step: aligned (best clean position within ±W)${r.settings.mode === 'greedy' ? ' and same offset' : ', with the no-injection band'}; each model's threshold τ dashed</figcaption>
          <lab-chart data-chart="kl" .config=${c.kl} label="KL divergence between the injected run's and the clean run's next-token distributions per step, base and tuned"></lab-chart>
        </figure>
        <figure>
          <figcaption>log p of the clean run's next token, under the injected context</figcaption>
          <lab-chart data-chart="logp" .config=${c.logp} label="Log-probability of the clean run's next token under the injected context per step"></lab-chart>
        </figure>
        <figure>
          <figcaption>p(end) along the injected run (end of text or end of turn)</figcaption>
          <lab-chart data-chart="p-end" .config=${c.pEnd} label="Probability of the stop tokens per step of the injected run"></lab-chart>
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
      <p class="hint">Uses the prompt, templates, models, steps, thresholds, window and run above; greedy. Each cell: the recovery step (— if the run never recovered; "ended" if it closed its turn or the text off the trajectory) and the mean aligned KL over the steps.</p>
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
      ${this.heatError ? html`<div class="error-box" role="alert" data-heat-error>${this.heatError}${errorHelp(this.heatError)}</div>` : nothing}
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
                          const out = x.outcome[i]![j]!;
                          const kl = x.mean_kl[i]![j]!;
                          return html`<td
                            class="cell"
                            style=${inlineStyle(`background: ${heatColor(rec, out, h.steps)}`)}
                            data-k=${k}
                            data-recovery=${rec === null ? 'none' : String(rec)}
                            data-outcome=${out}
                            data-mean-kl=${String(kl)}
                            title=${`K = ${k}: ${out}${rec !== null ? ` at step ${rec}` : ''}, mean aligned KL ${kl}`}
                          >
                            <strong>${rec !== null ? rec : out === 'ended' ? 'ended' : '—'}</strong><br /><small>KL ${formatNumber(kl, 3)}</small>
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
