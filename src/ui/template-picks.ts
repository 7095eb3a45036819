/**
 * The templates a view's selects show for the loaded pair: a thin Lit controller over the DOM-free
 * src/lab/template-defaults.ts. The view tells it the engines (`models()`, from willUpdate); it works out
 * each loaded model's default (async, dropped when the model changed meanwhile) and settles each side's
 * pick: an explicit one (link, stored run, shared spec, the user's select) made for that model stays,
 * anything else becomes the model's default. `onChange` hands the view the values to use.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Engine, ModelInfo } from '../engine/types';
import { explicitPick, initialPick, isExplicit, modelDefault, pickHint, settlePick, type ModelDefault, type Side, type TemplatePick, type TemplateSource } from '../lab/template-defaults';

type Pair<T> = { base: T; tuned: T };

/** The URL parameters holding an explicit template choice of a view, by side (inject's template goes with
 *  its prompt, not the model: not here). They are made for the model loaded then, so they are dropped when
 *  that side's model changes (the chooser's Load, a family link): the new model gets its own default. */
export const TEMPLATE_PARAMS: Readonly<Pair<readonly string[]>> = {
  base: ['compare.baseTemplate', 'sweep.tb', 'answers.templateBase'],
  tuned: ['compare.tunedTemplate', 'sweep.tt', 'answers.templateTuned'],
};

/** `search` without the template choices of the sides whose model changes. */
export function withoutTemplateChoices(search: string, changed: Pair<boolean>): string {
  const q = new URLSearchParams(search);
  for (const side of ['base', 'tuned'] as const) if (changed[side]) for (const k of TEMPLATE_PARAMS[side]) q.delete(k);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export class TemplatePicks<V extends string> implements ReactiveController {
  picks: Pair<TemplatePick<V>>;
  defs: Pair<ModelDefault<V> | null> = { base: null, tuned: null };
  private engines: Pair<Engine | null> = { base: null, tuned: null };
  private sources: Pair<string | null> = { base: null, tuned: null };
  private pending: Pair<Promise<unknown>> = { base: Promise.resolve(), tuned: Promise.resolve() };

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly opts: {
      /** what a base that is not chat-tuned reads in this view */
      plainBase: V;
      /** the link's values (explicit), null where the link has none */
      link: Pair<V | null>;
      /** shown until a model's default is known */
      fallback: Pair<V>;
      /** the values changed (settled to a default, chosen, reset) */
      onChange: (values: Pair<V>, picks: Pair<TemplatePick<V>>) => void;
    },
  ) {
    this.picks = { base: initialPick(opts.link.base, opts.fallback.base), tuned: initialPick(opts.link.tuned, opts.fallback.tuned) };
    host.addController(this);
  }

  hostConnected(): void {}

  /** The engines now loaded (null while a side loads) and their infos: works out the defaults of the models
   *  that changed (a new engine, or the same engine with another model in it). */
  models(base: Engine | null, tuned: Engine | null, infos: Pair<ModelInfo | null>): void {
    for (const side of ['base', 'tuned'] as const) {
      const engine = side === 'base' ? base : tuned;
      const source = engine ? (infos[side]?.source ?? null) : null;
      if (engine === this.engines[side] && source === this.sources[side]) continue;
      this.engines[side] = engine;
      this.sources[side] = source;
      this.defs = { ...this.defs, [side]: null };
      if (!engine) continue;
      this.pending[side] = modelDefault(engine, side, this.opts.plainBase).then(
        (def) => {
          if (this.engines[side] !== engine || this.sources[side] !== source) return; // the model changed meanwhile
          this.defs = { ...this.defs, [side]: def as ModelDefault<V> };
          this.settle();
        },
        () => undefined, // an engine that fails here fails visibly in the view's own run
      );
    }
  }

  /** Resolves once the defaults of the models now loaded are known and settled (a run waits for it, so a
   *  click right after the pair loads runs with the model's default, not the placeholder). */
  async settled(): Promise<void> {
    await Promise.all([this.pending.base, this.pending.tuned]);
  }

  /** An explicit pick on one side (`user`: the select; `stored` / `shared`: a run's spec). */
  choose(side: Side, value: V, source: Exclude<TemplateSource, 'default'>): void {
    this.picks = { ...this.picks, [side]: explicitPick(value, source, this.defs[side]?.model ?? null) };
    this.changed();
  }

  /** Both sides back to their model's default (a preset). */
  reset(): void {
    const back = (side: Side): TemplatePick<V> => {
      const d = this.defs[side];
      return d ? { value: d.value, source: 'default', model: d.model } : { value: this.opts.fallback[side], source: 'default', model: null };
    };
    this.picks = { base: back('base'), tuned: back('tuned') };
    this.changed();
  }

  values(): Pair<V> {
    return { base: this.picks.base.value, tuned: this.picks.tuned.value };
  }

  /** The URL value of a side: the pick when explicit, else null (the parameter is removed). */
  param(side: Side): V | null {
    return isExplicit(this.picks[side]) ? this.picks[side].value : null;
  }

  hint(side: Side): string {
    return pickHint(this.picks[side], this.defs[side]);
  }

  private settle(): void {
    const base = settlePick(this.picks.base, this.defs.base);
    const tuned = settlePick(this.picks.tuned, this.defs.tuned);
    if (base === this.picks.base && tuned === this.picks.tuned) {
      this.host.requestUpdate(); // the hint changed
      return;
    }
    this.picks = { base, tuned };
    this.changed();
  }

  private changed(): void {
    this.opts.onChange(this.values(), this.picks);
    this.host.requestUpdate();
  }
}
