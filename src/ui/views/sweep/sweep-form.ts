/** The sweep view's form: prompt, sides and templates, grid and sampling temperatures, N, max tokens,
 *  seed, reference continuation, answer grouping; Exact curves / Run sweep / exports. */
import { html, nothing, type TemplateResult } from 'lit';
import type { ModelInfo } from '../../../engine/types';
import type { SweepSide } from '../../../lab/experiments/sweep';
import { inlineStyle } from '../../styles';

export const SWEEP_FIELD_DEFAULTS = {
  prompt: 'Pick a random number between 1 and 100.',
  sides: 'both',
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
export type Field = keyof typeof SWEEP_FIELD_DEFAULTS;
export type Fields = Record<Field, string>;

export interface SweepFormHost {
  f: Fields;
  running: boolean;
  pairReady: boolean;
  hasResult: boolean;
  baseInfo: ModelInfo | null;
  tunedInfo: ModelInfo | null;
  /** The grouping, or a message when it is not valid. */
  groupingError: string | null;
  /** What `automatic` grouping chose for the shown answers ('' before a run). */
  autoLabel: string;
  set(k: Field, v: string): void;
  /** Why a side's template is what it is (the model's default, or where a choice came from). */
  templateHint(side: SweepSide): string;
  run(sample: boolean): void;
  exportCsv(): void;
  exportJson(): void;
  status: TemplateResult | typeof nothing;
}

const HEADING: Record<SweepSide, string> = { base: 'Base', tuned: 'Tuned' };

function input(h: SweepFormHost, k: Field, label: string, hint?: string, type = 'text') {
  return html`<div class="field">
    <label for=${`f-${k}`}>${label}</label>
    <input id=${`f-${k}`} type=${type} .value=${h.f[k]} @input=${(e: Event) => h.set(k, (e.target as HTMLInputElement).value)} />
    ${hint ? html`<p class="hint">${hint}</p>` : nothing}
  </div>`;
}

function templateSelect(h: SweepFormHost, k: 'tb' | 'tt', side: SweepSide) {
  const info = side === 'base' ? h.baseInfo : h.tunedInfo;
  const noChat = info !== null && !info.hasChatTemplate;
  const off = h.f.sides !== 'both' && h.f.sides !== side;
  return html`<div class="field">
    <label for=${`f-${k}`}>${HEADING[side]} template</label>
    <select id=${`f-${k}`} ?disabled=${off} .value=${h.f[k]} @change=${(e: Event) => h.set(k, (e.target as HTMLSelectElement).value)}>
      <option value="none" ?selected=${h.f[k] === 'none'}>none (plain text)</option>
      <option value="chat" ?selected=${h.f[k] === 'chat'} ?disabled=${noChat}>chat${noChat ? ' (this model has none)' : ''}</option>
    </select>
    <p class="hint" data-template-hint=${side}>${h.templateHint(side)}</p>
  </div>`;
}

export function renderSweepForm(h: SweepFormHost) {
  const { f, running } = h;
  const g = h.groupingError;
  return html`<div class="card">
    <h2>Temperature sweep: how much does heat undo collapse?</h2>
    <div class="form">
      <div class="field wide">
        <label for="f-prompt">Prompt</label>
        <textarea id="f-prompt" rows="2" .value=${f.prompt} @input=${(e: Event) => h.set('prompt', (e.target as HTMLTextAreaElement).value)}></textarea>
      </div>
      <div class="field">
        <label for="f-sides">Models</label>
        <select id="f-sides" .value=${f.sides} @change=${(e: Event) => h.set('sides', (e.target as HTMLSelectElement).value)}>
          <option value="both" ?selected=${f.sides === 'both'}>base and tuned</option>
          <option value="base" ?selected=${f.sides === 'base'}>base only</option>
          <option value="tuned" ?selected=${f.sides === 'tuned'}>tuned only</option>
        </select>
      </div>
      ${templateSelect(h, 'tb', 'base')} ${templateSelect(h, 'tt', 'tuned')}
      ${input(h, 'grid', 'Temperature grid (exact curves)', 'a list, or a range like 0.1..2 step 0.1')}
      ${input(h, 'temps', 'Sampling temperatures', 'a short list, e.g. 0.5, 1, 1.5')}
      ${input(h, 'n', 'Samples per temperature (N)', undefined, 'number')} ${input(h, 'max', 'Max tokens', undefined, 'number')}
      ${input(h, 'seed', 'Seed', undefined, 'number')}
      <div class="field wide">
        <label for="f-ref">Reference continuation for the entropy along it</label>
        <input id="f-ref" placeholder="(empty: each model's own greedy continuation)" .value=${f.ref} @input=${(e: Event) => h.set('ref', (e.target as HTMLInputElement).value)} />
      </div>
      <fieldset class="wide">
        <legend>Group answers by</legend>
        <div class="form">
          <label class="radio"
            ><input type="radio" name="group" value="auto" .checked=${f.group === 'auto'} @change=${() => h.set('group', 'auto')} />
            automatic<span class="hint" data-auto-grouping>${h.autoLabel ? `: ${h.autoLabel}` : ' (the first number when most answers hold one, else the first 3 words)'}</span></label
          >
          <label class="radio"
            ><input type="radio" name="group" value="words" .checked=${f.group === 'words'} @change=${() => h.set('group', 'words')} /> the first
            <input
              aria-label="number of first words"
              type="number"
              min="1"
              max="20"
              style=${inlineStyle('width: 4rem')}
              .value=${f.words}
              @input=${(e: Event) => h.set('words', (e.target as HTMLInputElement).value)}
            />
            words</label
          >
          <label class="radio"><input type="radio" name="group" value="regex" .checked=${f.group === 'regex'} @change=${() => h.set('group', 'regex')} /> a regex</label>
          <input
            aria-label="answer regex"
            class="mono"
            .value=${f.regex}
            aria-invalid=${g !== null && f.group === 'regex' ? 'true' : 'false'}
            @input=${(e: Event) => h.set('regex', (e.target as HTMLInputElement).value)}
          />
        </div>
        ${g !== null ? html`<div class="field-error" role="alert" data-grouping-error>${g}</div>` : nothing}
      </fieldset>
    </div>
    <div class="actions">
      <button data-action="exact" @click=${() => h.run(false)} ?disabled=${running || !h.pairReady}>Exact curves</button>
      <button class="primary" data-action="run" @click=${() => h.run(true)} ?disabled=${running || !h.pairReady}>Run sweep</button>
      <span class="spacer"></span>
      <button data-action="export-csv" @click=${() => h.exportCsv()} ?disabled=${!h.hasResult || running}>Export CSV</button>
      <button data-action="export-json" @click=${() => h.exportJson()} ?disabled=${!h.hasResult || running}>Export JSON</button>
    </div>
    <p class="hint">
      Same seed → identical samples: sample i at temperature j draws from its own random stream, seeded from (seed, j, i), so rerunning with the same
      settings reproduces every completion.
    </p>
    ${!h.pairReady ? html`<p class="notice">Load both models (above) to run a sweep.</p>` : nothing} ${h.status}
  </div>`;
}
