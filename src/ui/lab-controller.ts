/**
 * The lab page's state: two models (base, tuned) in their slots, the URL, and the Next-token tab's inputs
 * (prompt, template, k, the tokens appended by stepping), which outlive the tab's element (switching tabs,
 * reloading the pair). The Next-token tab itself (`<next-view>`) computes nothing here: it runs next-token
 * specs through its runner and reports how far it got (`NextReport`), from which `labState` follows.
 * A Lit ReactiveController: `<lab-app>` renders what it holds and forwards events to it.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Engine, Template } from '../engine/types';
import type { AppendedToken } from '../lab/experiments/next-token';
import { ModelSlot } from './model-slot';
import { clampK, DEFAULT_PROMPT, sharePromptIn, SIDES, writeParams, type LabParams, type PageBackend, type Side } from './params';

export type { AppendedToken };

/** How far the Next-token tab got with the current inputs (it reports through a NextReportEvent). */
export interface NextReport {
  /** `pending`: inputs changed and no run for them finished yet. */
  state: 'pending' | 'running' | 'done' | 'error';
  /** The engines the shown result was computed with (a reloaded model makes it stale). */
  engines: Record<Side, Engine | null>;
  /** A stored run is shown (from the library): complete without engines. */
  stored: boolean;
}

export type LabState = 'loading' | 'ready' | 'error';

export class LabController implements ReactiveController {
  params: LabParams;
  readonly slots: Record<Side, ModelSlot>;
  appended: AppendedToken[] = [];
  /** Tokens that were appended to an earlier prompt, dropped when the prompt was edited (restorable). */
  dropped: { prompt: string; appended: AppendedToken[] } | null = null;
  /** The Next-token tab's progress on the current inputs. */
  next: NextReport = { state: 'pending', engines: { base: null, tuned: null }, stored: false };

  constructor(
    private readonly host: ReactiveControllerHost,
    initial: LabParams,
  ) {
    this.params = { ...initial, k: clampK(initial.k) };
    host.addController(this);
    this.slots = {
      base: new ModelSlot('base', () => this.changed(), (reason) => void this.workerLost('base', reason)),
      tuned: new ModelSlot('tuned', () => this.changed(), (reason) => void this.workerLost('tuned', reason)),
    };
  }

  hostConnected(): void {
    void this.loadPair(this.params.base, this.params.tuned, this.params.backend);
  }

  hostDisconnected(): void {
    for (const s of SIDES) this.slots[s].dispose();
  }

  /** Page-level state, for people and tests: `loading` | `ready` | `error`. On the Next-token tab it also
   *  waits for the distributions of the current context under the loaded models. */
  get labState(): LabState {
    const slots = SIDES.map((s) => this.slots[s].state.status);
    if (slots.some((s) => s === 'error' || s === 'cancelled')) return 'error';
    const onNext = this.params.view === 'next';
    if (onNext && this.next.state === 'error') return 'error';
    if (!slots.every((s) => s === 'ready')) return 'loading';
    if (!onNext) return 'ready';
    const n = this.next;
    if (n.state !== 'done') return 'loading';
    return n.stored || SIDES.every((s) => n.engines[s] === this.slots[s].engine) ? 'ready' : 'loading';
  }

  private changed(): void {
    // Set synchronously, so that a test that waits for `ready` after an input never sees a stale one.
    document.documentElement.dataset['labState'] = this.labState;
    // What runs, for people and tests: the pair's backends, `base,tuned` (e.g. `webgpu,webgpu`).
    document.documentElement.dataset['backends'] = SIDES.map((s) => this.slots[s].state.info?.backend ?? '').join(',');
    this.host.requestUpdate();
  }

  /** The Next-token tab reports a run of the current inputs started, finished or failed. */
  report(r: NextReport): void {
    this.next = r;
    this.changed();
  }

  /** The inputs changed: nothing shown is for them until the tab reports again. */
  private inputsChanged(): void {
    this.next = { ...this.next, state: 'pending', stored: false };
    this.changed();
  }

  private updateUrl(): void {
    const url = `${location.pathname}${writeParams(this.params, location.search)}${location.hash}`;
    if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(history.state, '', url);
  }

  // ——— pair ———

  async loadPair(base: string, tuned: string, backend: PageBackend): Promise<void> {
    this.syncSharedPrompt();
    this.params = { ...this.params, base, tuned, backend };
    this.updateUrl();
    this.appended = [];
    this.inputsChanged();
    await Promise.all(SIDES.map((s) => this.loadSide(() => this.slots[s].load(this.params[s], backend))));
  }

  /** Load both models again from the same sources (a lost GPU device), keeping the prompt and the
   *  appended tokens: the next-token view recomputes when they are ready; other views keep their run's
   *  settings for the user to run again. */
  async reloadPair(): Promise<void> {
    await Promise.all(SIDES.map((s) => this.loadSide(() => this.slots[s].load(this.params[s], this.params.backend))));
  }

  /** A ready model's worker died or stopped answering: restart it; the next-token view recomputes when
   *  it is ready (other views show the failed run's error and offer Run again). */
  private workerLost(side: Side, reason: string): Promise<void> {
    return this.loadSide(() => this.slots[side].restart(reason));
  }

  cancel(side: Side): void {
    this.slots[side].cancel();
  }

  retry(side: Side): Promise<void> {
    return this.loadSide(() => this.slots[side].retry());
  }

  private async loadSide(load: () => Promise<void>): Promise<void> {
    await load();
    this.changed();
  }

  // ——— context ———

  setView(view: LabParams['view']): void {
    if (view === this.params.view) return;
    this.syncSharedPrompt();
    this.params = { ...this.params, view };
    this.updateUrl();
    // A new Next-token element runs again for the (maybe changed) inputs.
    if (view === 'next') this.inputsChanged();
    else this.changed();
  }

  /** Take the prompt another tab shared (`?prompt=`), so Next token shows the prompt typed last. */
  private syncSharedPrompt(): void {
    const shared = new URLSearchParams(location.search).get('prompt') ?? DEFAULT_PROMPT;
    if (shared !== this.params.prompt) this.setPrompt(shared, false);
  }

  setPrompt(prompt: string, typedHere = true): void {
    if (prompt === this.params.prompt) return;
    if (typedHere) {
      // Typed here: it becomes the prompt every tab opens on (other tabs' own prompts are dropped).
      const q = new URLSearchParams(location.search);
      sharePromptIn(q, null, prompt === DEFAULT_PROMPT ? null : prompt);
      const s = q.toString();
      history.replaceState(history.state, '', `${location.pathname}${s ? `?${s}` : ''}${location.hash}`);
    }
    // Tokens appended to the old prompt continued *that* text: editing the prompt starts a new context.
    // They are dropped (not silently kept after the new text), and one click puts them back.
    if (this.appended.length) {
      this.dropped = { prompt: this.params.prompt, appended: this.appended };
      this.appended = [];
    }
    this.params = { ...this.params, prompt };
    this.updateUrl();
    this.inputsChanged();
  }

  setTemplate(template: Template): void {
    if (template === this.params.template) return;
    this.params = { ...this.params, template };
    this.updateUrl();
    this.inputsChanged();
  }

  setK(k: number): void {
    const kk = clampK(k);
    if (kk === this.params.k) return;
    this.params = { ...this.params, k: kk };
    this.updateUrl();
    this.inputsChanged();
  }

  /** Append a token chosen in `side`'s table. */
  choose(side: Side, id: number, text: string): void {
    this.dropped = null;
    this.appended = [...this.appended, { side, id, text }];
    this.inputsChanged();
  }

  /** All the Next-token inputs at once (a stored run reopened, or a shared spec): the typed prompt is
   *  replaced, so it becomes the shared prompt as if typed here. */
  setNextInputs(prompt: string, template: Template, k: number, appended: AppendedToken[]): void {
    this.setPrompt(prompt);
    this.dropped = null;
    this.appended = appended.map((t) => ({ ...t }));
    this.params = { ...this.params, template, k: clampK(k) };
    this.updateUrl();
    this.inputsChanged();
  }

  /** Back to the prompt and the appended tokens as they were before the prompt was edited. */
  restoreDropped(): void {
    const d = this.dropped;
    if (!d) return;
    this.dropped = null;
    this.params = { ...this.params, prompt: d.prompt };
    this.appended = d.appended;
    this.updateUrl();
    this.inputsChanged();
  }

  undo(all: boolean): void {
    if (!this.appended.length) return;
    this.appended = all ? [] : this.appended.slice(0, -1);
    this.inputsChanged();
  }
}
