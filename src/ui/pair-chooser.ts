/**
 * `<pair-chooser>`: any two of the lab-grown family (lab-base / lab-sft preselected) or another
 * base/tuned pair typed as folder URLs or hub ids, and the backend. Dispatches a PairLoadEvent on Load.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { PairLoadEvent } from './events';
import { LAB_FAMILY, labSiblingOf, labUrl, type LabName } from '../engine/family';
import { LAB_PAIR, isLabPair, type PageBackend } from './params';
import { inlineStyle, shared } from './styles';

@customElement('pair-chooser')
export class PairChooser extends LitElement {
  static override styles = [
    shared,
    css`
      :host {
        display: block;
      }
      form {
        display: flex;
        flex-wrap: wrap;
        gap: 0.6rem 1.2rem;
        align-items: end;
      }
      fieldset {
        border: none;
        margin: 0;
        padding: 0;
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: center;
      }
      legend {
        font-weight: 600;
        font-size: 0.9rem;
        padding: 0;
        margin-bottom: 0.3rem;
      }
      .choice {
        display: inline-flex;
        align-items: center;
        gap: 0.3rem;
        color: var(--text);
        font-size: 0.95rem;
      }
      .fields {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        flex: 1 1 26rem;
      }
      .field {
        display: flex;
        flex-direction: column;
        gap: 0.15rem;
        flex: 1 1 12rem;
        min-width: 0;
      }
      .field input {
        width: 100%;
      }
      .hint {
        font-size: 0.8rem;
        color: var(--muted);
      }
    `,
  ];

  /** The pair that is loaded (or loading) now. */
  @property() base: string = LAB_PAIR.base;
  @property() tuned: string = LAB_PAIR.tuned;
  @property() backend: PageBackend = 'auto';

  @state() private custom = false;
  @state() private customBase = '';
  @state() private customTuned = '';
  @state() private labBase: LabName = 'lab-base';
  @state() private labTuned: LabName = 'lab-sft';
  @state() private chosenBackend: PageBackend = 'auto';

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('base') || changed.has('tuned')) {
      this.custom = !isLabPair(this);
      if (!this.custom) {
        this.labBase = labSiblingOf(this.base)!.name;
        this.labTuned = labSiblingOf(this.tuned)!.name;
      } else {
        this.customBase = this.base;
        this.customTuned = this.tuned;
      }
    }
    if (changed.has('backend')) this.chosenBackend = this.backend;
  }

  private submit(ev: Event): void {
    ev.preventDefault();
    const base = this.custom ? this.customBase.trim() : labUrl(this.labBase);
    const tuned = this.custom ? this.customTuned.trim() : labUrl(this.labTuned);
    if (!base || !tuned) return;
    this.dispatchEvent(new PairLoadEvent(base, tuned, this.chosenBackend));
  }

  private familySelect(id: string, label: string, value: LabName, set: (n: LabName) => void) {
    return html`<label class="choice" for=${id}
      >${label}
      <select
        id=${id}
        .value=${value}
        title=${LAB_FAMILY.find((m) => m.name === value)?.blurb ?? ''}
        @change=${(e: Event) => {
          set((e.target as HTMLSelectElement).value as LabName);
          this.custom = false;
        }}
      >
        ${LAB_FAMILY.map((m) => html`<option value=${m.name} ?selected=${m.name === value}>${m.label}</option>`)}
      </select></label
    >`;
  }

  override render() {
    return html`<form @submit=${this.submit} aria-label="Model pair">
      <fieldset>
        <legend>Model pair</legend>
        <label class="choice"
          ><input type="radio" name="pair" value="lab" .checked=${!this.custom} @change=${() => (this.custom = false)} /> Lab-grown
          family</label
        >
        ${this.familySelect('lab-base-side', 'Base', this.labBase, (n) => (this.labBase = n))}
        ${this.familySelect('lab-tuned-side', 'Tuned', this.labTuned, (n) => (this.labTuned = n))}
        <label class="choice"
          ><input type="radio" name="pair" value="custom" .checked=${this.custom} @change=${() => (this.custom = true)} /> Another
          pair</label
        >
      </fieldset>
      <div class="fields">
        <div class="field">
          <label for="base">Base model folder URL or hub id</label>
          <input
            id="base"
            name="base"
            class="mono"
            placeholder=${LAB_PAIR.base}
            .value=${this.customBase}
            @input=${(e: Event) => {
              this.customBase = (e.target as HTMLInputElement).value;
              this.custom = true;
            }}
            spellcheck="false"
            autocomplete="off"
          />
        </div>
        <div class="field">
          <label for="tuned">Tuned model folder URL or hub id</label>
          <input
            id="tuned"
            name="tuned"
            class="mono"
            placeholder=${LAB_PAIR.tuned}
            .value=${this.customTuned}
            @input=${(e: Event) => {
              this.customTuned = (e.target as HTMLInputElement).value;
              this.custom = true;
            }}
            spellcheck="false"
            autocomplete="off"
          />
        </div>
      </div>
      <div class="field" style=${inlineStyle('flex: 0 0 auto')}>
        <label for="backend">Backend</label>
        <select id="backend" .value=${this.chosenBackend} @change=${(e: Event) => (this.chosenBackend = (e.target as HTMLSelectElement).value as PageBackend)}>
          <option value="auto" ?selected=${this.chosenBackend === 'auto'}>auto</option>
          <option value="webgpu" ?selected=${this.chosenBackend === 'webgpu'}>WebGPU</option>
          <option value="wasm" ?selected=${this.chosenBackend === 'wasm'}>WASM</option>
        </select>
      </div>
      <button class="primary" type="submit" ?disabled=${this.custom && (!this.customBase.trim() || !this.customTuned.trim())}>Load</button>
    </form>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pair-chooser': PairChooser;
  }
}
