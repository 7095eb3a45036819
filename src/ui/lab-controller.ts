/**
 * The first lab page's state and the engine calls behind it: two models (base, tuned), a shared
 * context (prompt + appended tokens), and each model's next-token distribution after it.
 * A Lit ReactiveController: `<lab-app>` renders what it holds and forwards events to it.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Template } from '../engine/types';
import type { NextTokenView } from '../lab/next-token';
import { ModelSlot, StaleError, shownError, type ShownError } from './model-slot';
import { clampK, DEFAULT_PROMPT, sharePromptIn, SIDES, writeParams, type LabParams, type PageBackend, type Side } from './params';

/** A token appended to the shared context, as chosen in one model's table. */
export interface AppendedToken {
  /** The model whose vocabulary `id` belongs to. */
  side: Side;
  id: number;
  text: string;
}

export interface SideView {
  view: NextTokenView | null;
  error: ShownError | null;
  /** A computation for the current context is pending or running. */
  busy: boolean;
  /** Why there is no view, when that is not an error (e.g. an empty prompt). */
  notice: string | null;
}

export type LabState = 'loading' | 'ready' | 'error';

const PROMPT_DEBOUNCE_MS = 250;
/** Compare whole vocabularies only up to this size (token texts cross the worker boundary). */
const MAX_VOCAB_COMPARE = 300_000;

export class LabController implements ReactiveController {
  params: LabParams;
  readonly slots: Record<Side, ModelSlot>;
  appended: AppendedToken[] = [];
  views: Record<Side, SideView> = {
    base: { view: null, error: null, busy: false, notice: null },
    tuned: { view: null, error: null, busy: false, notice: null },
  };
  /** Tokens that were appended to an earlier prompt, dropped when the prompt was edited (restorable). */
  dropped: { prompt: string; appended: AppendedToken[] } | null = null;
  /** Both tokenizers map the same ids to the same texts (then appended ids are shared as they are). */
  sameTokenizer: boolean | null = null;

  private generation: Record<Side, number> = { base: 0, tuned: 0 };
  private timer: ReturnType<typeof setTimeout> | null = null;

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
    if (this.timer) clearTimeout(this.timer);
    for (const s of SIDES) this.slots[s].dispose();
  }

  /** Page-level state, for people and tests: `loading` | `ready` | `error`. */
  get labState(): LabState {
    const slots = SIDES.map((s) => this.slots[s].state.status);
    if (slots.some((s) => s === 'error' || s === 'cancelled')) return 'error';
    if (SIDES.some((s) => this.views[s].error)) return 'error';
    if (slots.every((s) => s === 'ready') && SIDES.every((s) => !this.views[s].busy && (this.views[s].view || this.views[s].notice))) {
      return 'ready';
    }
    return 'loading';
  }

  private changed(): void {
    // Set synchronously, so that a test that waits for `ready` after an input never sees a stale one.
    document.documentElement.dataset['labState'] = this.labState;
    // What runs, for people and tests: the pair's backends, `base,tuned` (e.g. `webgpu,webgpu`).
    document.documentElement.dataset['backends'] = SIDES.map((s) => this.slots[s].state.info?.backend ?? '').join(',');
    this.host.requestUpdate();
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
    this.sameTokenizer = null;
    for (const s of SIDES) this.views[s] = { view: null, error: null, busy: false, notice: null };
    this.changed();
    await Promise.all(SIDES.map((s) => this.loadSide(s, () => this.slots[s].load(this.params[s], backend))));
  }

  /** Load both models again from the same sources (a lost GPU device), keeping the prompt and the
   *  appended tokens: the next-token view recomputes when they are ready; other views keep their run's
   *  settings for the user to run again. */
  async reloadPair(): Promise<void> {
    await Promise.all(SIDES.map((s) => this.loadSide(s, () => this.slots[s].load(this.params[s], this.params.backend))));
  }

  /** A ready model's worker died or stopped answering: restart it; the next-token view recomputes when
   *  it is ready (other views show the failed run's error and offer Run again). */
  private workerLost(side: Side, reason: string): Promise<void> {
    return this.loadSide(side, () => this.slots[side].restart(reason));
  }

  cancel(side: Side): void {
    this.slots[side].cancel();
  }

  retry(side: Side): Promise<void> {
    return this.loadSide(side, () => this.slots[side].retry());
  }

  private async loadSide(side: Side, load: () => Promise<void>): Promise<void> {
    this.views[side] = { view: null, error: null, busy: false, notice: null };
    this.sameTokenizer = null;
    await load();
    if (!this.slots[side].ready) return this.changed();
    await this.compareTokenizers();
    // Appended ids of the other vocabulary may have to be re-encoded now: recompute both.
    this.recompute();
  }

  /** Decide whether both models share one tokenizer (same vocabulary, same texts, same encoding). */
  private async compareTokenizers(): Promise<void> {
    const a = this.slots.base;
    const b = this.slots.tuned;
    if (!a.ready || !b.ready) return;
    try {
      const va = a.state.info!.vocabSize;
      const vb = b.state.info!.vocabSize;
      let same = va === vb && va <= MAX_VOCAB_COMPARE;
      if (same) {
        const ids = Array.from({ length: va }, (_, i) => i);
        const [ta, tb] = await Promise.all([a.tokenTexts(ids), b.tokenTexts(ids)]);
        same = ta.every((t, i) => t === tb[i]);
      }
      if (same) {
        const probe = 'Hello, world!\n  The 2 "lab" prompts: <tags> & naïve café…';
        const [ea, eb] = await Promise.all([a.encode(probe, 'none'), b.encode(probe, 'none')]);
        same = ea.length === eb.length && ea.every((t, i) => t === eb[i]);
      }
      this.sameTokenizer = same;
    } catch (err) {
      if (err instanceof StaleError) return;
      this.sameTokenizer = false;
    }
  }

  // ——— context ———

  setView(view: LabParams['view']): void {
    if (view === this.params.view) return;
    this.syncSharedPrompt();
    this.params = { ...this.params, view };
    this.updateUrl();
    this.changed();
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
    this.markBusy();
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.recompute();
    }, PROMPT_DEBOUNCE_MS);
  }

  setTemplate(template: Template): void {
    if (template === this.params.template) return;
    this.params = { ...this.params, template };
    this.updateUrl();
    this.recompute();
  }

  setK(k: number): void {
    const kk = clampK(k);
    if (kk === this.params.k) return;
    this.params = { ...this.params, k: kk };
    this.updateUrl();
    this.recompute();
  }

  /** Append a token chosen in `side`'s table. */
  choose(side: Side, id: number, text: string): void {
    this.dropped = null;
    this.appended = [...this.appended, { side, id, text }];
    this.recompute();
  }

  /** Append `side`'s most likely next token. */
  step(side: Side): void {
    const top = this.views[side].view?.top[0];
    if (top) this.choose(side, top.id, top.text);
  }

  /** Back to the prompt and the appended tokens as they were before the prompt was edited. */
  restoreDropped(): void {
    const d = this.dropped;
    if (!d) return;
    this.dropped = null;
    this.params = { ...this.params, prompt: d.prompt };
    this.appended = d.appended;
    this.updateUrl();
    this.recompute();
  }

  undo(all: boolean): void {
    if (!this.appended.length) return;
    this.appended = all ? [] : this.appended.slice(0, -1);
    this.recompute();
  }

  private markBusy(): void {
    for (const s of SIDES) if (this.slots[s].ready) this.views[s] = { ...this.views[s], busy: true };
    this.changed();
  }

  /** Recompute both models' distributions now (a pending debounced one is folded in). */
  recompute(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    for (const s of SIDES) void this.computeSide(s);
  }

  /** The appended tokens as ids of `side`'s vocabulary. */
  private async appendedIds(side: Side): Promise<number[]> {
    const out: number[] = [];
    for (const t of this.appended) {
      if (t.side === side || this.sameTokenizer) out.push(t.id);
      else out.push(...(await this.slots[side].encodeContinuation(t.text)));
    }
    return out;
  }

  private async computeSide(side: Side): Promise<void> {
    const slot = this.slots[side];
    if (!slot.ready) return;
    const gen = ++this.generation[side];
    const current = () => gen === this.generation[side];
    this.views[side] = { ...this.views[side], busy: true };
    this.changed();
    const { prompt, template, k } = this.params;
    try {
      // Stepping across vocabularies needs to know whether the tokenizers match.
      if (this.sameTokenizer === null && this.appended.length) await this.compareTokenizers();
      const ids = [...(await slot.encode(prompt, template)), ...(await this.appendedIds(side))];
      if (!current()) return;
      if (ids.length === 0) {
        this.views[side] = { view: null, error: null, busy: false, notice: 'Type a prompt to see the next-token distribution.' };
        return this.changed();
      }
      const view = await slot.distribution(ids, k);
      if (!current()) return;
      this.views[side] = { view, error: null, busy: false, notice: null };
    } catch (err) {
      if (err instanceof StaleError || !current()) return;
      this.views[side] = { view: null, error: shownError(err), busy: false, notice: null };
    }
    this.changed();
  }
}
