/**
 * The page's views pick their default templates from the loaded pair (issue #13): the template follows the
 * model (src/lab/templates.ts), so with `?base=lab-sft&tuned=lab-rl` both sides read the chat template, as
 * `lab compare --base models/lab-sft --tuned models/lab-rl` does. An explicit choice wins: a template in the
 * link (`compare.baseTemplate`, …), a stored run, a shared spec, or the user's own pick in the select; each is
 * bound to the model it was made for, so when a side's model changes that side falls back to the new
 * model's default. DOM-free: the views (compare, sweep, answers) only call these functions.
 */
import { siblingOf, defaultTemplate, isChatTuned } from './templates';
import type { Engine, Template } from '../engine/types';

export type Side = 'base' | 'tuned';

/** Where a side's template came from. `default`: the loaded model's default; the others are explicit. */
export type TemplateSource = 'default' | 'link' | 'stored' | 'shared' | 'user';

export interface TemplatePick<T extends string = string> {
  value: T;
  source: TemplateSource;
  /** The model (its source, as ModelInfo.source) the value was picked for; null: whichever model loads first
   *  (a link, a stored run or a shared spec opened before the pair is ready). */
  model: string | null;
}

/** A loaded model's default template on one side, and why, in a short sentence for the view's hint. */
export interface ModelDefault<T extends string = string> {
  model: string;
  value: T;
  why: string;
}

/** The pick a view starts from: the link's value when the link has one (explicit), else `fallback` (a
 *  placeholder until the model's default is known). */
export function initialPick<T extends string>(fromLink: T | null, fallback: T): TemplatePick<T> {
  return fromLink !== null ? { value: fromLink, source: 'link', model: null } : { value: fallback, source: 'default', model: null };
}

/** An explicit pick (the user's select, a stored run, a shared spec) for the model now loaded on that side
 *  (null when none is loaded yet: it then holds for the first model that loads). */
export function explicitPick<T extends string>(value: T, source: Exclude<TemplateSource, 'default'>, model: string | null): TemplatePick<T> {
  return { value, source, model };
}

/**
 * The pick a side shows once its model's default is known: an explicit pick made for this model (or made
 * before any model loaded) stays; anything else becomes the model's default. Returns `pick` itself when
 * nothing changes (so a view can compare by identity). `def` null (no model loaded): the pick unchanged.
 */
export function settlePick<T extends string>(pick: TemplatePick<T>, def: ModelDefault<T> | null): TemplatePick<T> {
  if (!def) return pick;
  if (pick.source !== 'default' && (pick.model === null || pick.model === def.model)) {
    return pick.model === def.model ? pick : { ...pick, model: def.model };
  }
  if (pick.source === 'default' && pick.model === def.model && pick.value === def.value) return pick;
  return { value: def.value, source: 'default', model: def.model };
}

/** Whether a view keeps the pick in its URL parameter: only explicit picks are written (a default is
 *  recomputed from the model, so a link without the parameter follows whatever pair it opens). */
export function isExplicit(pick: TemplatePick): boolean {
  return pick.source !== 'default';
}

/** A model's display name for the hints: the family's sibling name, else ModelInfo.name. */
function nameOf(info: { source: string; name: string }): string {
  return siblingOf(info.source)?.name ?? info.name;
}

/**
 * A loaded model's default template on `side` and why. `plainBase` is what a base that is not chat-tuned
 * reads in this view (`'urial'` in compare, `'none'` elsewhere); `plainLabel` names it in the hint.
 */
export async function modelDefault<P extends string>(engine: Engine, side: Side, plainBase: P): Promise<ModelDefault<P | Template>> {
  const info = await engine.info();
  const name = nameOf(info);
  const t = await defaultTemplate(engine, side);
  const sib = siblingOf(info.source);
  const plain: P | Template = side === 'base' ? plainBase : 'none';
  const reads = (v: string) => (v === 'chat' ? 'its chat template' : v === 'urial' ? "URIAL's few-shot frame (plain text)" : 'the prompt as plain text');
  let why: string;
  if (sib) {
    why = sib.chat
      ? `${name} is chat-tuned: it reads ${reads('chat')}${side === 'base' ? ' on the base side too' : ''}`
      : `${name} is pre-trained only (not chat-tuned): it reads ${reads(plain)}${side === 'tuned' ? ' on the tuned side too' : ''}`;
  } else if (side === 'tuned') {
    why = info.hasChatTemplate ? `${name} has a chat template: the tuned side reads it` : `${name} has no chat template: it reads ${reads('none')}`;
  } else if (t === 'chat') {
    why = `${name} is chat-tuned (its generation config stops at its chat template's end of turn): it reads ${reads('chat')} on the base side too`;
  } else if (info.hasChatTemplate && !(await isChatTuned(engine))) {
    why = `${name} is not chat-tuned (its generation config does not stop at its chat template's end of turn): it reads ${reads(plain)}`;
  } else {
    why = `${name} has no chat template: it reads ${reads(plain)}`;
  }
  return { model: info.source, value: t === 'chat' ? 'chat' : plain, why };
}

/** The hint next to a side's template select: why the default is what it is, or where an explicit pick
 *  came from (with the model's default beside it when it differs). */
export function pickHint(pick: TemplatePick, def: ModelDefault | null): string {
  if (!def) return pick.source === 'default' ? 'the default follows the model, once it is loaded' : sourceText(pick.source);
  if (pick.source === 'default') return `Default: ${def.why}.`;
  const other = pick.value === def.value ? ' (also the default)' : ` (the default is ${def.value}: ${def.why})`;
  return `${sourceText(pick.source)}${other}.`;
}

function sourceText(source: TemplateSource): string {
  switch (source) {
    case 'link':
      return 'Set by the link';
    case 'stored':
      return 'As the stored run read it';
    case 'shared':
      return 'As the shared run reads it';
    case 'user':
      return 'Chosen here';
    default:
      return 'Default';
  }
}
