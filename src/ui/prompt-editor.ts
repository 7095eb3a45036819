/**
 * `<prompt-editor>`: the shared context — prompt text, template, k — and the tokens appended by
 * stepping, as chips with Undo / Clear. The textarea keeps whatever the user typed: the app never
 * writes to it except from the user's own input (or the URL at start).
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Template } from '../engine/types';
import { visibleToken } from '../lab/tokens';
import { ContextRestoreEvent, ContextUndoEvent, PromptInputEvent, TemplateChangeEvent, ThinkingChangeEvent, TopKChangeEvent } from './events';
import { MAX_K } from './params';
import { shared } from './styles';

export interface ChipToken {
  text: string;
  /** Which model's table it was chosen from. */
  from: string;
}

@customElement('prompt-editor')
export class PromptEditor extends LitElement {
  static override styles = [
    shared,
    css`
      :host {
        display: block;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.6rem 1rem;
        align-items: end;
      }
      .prompt {
        display: flex;
        flex-direction: column;
        gap: 0.2rem;
        flex: 1 1 30rem;
        min-width: 0;
      }
      textarea {
        width: 100%;
        min-height: 3.2rem;
        resize: vertical;
        line-height: 1.4;
      }
      .opt {
        display: flex;
        flex-direction: column;
        gap: 0.2rem;
      }
      .opt input {
        width: 5rem;
      }
      .appended {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.3rem;
        margin-top: 0.6rem;
        font-size: 0.9rem;
      }
      .appended .k {
        color: var(--muted);
        margin-right: 0.2rem;
      }
      .chip {
        background: var(--chip-bg);
        border: 1px solid var(--chip-border);
        border-radius: 4px;
        padding: 0.05rem 0.35rem;
        white-space: pre;
      }
      .chip.tuned {
        background: var(--chip-tuned-bg);
        border-color: var(--chip-tuned-border);
      }
      .appended button {
        padding: 0.15rem 0.6rem;
        font-size: 0.85rem;
      }
      .appended .actions {
        display: inline-flex;
        gap: 0.3rem;
        margin-left: 0.4rem;
      }
    `,
  ];

  @property() prompt = '';
  @property() template: Template = 'none';
  @property({ type: Number }) k = 10;
  /** Whether thinking is on in the chat template (`enable_thinking`), when a loaded model's template
   *  reads it (Qwen3); undefined hides the option. */
  @property({ attribute: false }) thinking: boolean | undefined = undefined;
  @property({ attribute: false }) appended: ChipToken[] = [];
  /** How many appended tokens were dropped when the prompt was edited (0: none to restore). */
  @property({ type: Number }) dropped = 0;

  override render() {
    return html`
      <div class="row">
        <div class="prompt">
          <label for="prompt">Prompt</label>
          <textarea
            id="prompt"
            name="prompt"
            spellcheck="false"
            .value=${this.prompt}
            @input=${(e: Event) => this.dispatchEvent(new PromptInputEvent((e.target as HTMLTextAreaElement).value))}
          ></textarea>
        </div>
        <div class="opt">
          <label for="template">Template</label>
          <select
            id="template"
            .value=${this.template}
            @change=${(e: Event) => this.dispatchEvent(new TemplateChangeEvent((e.target as HTMLSelectElement).value as Template))}
          >
            <option value="none" ?selected=${this.template === 'none'}>none (raw text)</option>
            <option value="chat" ?selected=${this.template === 'chat'}>chat (user message)</option>
          </select>
        </div>
        ${this.thinking === undefined
          ? nothing
          : html`<div class="opt">
              <label for="thinking">Thinking</label>
              <select
                id="thinking"
                title="enable_thinking in the chat template (Qwen3): off writes an empty <think> block after the assistant header. Changing it reloads the pair."
                .value=${this.thinking ? 'on' : 'off'}
                @change=${(e: Event) => this.dispatchEvent(new ThinkingChangeEvent((e.target as HTMLSelectElement).value === 'on'))}
              >
                <option value="on" ?selected=${this.thinking}>on (template default)</option>
                <option value="off" ?selected=${!this.thinking}>off (enable_thinking=false)</option>
              </select>
            </div>`}
        <div class="opt">
          <label for="k">Top k</label>
          <input
            id="k"
            type="number"
            min="1"
            max=${MAX_K}
            .value=${String(this.k)}
            @change=${(e: Event) => {
              const n = Number((e.target as HTMLInputElement).value);
              if (Number.isFinite(n) && n >= 1) this.dispatchEvent(new TopKChangeEvent(n));
            }}
          />
        </div>
      </div>
      ${this.appended.length
        ? html`<div class="appended" aria-label="Appended tokens">
            <span class="k">then:</span>
            ${this.appended.map(
              (t) => html`<code class="chip ${t.from}" data-chip title=${`chosen from ${t.from}`}>${visibleToken(t.text)}</code>`,
            )}
            <span class="actions">
              <button @click=${() => this.dispatchEvent(new ContextUndoEvent(false))} title="Remove the last appended token">Undo</button>
              <button @click=${() => this.dispatchEvent(new ContextUndoEvent(true))} title="Remove all appended tokens">Clear</button>
            </span>
          </div>`
        : nothing}
      ${this.dropped && !this.appended.length
        ? html`<div class="appended" role="status" data-dropped=${this.dropped}>
            <span class="k"
              >The prompt changed, so the ${this.dropped === 1 ? 'token' : `${this.dropped} tokens`} appended to the old prompt ${this.dropped === 1 ? 'was' : 'were'}
              set aside.</span
            >
            <button data-restore @click=${() => this.dispatchEvent(new ContextRestoreEvent())} title="Back to the old prompt and its appended tokens">
              Restore old prompt and tokens
            </button>
          </div>`
        : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'prompt-editor': PromptEditor;
  }
}
