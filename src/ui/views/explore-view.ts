/** `<explore-view>`: placeholder until the view is built. */
import { html } from 'lit';
import { customElement } from 'lit/decorators.js';
import { PairView } from './pair-view';

@customElement('explore-view')
export class ExploreView extends PairView {
  override render() {
    return html`<div class="card muted">This view is being built.</div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'explore-view': ExploreView;
  }
}
