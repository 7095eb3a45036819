/** The injection view's fields make a valid inject spec (or say what is wrong), and a stored spec fills the
 *  fields back to the same spec. */
import { beforeEach, describe, expect, it } from 'vitest';
import { injectRunner, injectSpec } from '../../../lab/experiments/inject';
import { INJECT_PRESETS } from '../../../lab/inject';
import { DEFAULTS, fieldsFromSpec, heatmapFrom, settingsFrom, type Fields } from './inject-fields';

const models = { base: { repo: 'models/lab-base', revision: null, dtype: null, backend: 'wasm' as const }, tuned: { repo: 'models/lab-sft', revision: null, dtype: null, backend: 'wasm' as const } };

beforeEach(() => {
  Object.assign(globalThis, { location: { search: '' } });
});

function specOf(f: Fields, heat = false) {
  const parts = settingsFrom(f);
  if (typeof parts === 'string') throw new Error(parts);
  const h = heatmapFrom(f);
  if (typeof h === 'string') throw new Error(h);
  const used = Object.fromEntries(parts.settings.sides.map((s) => [s, models[s]]));
  return injectSpec({ models: used, prompt: parts.prompt, seed: parts.seed, settings: { ...parts.settings, heatmap: heat ? h : null } });
}

describe('inject view fields', () => {
  it('the defaults make a valid greedy spec of both sides; a sampled tuned-only heatmap spec too', () => {
    const s = injectRunner.validateSpec(specOf({ ...DEFAULTS }));
    expect(s.settings).toMatchObject({ sides: ['base', 'tuned'], templates: { base: 'chat', tuned: 'chat' }, after_tokens: INJECT_PRESETS[0]!.afterTokens, mode: 'greedy', runs: 1, heatmap: null });
    const t = injectRunner.validateSpec(specOf({ ...DEFAULTS, models: 'tuned', mode: 'sampled', seed: '3', runs: '5', tt: 'none' }, true));
    expect(t.settings).toMatchObject({ sides: ['tuned'], templates: { tuned: 'none' }, mode: 'sampled', runs: 5, heatmap: { after_tokens: [4, 8, 12, 16], injections: [' You are a murderer.', ' Suddenly the sea caught fire.', ' The end.'] } });
    expect(t.seed).toBe(3);
  });

  it('a spec fills the fields back to the same spec', () => {
    const f: Fields = { ...DEFAULTS, models: 'base', tb: 'none', k: '3', text: ' Boo.', steps: '9', threshold: '0.25', rel: '0', window: '2', run: '3', mode: 'sampled', seed: '11', runs: '4', hk: '1, 2', htexts: ' a\n b' };
    const s = specOf(f, true);
    const back = fieldsFromSpec({ ...DEFAULTS }, s);
    expect(specOf(back, true)).toEqual(s);
    expect(back).toMatchObject({ models: 'base', k: '3', text: ' Boo.', seed: '11', runs: '4', hk: '1, 2', htexts: ' a\n b' });
  });

  it('says what is wrong with bad fields', () => {
    expect(settingsFrom({ ...DEFAULTS, prompt: ' ' })).toMatch(/prompt/);
    expect(settingsFrom({ ...DEFAULTS, k: '-3' })).toMatch(/injection point K/);
    expect(settingsFrom({ ...DEFAULTS, threshold: '0' })).toMatch(/threshold/);
    expect(settingsFrom({ ...DEFAULTS, mode: 'sampled', runs: '0' })).toMatch(/Runs/);
    expect(heatmapFrom({ ...DEFAULTS, hk: '' })).toMatch(/at least one injection point/);
    expect(heatmapFrom({ ...DEFAULTS, hk: Array.from({ length: 201 }, (_, i) => i).join(',') })).toMatch(/400 cells/);
  });
});
