/**
 * The views' template controller (src/ui/template-picks.ts) with real lab engines (onnxruntime-node) and a
 * stand-in host: defaults follow the loaded models, a link's or the user's choice wins for its model and
 * yields when that side's model changes, a preset resets to the defaults, only explicit choices go in the
 * URL; and the URL parameters dropped when a side's model changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveModelSource } from '../cli/context';
import type { LabEngine } from '../engine/engine';
import { createNodeEngine } from '../engine/node';
import type { ModelInfo } from '../engine/types';
import { TemplatePicks, withoutTemplateChoices } from './template-picks';

const e = {} as Record<'lab-base' | 'lab-sft' | 'lab-rl', LabEngine>;
const info = {} as Record<keyof typeof e, ModelInfo>;

beforeAll(async () => {
  for (const n of ['lab-base', 'lab-sft', 'lab-rl'] as const) {
    e[n] = createNodeEngine('node');
    await e[n].load(resolveModelSource(n));
    info[n] = await e[n].info();
  }
}, 120_000);
afterAll(async () => {
  for (const x of Object.values(e)) await x.dispose();
});

function make(link: { base: string | null; tuned: string | null }) {
  const changes: { base: string; tuned: string }[] = [];
  const host = { addController: () => undefined, removeController: () => undefined, requestUpdate: () => undefined, updateComplete: Promise.resolve(true) };
  const picks = new TemplatePicks<string>(host, { plainBase: 'urial', link, fallback: { base: 'urial', tuned: 'chat' }, onChange: (v) => changes.push(v) });
  return { picks, changes };
}

describe('TemplatePicks', () => {
  it('defaults follow the loaded models, also when a side\'s model changes', async () => {
    const { picks, changes } = make({ base: null, tuned: null });
    expect(picks.values()).toEqual({ base: 'urial', tuned: 'chat' });
    picks.models(e['lab-sft'], e['lab-rl'], { base: info['lab-sft'], tuned: info['lab-rl'] });
    await picks.settled();
    expect(picks.values()).toEqual({ base: 'chat', tuned: 'chat' });
    expect(changes.at(-1)).toEqual({ base: 'chat', tuned: 'chat' });
    expect([picks.param('base'), picks.param('tuned')]).toEqual([null, null]);
    expect(picks.hint('base')).toBe('Default: lab-sft is chat-tuned: it reads its chat template on the base side too.');
    // lab-base as the base (the tuned side keeps lab-rl)
    picks.models(null, e['lab-rl'], { base: null, tuned: info['lab-rl'] });
    picks.models(e['lab-base'], e['lab-rl'], { base: info['lab-base'], tuned: info['lab-rl'] });
    await picks.settled();
    expect(picks.values()).toEqual({ base: 'urial', tuned: 'chat' });
  });

  it('a link\'s choice wins for the first model, the user\'s for the loaded one; both yield when the model changes', async () => {
    const { picks } = make({ base: 'none', tuned: null });
    picks.models(e['lab-sft'], e['lab-rl'], { base: info['lab-sft'], tuned: info['lab-rl'] });
    await picks.settled();
    expect(picks.values()).toEqual({ base: 'none', tuned: 'chat' });
    expect(picks.param('base')).toBe('none');
    expect(picks.hint('base')).toMatch(/^Set by the link \(the default is chat: lab-sft is chat-tuned/);
    picks.choose('tuned', 'none', 'user');
    expect(picks.values()).toEqual({ base: 'none', tuned: 'none' });
    expect(picks.param('tuned')).toBe('none');
    // the same models reloaded (new engine objects of the same sources would be the same too): choices stay
    picks.models(null, null, { base: null, tuned: null });
    picks.models(e['lab-sft'], e['lab-rl'], { base: info['lab-sft'], tuned: info['lab-rl'] });
    await picks.settled();
    expect(picks.values()).toEqual({ base: 'none', tuned: 'none' });
    // the tuned side's model changes: its choice yields; the base side's stays
    picks.models(e['lab-sft'], e['lab-base'], { base: info['lab-sft'], tuned: info['lab-base'] });
    await picks.settled();
    expect(picks.values()).toEqual({ base: 'none', tuned: 'none' });
    expect(picks.param('tuned')).toBeNull(); // lab-base's own default happens to be none: now a default
    expect(picks.hint('tuned')).toMatch(/^Default: lab-base is pre-trained only .* on the tuned side too\.$/);
    // a preset: both back on their defaults
    picks.reset();
    expect(picks.values()).toEqual({ base: 'chat', tuned: 'none' });
    expect([picks.param('base'), picks.param('tuned')]).toEqual([null, null]);
  });

  it('a stored run\'s templates stay while its pair is loaded', async () => {
    const { picks } = make({ base: null, tuned: null });
    picks.choose('base', 'urial', 'stored'); // opened before the pair loads
    picks.models(e['lab-sft'], e['lab-rl'], { base: info['lab-sft'], tuned: info['lab-rl'] });
    await picks.settled();
    expect(picks.values()).toEqual({ base: 'urial', tuned: 'chat' });
    expect(picks.hint('base')).toMatch(/^As the stored run read it \(the default is chat/);
  });
});

describe('withoutTemplateChoices', () => {
  const search = '?view=answers&compare.baseTemplate=none&sweep.tb=chat&answers.templateTuned=none&answers.prompt=x&inject.tb=chat';
  it('drops the template choices of the sides whose model changes, nothing else', () => {
    expect(withoutTemplateChoices(search, { base: true, tuned: false })).toBe('?view=answers&answers.templateTuned=none&answers.prompt=x&inject.tb=chat');
    expect(withoutTemplateChoices(search, { base: false, tuned: true })).toBe('?view=answers&compare.baseTemplate=none&sweep.tb=chat&answers.prompt=x&inject.tb=chat');
    expect(withoutTemplateChoices(search, { base: false, tuned: false })).toBe(search);
    expect(withoutTemplateChoices('?sweep.tt=none', { base: true, tuned: true })).toBe('');
  });
});
