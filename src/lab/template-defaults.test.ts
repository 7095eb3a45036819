/**
 * The views' template defaults (src/lab/template-defaults.ts): each loaded model's default on each side for
 * every ordered pair of the lab-grown family (and two hub-like stand-ins), checked against pairTemplates /
 * the family's own `chat` flag, with the hint saying why; and the pick rules: an explicit choice (link,
 * stored run, shared spec, the user's select) wins for the model it was made for, a default follows the
 * model, and a side whose model changes falls back to the new model's default.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveModelSource } from '../cli/context';
import type { LabEngine } from '../engine/engine';
import { LAB_FAMILY, type LabName } from '../engine/family';
import { createNodeEngine } from '../engine/node';
import { explicitPick, initialPick, isExplicit, modelDefault, pickHint, settlePick, type ModelDefault, type TemplatePick } from './template-defaults';
import { pairTemplates } from './templates';

const engines = {} as Record<LabName, LabEngine>;
const NAMES = LAB_FAMILY.map((s) => s.name);
const standins: Record<string, LabEngine> = {};

beforeAll(async () => {
  for (const n of NAMES) {
    engines[n] = createNodeEngine('node');
    await engines[n].load(resolveModelSource(n));
  }
  for (const f of ['smollm2-optimum', 'smollm2-base-optimum']) {
    standins[f] = createNodeEngine('node');
    await standins[f].load(`models/standins/${f}`, { dtype: 'fp32' });
  }
}, 180_000);
afterAll(async () => {
  for (const e of [...Object.values(engines), ...Object.values(standins)]) await e.dispose();
});

describe('each model\'s default template, for every ordered pair of the family', () => {
  for (const plainBase of ['urial', 'none'] as const) {
    for (const b of NAMES) {
      for (const t of NAMES) {
        it(`${b} vs ${t} (a plain base reads ${plainBase})`, async () => {
          const [db, dt] = await Promise.all([modelDefault(engines[b], 'base', plainBase), modelDefault(engines[t], 'tuned', plainBase)]);
          // the same templates as the library's pairTemplates (what compare() and the CLI use)
          expect({ base: db.value, tuned: dt.value }).toEqual(await pairTemplates(engines[b], engines[t], plainBase));
          // and as the family says: chat for lab-sft / lab-rl on either side, lab-base plain
          const chat = (n: LabName) => LAB_FAMILY.find((s) => s.name === n)!.chat;
          expect(db.value).toBe(chat(b) ? 'chat' : plainBase);
          expect(dt.value).toBe(chat(t) ? 'chat' : 'none');
          expect(db.model).toBe((await engines[b].info()).source);
          expect(dt.model).toBe((await engines[t].info()).source);
          // the hint names the model and says why
          expect(db.why.startsWith(`${b} is `)).toBe(true);
          expect(dt.why.startsWith(`${t} is `)).toBe(true);
          if (chat(b)) expect(db.why).toBe(`${b} is chat-tuned: it reads its chat template on the base side too`);
          else expect(db.why).toMatch(plainBase === 'urial' ? /pre-trained only .*URIAL's few-shot frame/ : /pre-trained only .*the prompt as plain text$/);
          if (!chat(t)) expect(dt.why).toMatch(/on the tuned side too$/);
        });
      }
    }
  }

  it('hub-like stand-ins: an instruct export is chat-tuned on the base side; a base export without a template reads plain text', async () => {
    const instruct = await modelDefault(standins['smollm2-optimum']!, 'base', 'urial');
    expect(instruct.value).toBe('chat');
    expect(instruct.why).toMatch(/is chat-tuned \(its generation config stops at its chat template's end of turn\)/);
    const base = await modelDefault(standins['smollm2-base-optimum']!, 'base', 'urial');
    expect(base.value).toBe('urial');
    expect(base.why).toMatch(/has no chat template: it reads URIAL's few-shot frame/);
    const baseAsTuned = await modelDefault(standins['smollm2-base-optimum']!, 'tuned', 'urial');
    expect(baseAsTuned.value).toBe('none');
    expect((await modelDefault(standins['smollm2-optimum']!, 'tuned', 'none')).value).toBe('chat');
  });
});

describe('picks: an explicit choice wins, a default follows the model', () => {
  const sft: ModelDefault = { model: './models/lab-sft/', value: 'chat', why: 'lab-sft is chat-tuned: it reads its chat template on the base side too' };
  const base: ModelDefault = { model: './models/lab-base/', value: 'urial', why: "lab-base is pre-trained only (not chat-tuned): it reads URIAL's few-shot frame (plain text)" };

  it('a default settles to the loaded model\'s default, and follows when the model changes', () => {
    const p0 = initialPick<string>(null, 'urial');
    expect(isExplicit(p0)).toBe(false);
    expect(settlePick(p0, null)).toBe(p0); // nothing loaded: unchanged
    const p1 = settlePick(p0, sft);
    expect(p1).toEqual({ value: 'chat', source: 'default', model: sft.model });
    expect(settlePick(p1, sft)).toBe(p1); // unchanged: the same object
    expect(settlePick(p1, base)).toEqual({ value: 'urial', source: 'default', model: base.model });
  });

  for (const source of ['link', 'stored', 'shared', 'user'] as const) {
    it(`a ${source} choice made before the pair loads holds for the first model, then yields when that side's model changes`, () => {
      const p0: TemplatePick = source === 'link' ? initialPick('none', 'urial') : explicitPick('none', source, null);
      expect(p0.source).toBe(source);
      expect(isExplicit(p0)).toBe(true);
      const p1 = settlePick(p0, sft); // lab-sft's default is chat: the explicit none wins
      expect(p1).toEqual({ value: 'none', source, model: sft.model });
      expect(settlePick(p1, sft)).toBe(p1);
      expect(pickHint(p1, sft)).toContain(`(the default is chat: ${sft.why})`);
      // the base side's model changes: the choice was for lab-sft, lab-base's default takes over
      expect(settlePick(p1, base)).toEqual({ value: 'urial', source: 'default', model: base.model });
    });
    it(`a ${source} choice made for the loaded model stays when that model reloads (the same source)`, () => {
      const p = explicitPick('urial', source === 'link' ? 'user' : source, sft.model);
      expect(settlePick(p, { ...sft })).toBe(p);
      expect(settlePick(p, base)).toEqual({ value: 'urial', source: 'default', model: base.model });
    });
  }

  it('hints: why the default is what it is, or where a choice came from', () => {
    expect(pickHint(settlePick(initialPick<string>(null, 'urial'), sft), sft)).toBe(`Default: ${sft.why}.`);
    expect(pickHint(explicitPick('chat', 'user', sft.model), sft)).toBe('Chosen here (also the default).');
    expect(pickHint(explicitPick('none', 'stored', sft.model), sft)).toBe(`As the stored run read it (the default is chat: ${sft.why}).`);
    expect(pickHint(initialPick('none', 'urial'), null)).toBe('Set by the link');
    expect(pickHint(initialPick<string>(null, 'urial'), null)).toMatch(/follows the model/);
  });
});
