/** The compare view's form: prompt, response (typed or either model's answer), templates with the exact
 *  context each model reads, max tokens, on-policy samples, cross-scoring, Compare / preset buttons. */
import { html, nothing, type TemplateResult } from 'lit';
import type { BaseTemplate, TunedTemplate } from '../../../lab/compare';
import { COMPARE_BASE_TEMPLATES, COMPARE_TUNED_TEMPLATES, RESPONSE_SOURCES, type ResponseSource } from '../../../lab/experiments/compare';
import { visibleToken } from '../../../lab/tokens';
import '../../family-hint';

/** The largest max tokens the page offers (the CLI allows more). */
export const MAX_TOKENS_LIMIT = 512;

/** The inputs a user sets (each kept in the URL). */
export interface CompareFields {
  prompt: string;
  response: string;
  source: ResponseSource;
  temperature: number;
  seed: number;
  baseTemplate: BaseTemplate;
  tunedTemplate: TunedTemplate;
  maxTokens: number;
  cross: boolean;
  samples: number;
}

export interface ContextPreview {
  text: string;
  tokens: number;
}

export interface FormHost {
  f: CompareFields;
  busy: boolean;
  pairReady: boolean;
  context(side: 'base' | 'tuned'): ContextPreview | null;
  set<K extends keyof CompareFields>(key: K, value: CompareFields[K]): void;
  run(): void;
  preset(): void;
  /** Why a side's template is what it is (the model's default, or where a choice came from). */
  templateHint(side: 'base' | 'tuned'): string;
  /** The run's status line (progress with ETA and Cancel, error, notice). */
  status: TemplateResult | typeof nothing;
}

/** A whole text with its whitespace visible: spaces as `·`, tabs as `⇥`, newlines as `↵` + a line break. */
export function visibleText(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? '' : visibleToken(line).replace(/␣/g, '·')))
    .join('↵\n');
}

function renderContext(h: FormHost, side: 'base' | 'tuned', template: string) {
  const c = h.context(side);
  return html`<div class="ctx-head">Exact text the ${side} model reads before the response (${template}${c ? `, ${c.tokens} tokens` : ''}):</div>
    <pre class="ctx" data-context-text=${c?.text ?? ''} aria-label=${`${side} context`}>${c ? visibleText(c.text) : h.f.prompt === '' ? '(no prompt)' : '(waiting for the model)'}</pre>`;
}

export function renderCompareForm(h: FormHost) {
  const { f, busy } = h;
  const typed = f.source === 'typed';
  const num = (e: Event) => Number((e.target as HTMLInputElement).value);
  return html`<div class="card">
    <div class="form">
      <label class="field full"
        >Prompt
        <textarea id="prompt" rows="2" .value=${f.prompt} @input=${(e: Event) => h.set('prompt', (e.target as HTMLTextAreaElement).value)}></textarea>
      </label>
      <fieldset class="full">
        <legend>Response</legend>
        <div class="row">
          ${RESPONSE_SOURCES.map(
            (s) => html`<label
              ><input type="radio" name="source" value=${s} .checked=${f.source === s} @change=${() => h.set('source', s)} />${s === 'typed' ? 'typed below' : `${s} model answers`}</label
            >`,
          )}
          <label ?hidden=${typed}
            >temperature
            <input
              id="temperature"
              type="number"
              min="0"
              max="5"
              step="0.1"
              .value=${String(f.temperature)}
              title="0 = greedy; above 0 the answer is sampled with this seed"
              @change=${(e: Event) => h.set('temperature', num(e))}
            />
          </label>
          <label ?hidden=${typed || f.temperature === 0}
            >seed
            <input id="seed" type="number" step="1" min="0" .value=${String(f.seed)} @change=${(e: Event) => h.set('seed', num(e))}
          /></label>
          <span class="status" ?hidden=${typed}>${f.temperature === 0 ? 'greedy' : 'sampled'}</span>
        </div>
        <textarea
          id="response"
          rows="2"
          aria-label="Response"
          placeholder="Type the response to score, e.g. That's a great question!"
          ?hidden=${!typed}
          .value=${f.response}
          @input=${(e: Event) => h.set('response', (e.target as HTMLTextAreaElement).value)}
        ></textarea>
      </fieldset>
      <div>
        <label class="field"
          >Base template
          <select id="base-template" @change=${(e: Event) => h.set('baseTemplate', (e.target as HTMLSelectElement).value as BaseTemplate)}>
            ${COMPARE_BASE_TEMPLATES.map((t) => html`<option value=${t} ?selected=${f.baseTemplate === t}>${t}</option>`)}
          </select>
        </label>
        <p class="hint" data-template-hint="base">${h.templateHint('base')}</p>
        ${renderContext(h, 'base', f.baseTemplate)}
      </div>
      <div>
        <label class="field"
          >Tuned template
          <select id="tuned-template" @change=${(e: Event) => h.set('tunedTemplate', (e.target as HTMLSelectElement).value as TunedTemplate)}>
            ${COMPARE_TUNED_TEMPLATES.map((t) => html`<option value=${t} ?selected=${f.tunedTemplate === t}>${t}</option>`)}
          </select>
        </label>
        <p class="hint" data-template-hint="tuned">${h.templateHint('tuned')}</p>
        ${renderContext(h, 'tuned', f.tunedTemplate)}
      </div>
    </div>
    <div class="actions">
      <label
        >max tokens
        <input id="max-tokens" type="number" min="1" max=${MAX_TOKENS_LIMIT} .value=${String(f.maxTokens)} @change=${(e: Event) => h.set('maxTokens', num(e))}
      /></label>
      <label title="Samples of each model at T = 1 (its own answers) for Yang & Holtzman's branching factor; 0 skips it"
        >BF samples
        <input id="samples" type="number" min="0" max="256" .value=${String(f.samples)} @change=${(e: Event) => h.set('samples', num(e))}
      /></label>
      <label title="Also let each model answer greedily and score each answer under both models"
        ><input id="cross" type="checkbox" .checked=${f.cross} @change=${(e: Event) => h.set('cross', (e.target as HTMLInputElement).checked)} /> cross-score</label
      >
      <button id="run" class="primary" ?disabled=${busy || !h.pairReady} @click=${() => h.run()}>Compare</button>
      <button id="preset-bugs" ?disabled=${busy || !h.pairReady} @click=${() => h.preset()} title="Prompt “Are bugs real?”, the tuned model answers greedily, each model reads its default template (a pre-trained base: URIAL's frame; a chat-tuned one: its chat template)">
        Preset: Are bugs real?
      </button>
      <family-hint view="compare"></family-hint>
      ${h.pairReady || busy ? nothing : html`<span class="status">Waiting for both models to load…</span>`}
    </div>
    ${h.status}
  </div>`;
}
