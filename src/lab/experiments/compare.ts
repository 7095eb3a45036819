/**
 * The compare experiment as data (issue #14): base vs tuned, token by token, teacher-forced.
 *
 * Spec settings: both templates, where the response comes from (typed, or either model's answer, greedy
 * or sampled at a temperature with the spec's seed), max tokens, the on-policy samples, cross-scoring and
 * the alternatives listed per position. The result `data` is what `lab compare … --json` prints: every
 * field of `compareJson` plus what the page shows (context texts, templates, each position's top
 * alternatives and KL to the sharpened base, the on-policy samples, how the response came about).
 * The noise floor (held-out human text under both models) is part of every run (cached per pair of
 * engines, since it does not depend on the prompt).
 */
import type { Engine } from '../../engine/types';
import { LabAbortError } from '../../engine/errors';
import { compare, contextIds, neutralControls, type Alternative, type BaseTemplate, type CompareResult, type NeutralControls, type PositionRecord, type TunedTemplate } from '../compare';
import { generate } from '../generate';
import { readResultEnvelope, readSpecEnvelope } from './envelope';
import { read } from './json-safety';
import { ExperimentDataError, RESULT_VERSION, SPEC_VERSION, type ResultEnvelope, type RunContext, type Runner, type SpecEnvelope } from './types';

export const COMPARE_BASE_TEMPLATES: readonly BaseTemplate[] = ['none', 'urial', 'chat'];
export const COMPARE_TUNED_TEMPLATES: readonly TunedTemplate[] = ['chat', 'none'];
export const RESPONSE_SOURCES = ['typed', 'base', 'tuned'] as const;
export type ResponseSource = (typeof RESPONSE_SOURCES)[number];

/** Bounds of the settings (the CLI's LIMITS and the page's form use the same ones). */
export const COMPARE_LIMITS = { maxTokens: 4096, samples: 256, temperature: 5, alternatives: 50 } as const;

export interface CompareSettings {
  templates: { base: BaseTemplate; tuned: TunedTemplate };
  /** Where the response comes from: typed (`response`), or the base's / tuned model's own answer. */
  response_source: ResponseSource;
  /** The typed response ('' unless `response_source` is `typed`). */
  response: string;
  /** Temperature of a generated response: 0 = greedy; above 0 sampled with the spec's seed. */
  response_temperature: number;
  /** Length limit of generated answers (the response, the on-policy samples, cross-scoring). */
  max_tokens: number;
  /** Own samples per model at T = 1 for the on-policy branching factor (0 = skip). */
  samples: number;
  /** Also let each model answer greedily and score each answer under both. */
  cross: boolean;
  /** Alternatives listed per position and model. */
  alternatives: number;
}

export type CompareSpec = SpecEnvelope<'compare', CompareSettings>;

/** How the scored response came about. */
export interface ResponseOrigin {
  source: ResponseSource;
  /** Temperature of a generated response (0 = greedy; null for a typed one). */
  temperature: number | null;
  /** Why generation stopped (null for a typed response). */
  stopped: 'eos' | 'length' | null;
  /** In words, for the page's heading ("tuned's answer (greedy, ended)"). */
  text: string;
}

export type CompareData = CompareResult & { response: ResponseOrigin };
export type CompareResultEnvelope = ResultEnvelope<'compare', CompareData>;

export const COMPARE_DEFAULTS: CompareSettings = {
  templates: { base: 'none', tuned: 'chat' },
  response_source: 'tuned',
  response: '',
  response_temperature: 0,
  max_tokens: 64,
  samples: 16,
  cross: false,
  alternatives: 5,
};

// ------------------------------------------------------------------------------------------- running

/** The noise floor depends only on the pair: one computation per pair of engines. */
const controlsCache = new WeakMap<Engine, WeakMap<Engine, Promise<NeutralControls>>>();

function controlsFor(base: Engine, tuned: Engine): Promise<NeutralControls> {
  let inner = controlsCache.get(base);
  if (!inner) controlsCache.set(base, (inner = new WeakMap()));
  let p = inner.get(tuned);
  if (!p) {
    p = neutralControls(base, tuned);
    inner.set(tuned, p);
    p.catch(() => inner!.delete(tuned));
  }
  return p;
}

function aborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new LabAbortError('compare');
}

export async function runCompare(spec: CompareSpec, ctx: RunContext): Promise<CompareResultEnvelope> {
  const base = ctx.engines.base;
  const tuned = ctx.engines.tuned;
  if (!base || !tuned) throw new RangeError('compare needs both models loaded (base and tuned)');
  const s = spec.settings;
  const { signal } = ctx;
  if (spec.prompt.trim() === '') throw new RangeError('the prompt is empty: type one');
  if (s.response_source === 'typed' && s.response === '') throw new RangeError('the response is empty: type one, or let a model answer');
  const generated = s.response_source !== 'typed';
  const stages = (generated ? 1 : 0) + 2 + (s.samples > 0 ? 1 : 0) + (s.cross ? 1 : 0);
  let stage = 0;
  const report = (message: string) => ctx.onProgress?.({ done: stage, total: stages, message });

  let responseIds: number[] | undefined;
  let origin: ResponseOrigin = { source: 'typed', temperature: null, stopped: null, text: 'typed response' };
  if (generated) {
    const side = s.response_source as 'base' | 'tuned';
    const engine = side === 'base' ? base : tuned;
    const template = s.templates[side];
    const context = await contextIds(engine, spec.prompt, template);
    const room = (await engine.info()).contextLength - context.length;
    if (room <= 0) throw new RangeError(`the prompt takes ${context.length} tokens and the ${side} model's context holds ${context.length + room}: shorten the prompt`);
    let n = 0;
    report(`The ${side} model is answering… 0 / ${s.max_tokens} tokens`);
    const t = s.response_temperature;
    const g = await generate(engine, context, {
      maxTokens: Math.min(s.max_tokens, room),
      ...(t > 0 ? { sampling: { temperature: t, topK: 0, topP: 1, minP: 0 }, seed: spec.seed } : {}),
      ...(signal ? { signal } : {}),
      onToken: () => {
        n++;
        report(`The ${side} model is answering… ${n} / ${s.max_tokens} tokens`);
      },
    });
    responseIds = g.ids;
    origin = {
      source: side,
      temperature: t,
      stopped: g.stopped,
      text: `${side}'s answer (${t > 0 ? `sampled at T = ${t}, seed ${spec.seed}` : 'greedy'}, ${g.stopped === 'eos' ? 'ended' : 'length limit'})`,
    };
    stage++;
  }
  aborted(signal);
  report('Scoring held-out human text under both models (the noise floor)…');
  const controls = await controlsFor(base, tuned);
  stage++;
  aborted(signal);
  report(`Scoring under both models${s.samples > 0 ? `, then ${s.samples} samples of each at T = 1 for the branching factor` : ''}${s.cross ? ', then cross-scoring each model’s greedy answer' : ''}…`);
  const r = await compare({
    base,
    tuned,
    prompt: spec.prompt,
    ...(responseIds ? { responseIds } : { response: s.response }),
    baseTemplate: s.templates.base,
    tunedTemplate: s.templates.tuned,
    maxTokens: s.max_tokens,
    crossScore: s.cross,
    samples: s.samples,
    seed: spec.seed,
    controls,
    alternatives: s.alternatives,
    ...(signal ? { signal } : {}),
  });
  aborted(signal);
  stage = stages;
  report('Done');
  return { kind: 'compare', version: RESULT_VERSION, data: compareData(r, origin) };
}

/** The result data: the CLI's `compareJson` fields (every position's full record) and what the page needs. */
export function compareData(r: CompareResult, response: ResponseOrigin): CompareData {
  return {
    contexts: r.contexts,
    context_texts: r.context_texts,
    templates: r.templates,
    response,
    response_tokens: r.response_tokens,
    positions: r.positions,
    summary: r.summary,
    shifted_tokens: r.shifted_tokens,
    by_position: r.by_position,
    ...(r.cross ? { cross: r.cross } : {}),
    ...(r.on_policy ? { on_policy: r.on_policy } : {}),
  };
}

// ---------------------------------------------------------------------------------------- validation

export function readCompareSettings(x: unknown, path = 'spec.settings'): CompareSettings {
  const o = read.object(x, path);
  const t = read.object(o['templates'], `${path}.templates`);
  const source = read.oneOf(o['response_source'], `${path}.response_source`, RESPONSE_SOURCES);
  const response = read.string(o['response'], `${path}.response`, { max: 200_000 });
  if (source === 'typed' && response === '') throw new ExperimentDataError('must not be empty when response_source is "typed"', `${path}.response`);
  return {
    templates: { base: read.oneOf(t['base'], `${path}.templates.base`, COMPARE_BASE_TEMPLATES), tuned: read.oneOf(t['tuned'], `${path}.templates.tuned`, COMPARE_TUNED_TEMPLATES) },
    response_source: source,
    response,
    response_temperature: read.number(o['response_temperature'], `${path}.response_temperature`, 0, COMPARE_LIMITS.temperature),
    max_tokens: read.int(o['max_tokens'], `${path}.max_tokens`, 1, COMPARE_LIMITS.maxTokens),
    samples: read.int(o['samples'], `${path}.samples`, 0, COMPARE_LIMITS.samples),
    cross: read.boolean(o['cross'], `${path}.cross`),
    alternatives: read.int(o['alternatives'], `${path}.alternatives`, 0, COMPARE_LIMITS.alternatives),
  };
}

export function validateCompareSpec(x: unknown): CompareSpec {
  const env = readSpecEnvelope(x, 'compare');
  if (!env.models.base) throw new ExperimentDataError('a compare spec needs the base model', 'spec.models.base');
  if (!env.models.tuned) throw new ExperimentDataError('a compare spec needs the tuned model', 'spec.models.tuned');
  if (env.prompt.trim() === '') throw new ExperimentDataError('must not be empty', 'spec.prompt');
  return { ...env, kind: 'compare', settings: readCompareSettings(env.settings) };
}

const ids = (x: unknown, path: string) => read.array(x, path).map((v, i) => read.int(v, `${path}[${i}]`, 0));
const nums = (x: unknown, path: string) => read.array(x, path).map((v, i) => read.number(v, `${path}[${i}]`));
const nullableNum = (x: unknown, path: string) => (x === null ? null : read.number(x, path));
const token = (x: unknown, path: string) => {
  const o = read.object(x, path);
  return { id: read.int(o['id'], `${path}.id`, 0), text: read.string(o['text'], `${path}.text`) };
};
const alternatives = (x: unknown, path: string): Alternative[] =>
  read.array(x, path).map((v, i) => {
    const o = read.object(v, `${path}[${i}]`);
    return { ...token(o, `${path}[${i}]`), prob: read.number(o['prob'], `${path}[${i}].prob`, 0, 1) };
  });

function readPosition(x: unknown, path: string): PositionRecord {
  const o = read.object(x, path);
  const n = (k: string, min = -Infinity) => read.number(o[k], `${path}.${k}`, min);
  return {
    id: read.int(o['id'], `${path}.id`, 0),
    text: read.string(o['text'], `${path}.text`),
    logp_base: n('logp_base'),
    logp_tuned: n('logp_tuned'),
    rank_base: read.int(o['rank_base'], `${path}.rank_base`, 1),
    rank_tuned: read.int(o['rank_tuned'], `${path}.rank_tuned`, 1),
    kl_tuned_base: n('kl_tuned_base'),
    entropy_base: n('entropy_base', 0),
    entropy_tuned: n('entropy_tuned', 0),
    top1_base: token(o['top1_base'], `${path}.top1_base`),
    top1_tuned: token(o['top1_tuned'], `${path}.top1_tuned`),
    class: read.oneOf(o['class'], `${path}.class`, ['unshifted', 'marginal', 'shifted'] as const),
    kl_tuned_sharpened: n('kl_tuned_sharpened'),
    top_base: alternatives(o['top_base'], `${path}.top_base`),
    top_tuned: alternatives(o['top_tuned'], `${path}.top_tuned`),
    counted: read.boolean(o['counted'], `${path}.counted`),
  };
}

function readControls(x: unknown, path: string): NeutralControls {
  const o = read.object(x, path);
  const f = (k: string) => read.number(o[k], `${path}.${k}`, 0);
  return {
    unshifted_on_neutral_text: f('unshifted_on_neutral_text'),
    marginal_on_neutral_text: f('marginal_on_neutral_text'),
    shifted_on_neutral_text: f('shifted_on_neutral_text'),
    mean_kl_on_neutral_text: f('mean_kl_on_neutral_text'),
    tokens: read.int(o['tokens'], `${path}.tokens`, 0),
    docs: read.array(o['docs'], `${path}.docs`).map((d, i) => read.string(d, `${path}.docs[${i}]`)),
  };
}

function readCross(x: unknown, path: string): NonNullable<CompareResult['cross']> {
  const o = read.object(x, path);
  const one = (k: string) => {
    const g = read.object(o[k], `${path}.${k}`);
    return { ids: ids(g['ids'], `${path}.${k}.ids`), text: read.string(g['text'], `${path}.${k}.text`), logp_base: read.number(g['logp_base'], `${path}.${k}.logp_base`), logp_tuned: read.number(g['logp_tuned'], `${path}.${k}.logp_tuned`) };
  };
  return { base_greedy: one('base_greedy'), tuned_greedy: one('tuned_greedy') };
}

export function readCompareData(x: unknown, path = 'result.data'): CompareData {
  const o = read.object(x, path);
  const pair = <T>(v: unknown, p: string, f: (y: unknown, q: string) => T) => {
    const q = read.object(v, p);
    return { base: f(q['base'], `${p}.base`), tuned: f(q['tuned'], `${p}.tuned`) };
  };
  const positions = read.array(o['positions'], `${path}.positions`).map((p, i) => readPosition(p, `${path}.positions[${i}]`));
  const s = read.object(o['summary'], `${path}.summary`);
  const sn = (k: string, min = -Infinity) => read.number(s[k], `${path}.summary.${k}`, min);
  const resp = read.object(o['response'], `${path}.response`);
  const templates = read.object(o['templates'], `${path}.templates`);
  const bp = read.object(o['by_position'], `${path}.by_position`);
  const by_position = { kl: nums(bp['kl'], `${path}.by_position.kl`), branching_base: nums(bp['branching_base'], `${path}.by_position.branching_base`), branching_tuned: nums(bp['branching_tuned'], `${path}.by_position.branching_tuned`) };
  for (const k of ['kl', 'branching_base', 'branching_tuned'] as const) {
    if (by_position[k].length !== positions.length) throw new ExperimentDataError(`has ${by_position[k].length} values for ${positions.length} positions`, `${path}.by_position.${k}`);
  }
  const data: CompareData = {
    contexts: pair(o['contexts'], `${path}.contexts`, ids),
    context_texts: pair(o['context_texts'], `${path}.context_texts`, (v, p) => read.string(v, p)),
    templates: { base: read.oneOf(templates['base'], `${path}.templates.base`, COMPARE_BASE_TEMPLATES), tuned: read.oneOf(templates['tuned'], `${path}.templates.tuned`, COMPARE_TUNED_TEMPLATES) },
    response: {
      source: read.oneOf(resp['source'], `${path}.response.source`, RESPONSE_SOURCES),
      temperature: nullableNum(resp['temperature'], `${path}.response.temperature`),
      stopped: resp['stopped'] === null ? null : read.oneOf(resp['stopped'], `${path}.response.stopped`, ['eos', 'length'] as const),
      text: read.string(resp['text'], `${path}.response.text`, { max: 1000 }),
    },
    response_tokens: read.array(o['response_tokens'], `${path}.response_tokens`).map((t, i) => token(t, `${path}.response_tokens[${i}]`)),
    positions,
    summary: {
      unshifted: sn('unshifted', 0),
      marginal: sn('marginal', 0),
      shifted: sn('shifted', 0),
      mean_kl: sn('mean_kl'),
      branching_factor_base: sn('branching_factor_base'),
      branching_factor_tuned: sn('branching_factor_tuned'),
      bf_on_policy_base: nullableNum(s['bf_on_policy_base'], `${path}.summary.bf_on_policy_base`),
      bf_on_policy_tuned: nullableNum(s['bf_on_policy_tuned'], `${path}.summary.bf_on_policy_tuned`),
      bf_nudged_base: nullableNum(s['bf_nudged_base'], `${path}.summary.bf_nudged_base`),
      controls: readControls(s['controls'], `${path}.summary.controls`),
      gamma: sn('gamma'),
      mean_kl_sharpened: sn('mean_kl_sharpened'),
      sharpening_explains: sn('sharpening_explains'),
    },
    shifted_tokens: read.array(o['shifted_tokens'], `${path}.shifted_tokens`).map((t, i) => {
      const q = read.object(t, `${path}.shifted_tokens[${i}]`);
      return { text: read.string(q['text'], `${path}.shifted_tokens[${i}].text`), count: read.int(q['count'], `${path}.shifted_tokens[${i}].count`, 1) };
    }),
    by_position,
  };
  if (data.response_tokens.length !== positions.length) throw new ExperimentDataError(`has ${data.response_tokens.length} tokens for ${positions.length} positions`, `${path}.response_tokens`);
  if (o['cross'] !== undefined) data.cross = readCross(o['cross'], `${path}.cross`);
  if (o['on_policy'] !== undefined) {
    const q = read.object(o['on_policy'], `${path}.on_policy`);
    const lists = (v: unknown, p: string) => read.array(v, p).map((l, i) => ids(l, `${p}[${i}]`));
    data.on_policy = { seed: read.int(q['seed'], `${path}.on_policy.seed`, 0), base: lists(q['base'], `${path}.on_policy.base`), tuned: lists(q['tuned'], `${path}.on_policy.tuned`) };
  }
  return data;
}

export function validateCompareResult(x: unknown): CompareResultEnvelope {
  const env = readResultEnvelope(x, 'compare');
  return { kind: 'compare', version: env.version, data: readCompareData(env.data) };
}

// ------------------------------------------------------------------------------------------ the runner

/** The last part of a repo or folder (`models/lab-base` → `lab-base`). */
export function shortModelName(repo: string | undefined): string {
  if (!repo) return '?';
  return repo.replace(/[/\\]+$/, '').split(/[/\\]/).pop() || repo;
}

export function quoteTitle(prompt: string, max = 48): string {
  const one = prompt.replace(/\s+/g, ' ').trim();
  return `“${one.length > max ? `${one.slice(0, max - 1)}…` : one}”`;
}

export const compareRunner: Runner<'compare', CompareSettings, CompareData> = {
  kind: 'compare',
  sides: () => ['base', 'tuned'],
  run: runCompare,
  validateSpec: validateCompareSpec,
  validateResult: validateCompareResult,
  title: (spec) => `compare · ${shortModelName(spec.models.base?.repo)} vs ${shortModelName(spec.models.tuned?.repo)} · ${quoteTitle(spec.prompt)}`,
  headline: (d) => ({
    unshifted: d.summary.unshifted,
    marginal: d.summary.marginal,
    shifted: d.summary.shifted,
    unshifted_on_neutral_text: d.summary.controls.unshifted_on_neutral_text,
    marginal_on_neutral_text: d.summary.controls.marginal_on_neutral_text,
    shifted_on_neutral_text: d.summary.controls.shifted_on_neutral_text,
    mean_kl: d.summary.mean_kl,
    mean_kl_on_neutral_text: d.summary.controls.mean_kl_on_neutral_text,
    bf_on_policy_base: d.summary.bf_on_policy_base,
    bf_on_policy_tuned: d.summary.bf_on_policy_tuned,
    bf_nudged_base: d.summary.bf_nudged_base,
    branching_factor_base: d.summary.branching_factor_base,
    branching_factor_tuned: d.summary.branching_factor_tuned,
    gamma: d.summary.gamma,
    sharpening_explains: d.summary.sharpening_explains,
    response_tokens: d.positions.length,
  }),
};

/** A compare spec from its parts (the page's form and the CLI's flags both build one here). */
export function compareSpec(models: CompareSpec['models'], prompt: string, seed: number, settings: Partial<CompareSettings> = {}): CompareSpec {
  return { kind: 'compare', version: SPEC_VERSION, models, prompt, seed, settings: { ...COMPARE_DEFAULTS, ...settings, templates: { ...COMPARE_DEFAULTS.templates, ...settings.templates } } };
}
