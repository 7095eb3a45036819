/**
 * `<family-hint view="answers">`: next to a view's presets, the pair of the lab-grown family that makes
 * the view's point best (FAMILY_VIEW_PAIRS), as a link that opens this view with that pair; nothing when
 * that pair is already loaded or the view has no suggestion.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { FAMILY_VIEW_PAIRS, labUrl } from '../engine/family';
import { readParams, writeParams } from './params';
import { withoutTemplateChoices } from './template-picks';

@customElement('family-hint')
export class FamilyHint extends LitElement {
  static override styles = css`
    :host {
      display: block;
      font-size: 0.85rem;
      color: var(--muted);
      margin: 0.3rem 0;
    }
  `;

  @property() view = '';

  override render() {
    const s = FAMILY_VIEW_PAIRS[this.view];
    if (!s) return nothing;
    const p = readParams(location.search);
    if (p.base === labUrl(s.base) && p.tuned === labUrl(s.tuned)) return nothing;
    // the views' template choices were made for the models loaded now: the family pair gets its own defaults
    const search = withoutTemplateChoices(location.search, { base: p.base !== labUrl(s.base), tuned: p.tuned !== labUrl(s.tuned) });
    const href = location.pathname + writeParams({ ...p, base: labUrl(s.base), tuned: labUrl(s.tuned) }, search);
    return html`Lab-grown family: these presets make their point best on
      <a class="family-pair" href=${href}>${s.base} vs ${s.tuned}</a> (${s.why}).`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'family-hint': FamilyHint;
  }
}
