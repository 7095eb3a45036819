/**
 * Base class of the lab's views (tabs) that work on the loaded pair. The app passes the two engines
 * (null until that model is ready) and their infos; a view renders, calls src/lab experiments with
 * these engines, and reports its own state as `data-view-state` (`idle` | `running` | `done` | `error`)
 * on itself so tests can wait on it.
 */
import { LitElement, css } from 'lit';
import { property } from 'lit/decorators.js';
import type { Engine, ModelInfo } from '../../engine/types';
import { cardStyle, shared } from '../styles';

export type ViewState = 'idle' | 'running' | 'done' | 'error';

export abstract class PairView extends LitElement {
  static override styles = [
    shared,
    css`
      :host {
        display: block;
      }
      .card {
        ${cardStyle}
      }
      .error {
        color: var(--error, #b00020);
        white-space: pre-wrap;
      }
      .muted {
        color: var(--muted);
      }
    `,
  ];

  @property({ attribute: false }) base: Engine | null = null;
  @property({ attribute: false }) tuned: Engine | null = null;
  @property({ attribute: false }) baseInfo: ModelInfo | null = null;
  @property({ attribute: false }) tunedInfo: ModelInfo | null = null;

  /** Both models are loaded. */
  protected get pairReady(): boolean {
    return this.base !== null && this.tuned !== null;
  }

  protected setViewState(state: ViewState): void {
    this.dataset['viewState'] = state;
  }
}
