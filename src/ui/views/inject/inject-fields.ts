/**
 * The injection view's inputs: the text fields (kept in the URL as `inject.*`), their defaults, the settings
 * of an inject spec they make (or the reason they make none), and the fields a stored spec fills in.
 */
import type { Template } from '../../../engine/types';
import type { InjectHeatmapSettings, InjectSettings, InjectSpec, Side } from '../../../lab/experiments/inject';
import { INJECT_DEFAULTS, INJECT_PRESETS } from '../../../lab/inject';
import { queryParam } from '../../params';
import { parseWhole } from '../sweep-common';

const WEDDING = INJECT_PRESETS[0]!;

export const DEFAULTS = {
  prompt: WEDDING.prompt,
  tb: WEDDING.template as string,
  tt: WEDDING.template as string,
  models: 'both',
  k: String(WEDDING.afterTokens),
  text: WEDDING.injection,
  steps: '16',
  threshold: String(INJECT_DEFAULTS.threshold),
  rel: String(INJECT_DEFAULTS.relThreshold),
  window: String(INJECT_DEFAULTS.window),
  run: String(INJECT_DEFAULTS.run),
  mode: 'greedy',
  seed: '0',
  runs: '8',
  hk: '4, 8, 12, 16',
  htexts: ' You are a murderer.\n Suddenly the sea caught fire.\n The end.',
} as const;
export type Field = keyof typeof DEFAULTS;
export type Fields = Record<Field, string>;

/** The fields from the URL (`inject.<field>`), else the defaults. */
export function initialFields(): Fields {
  const out = {} as Fields;
  for (const k of Object.keys(DEFAULTS) as Field[]) out[k] = queryParam(`inject.${k}`) ?? DEFAULTS[k];
  return out;
}

const asTemplate = (s: string): Template => (s === 'chat' ? 'chat' : 'none');

export function sidesOf(f: Fields): Side[] {
  return f.models === 'base' ? ['base'] : f.models === 'tuned' ? ['tuned'] : ['base', 'tuned'];
}

/** The spec's prompt, seed and settings (no heatmap) from the fields, or what is wrong with them. */
export function settingsFrom(f: Fields): { prompt: string; seed: number; settings: InjectSettings } | string {
  if (f.prompt.trim() === '') return 'Type a prompt first.';
  const k = parseWhole(f.k, 'The injection point K', 0, 1000);
  if (typeof k === 'string') return k;
  const steps = parseWhole(f.steps, 'Steps', 1, 512);
  if (typeof steps === 'string') return steps;
  const threshold = Number(f.threshold);
  if (!(threshold > 0) || !Number.isFinite(threshold) || threshold > 1000) return `The KL threshold must be a number > 0 (at most 1000), got "${f.threshold}".`;
  const rel = Number(f.rel);
  if (f.rel.trim() === '' || !(rel >= 0) || !Number.isFinite(rel) || rel > 1000) return `The relative threshold must be a number ≥ 0 (at most 1000), got "${f.rel}".`;
  const window = parseWhole(f.window, 'The alignment window W', 0, 64);
  if (typeof window === 'string') return window;
  const run = parseWhole(f.run, 'The recovery run R', 1, 512);
  if (typeof run === 'string') return run;
  const sampled = f.mode === 'sampled';
  const seed = sampled ? parseWhole(f.seed, 'The seed', 0, 2 ** 31) : 0;
  if (typeof seed === 'string') return seed;
  const runs = sampled ? parseWhole(f.runs, 'Runs', 1, 200) : 1;
  if (typeof runs === 'string') return runs;
  const sides = sidesOf(f);
  const templates: Partial<Record<Side, Template>> = {};
  for (const s of sides) templates[s] = asTemplate(s === 'base' ? f.tb : f.tt);
  return {
    prompt: f.prompt,
    seed,
    settings: { sides, templates, after_tokens: k, injection: f.text, steps, threshold, rel_threshold: rel, window, run, mode: sampled ? 'sampled' : 'greedy', runs, temperature: 1, heatmap: null },
  };
}

/** The heatmap's injection points × texts from the fields, or what is wrong with them. */
export function heatmapFrom(f: Fields): InjectHeatmapSettings | string {
  const ks: number[] = [];
  for (const part of f.hk.split(',').map((x) => x.trim()).filter(Boolean)) {
    const k = parseWhole(part, 'Each injection point', 0, 1000);
    if (typeof k === 'string') return k;
    ks.push(k);
  }
  if (!ks.length) return 'List at least one injection point K (e.g. 4, 8, 12).';
  const texts = f.htexts.split('\n').filter((t) => t.trim() !== '');
  if (!texts.length) return 'Write at least one injected text (one per line).';
  if (ks.length * texts.length > 400) return 'At most 400 cells (injection points × texts).';
  return { after_tokens: ks, injections: texts };
}

/** The fields a spec fills in (a stored run, a shared link); the others keep their values. */
export function fieldsFromSpec(f: Fields, spec: InjectSpec): Fields {
  const s = spec.settings;
  const both = s.sides.length === 2;
  return {
    ...f,
    prompt: spec.prompt,
    models: both ? 'both' : s.sides[0]!,
    tb: s.templates.base ?? f.tb,
    tt: s.templates.tuned ?? f.tt,
    k: String(s.after_tokens),
    text: s.injection,
    steps: String(s.steps),
    threshold: String(s.threshold),
    rel: String(s.rel_threshold),
    window: String(s.window),
    run: String(s.run),
    mode: s.mode,
    seed: String(spec.seed),
    runs: s.mode === 'sampled' ? String(s.runs) : f.runs,
    ...(s.heatmap ? { hk: s.heatmap.after_tokens.join(', '), htexts: s.heatmap.injections.join('\n') } : {}),
  };
}
