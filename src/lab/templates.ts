/**
 * Which template a model reads a prompt in, by default: the template follows the model, not the side of
 * the pair. A chat-tuned model gets its chat template on either side (lab-sft as the *base* of an SFT vs
 * RL pair must not read the prompt as plain text, which it was never tuned on); a pre-trained model reads
 * plain text on either side. DOM-free: used by the views' defaults, the CLI and the tests.
 */
import { LAB_FAMILY, labName, labSiblingOf, type LabSibling } from '../engine/family';
import type { Engine, Template } from '../engine/types';
import type { BaseTemplate } from './compare';

/** The end-of-turn token of a model's chat template (the special token after an assistant message), or null. */
export async function endOfTurnId(engine: Engine): Promise<number | null> {
  const info = await engine.info();
  if (!info.hasChatTemplate) return null;
  const marker = 'WPL end-of-turn probe';
  const text = await engine.renderChat([{ role: 'user', content: 'x' }, { role: 'assistant', content: marker }], false);
  const at = text.lastIndexOf(marker);
  const rest = at < 0 ? '' : text.slice(at + marker.length);
  if (!rest) return null;
  const [first] = await engine.encodeContinuation(rest);
  if (first === undefined || (await engine.decode([first], { skipSpecial: true })) !== '') return null;
  return first;
}

/** The family sibling a loaded model is: by its page source (`./models/lab-sft/`, `lab-tuned`, …) or by a
 *  folder path ending in `models/lab-…` (the CLI loads absolute paths). */
export function siblingOf(source: string): LabSibling | null {
  const direct = labSiblingOf(source);
  if (direct) return direct;
  const m = /(?:^|[/\\])models[/\\](lab-[\w-]+)[/\\]?$/.exec(source.trim());
  const n = m ? labName(m[1]!) : null;
  return n ? (LAB_FAMILY.find((s) => s.name === n) ?? null) : null;
}

/**
 * Was this model tuned to chat? A sibling of the lab-grown family says so itself (`LabSibling.chat`; all
 * three ship the same ChatML template, so the template alone does not tell). Any other model: it has a chat
 * template and its generation config stops at that template's end-of-turn token (instruct exports list
 * `<|im_end|>` / `<end_of_turn>` among their EOS ids; base exports stop at end-of-text only).
 */
export async function isChatTuned(engine: Engine): Promise<boolean> {
  const info = await engine.info();
  const sib = siblingOf(info.source);
  if (sib) return sib.chat;
  if (!info.hasChatTemplate) return false;
  const eot = await endOfTurnId(engine);
  return eot !== null && info.eosTokenIds.includes(eot);
}

/**
 * The template a model reads a prompt in by default. The family's siblings: chat for lab-sft and lab-rl,
 * plain text for lab-base, whichever side they are on. Other models on the base side: chat only when
 * chat-tuned (isChatTuned); on the tuned side: chat whenever they have a chat template (as before).
 */
export async function defaultTemplate(engine: Engine, side: 'base' | 'tuned'): Promise<Template> {
  const info = await engine.info();
  const sib = siblingOf(info.source);
  if (sib) return sib.chat ? 'chat' : 'none';
  if (side === 'tuned') return info.hasChatTemplate ? 'chat' : 'none';
  return (await isChatTuned(engine)) ? 'chat' : 'none';
}

/** Default templates of a pair. `plainBase` is what a base that is not chat-tuned reads (the compare view
 *  offers URIAL's few-shot frame there). */
export async function pairTemplates<B extends BaseTemplate>(base: Engine, tuned: Engine, plainBase: B): Promise<{ base: B | 'chat'; tuned: Template }> {
  const [b, t] = await Promise.all([defaultTemplate(base, 'base'), defaultTemplate(tuned, 'tuned')]);
  return { base: b === 'chat' ? 'chat' : plainBase, tuned: t };
}

/**
 * The frame a preset of the answers view puts before the candidates for a side. A preset's base frame is
 * written for a pre-trained base (e.g. `BASE_NUMBER_FRAME`, " No.", where Brown prose writes numbers);
 * a chat-tuned model on the base side answers in its own chat voice, so it gets the tuned side's frame.
 */
export function presetFrame(frames: { base: string; tuned: string }, side: 'base' | 'tuned', template: Template): string {
  return side === 'base' && template === 'chat' ? frames.tuned : frames[side];
}
