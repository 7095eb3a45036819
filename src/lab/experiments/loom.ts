/**
 * A loom path as data (issue #14): what the Explore view shows along one path through the loom.
 *
 * Spec settings: the template, the path (token ids after the prompt, in the models' shared vocabulary),
 * the sampling settings (the processed probabilities use them), how many rows each step lists (`k`),
 * and the side that samples (`drive`, the one whose numbers colour the text). `models` names the sides:
 * one model, or both on the same token path (they must share a tokenizer).
 *
 * Result data: per step of the path (step i = the distribution after the prompt and the first i tokens;
 * the last step is the distribution after the whole path), per side the top k (rank, probability,
 * log-probability, processed probability), the entropy raw and processed, the mass outside the list,
 * the probability and rank of the token the path takes there, and with two sides KL(tuned ‖ base).
 * Computed on `Loom` from src/lab/loom.ts, one forward pass per token per model, so a stored path shows
 * the numbers the interactive loom showed.
 */
import type { Engine, Template } from '../../engine/types';
import { klDivergence, type SamplingSettings } from '../distributions';
import { lookupToken, Loom, sameTokenizer, stepDistribution } from '../loom';
import { readResultEnvelope, readSpecEnvelope } from './envelope';
import { read } from './json-safety';
import { ExperimentDataError, RESULT_VERSION, type ResultEnvelope, type Runner, type SpecEnvelope } from './types';

export type Side = 'base' | 'tuned';
const SIDE_ORDER: readonly Side[] = ['base', 'tuned'];
const TEMPLATES = ['none', 'chat'] as const;

/** Longest path a spec may carry (tokens), and most rows per step. */
export const MAX_LOOM_PATH = 1024;
export const MAX_LOOM_K = 500;

export interface LoomSettings {
  template: Template;
  path: number[];
  sampling: SamplingSettings;
  k: number;
  drive: Side;
}

export type LoomSpec = SpecEnvelope<'loom', LoomSettings>;

export interface LoomRow {
  id: number;
  /** The token's text on its own (decoded individually). */
  text: string;
  rank: number;
  prob: number;
  logprob: number;
  processed_prob: number;
}

export interface LoomStepSide {
  entropy: number;
  processed_entropy: number;
  mass_outside: number;
  processed_mass_outside: number;
  /** Tokens the processed distribution keeps. */
  kept: number;
  top: LoomRow[];
  /** The token the path takes at this step, in this distribution; null at the last step. */
  chosen: LoomRow | null;
}

export interface LoomStep {
  /** The token the path takes after this step's distribution; null at the last step. */
  token: number | null;
  sides: Partial<Record<Side, LoomStepSide>>;
  /** KL(tuned ‖ base) of the raw distributions, nats; null with one side. */
  kl_tuned_base: number | null;
}

export interface LoomData {
  template: Template;
  sampling: SamplingSettings;
  k: number;
  drive: Side;
  vocab_size: number;
  prompt_tokens: { id: number; text: string }[];
  path: { id: number; text: string }[];
  /** Sum of the raw log-probabilities of the path's tokens, per side. */
  path_logprob: Partial<Record<Side, number>>;
  steps: LoomStep[];
}

export type LoomResult = ResultEnvelope<'loom', LoomData>;

export function loomSides(spec: Pick<LoomSpec, 'models'>): Side[] {
  return SIDE_ORDER.filter((s) => spec.models[s] !== undefined);
}

function aborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw Object.assign(new Error('the run was cancelled'), { name: 'LabAbortError' });
}

/** Probabilities as JSON: a processed probability of a cut token is 0, never -0 or NaN. */
function rowOf(r: { id: number; rank: number; prob: number; logprob: number; processedProb: number }): LoomRow {
  return { id: r.id, text: '', rank: r.rank, prob: r.prob, logprob: r.logprob, processed_prob: r.processedProb };
}

function stepSide(logits: Float32Array, settings: LoomSettings, token: number | null): LoomStepSide {
  const d = stepDistribution(logits, settings.sampling, settings.k);
  return {
    entropy: d.entropy,
    processed_entropy: d.processedEntropy,
    mass_outside: d.massOutside,
    processed_mass_outside: d.processedMassOutside,
    kept: d.kept,
    top: d.rows.map(rowOf),
    chosen: token === null ? null : rowOf(lookupToken(logits, settings.sampling, token)),
  };
}

export const loomRunner: Runner<'loom', LoomSettings, LoomData> = {
  kind: 'loom',
  sides: loomSides,
  async run(spec, ctx) {
    const sides = loomSides(spec);
    if (!sides.length) throw new ExperimentDataError('names no model: give a base or a tuned model', 'spec.models');
    const engines: Engine[] = sides.map((s) => {
      const e = ctx.engines[s];
      if (!e) throw new Error(`the ${s} model is not loaded`);
      return e;
    });
    const { settings } = spec;
    if (engines.length === 2 && !(await sameTokenizer(engines[0]!, engines[1]!))) {
      throw new RangeError('the two models have different tokenizers, so one token path cannot be shared: run the path with one model');
    }
    aborted(ctx.signal);
    const first = engines[0]!;
    const promptIds = await first.encode(spec.prompt, settings.template);
    const info = await first.info();
    const bad = settings.path.findIndex((t) => t >= info.vocabSize);
    if (bad >= 0) throw new ExperimentDataError(`token id ${settings.path[bad]} is outside the vocabulary (0..${info.vocabSize - 1})`, `spec.settings.path[${bad}]`);
    if (settings.k > info.vocabSize) throw new ExperimentDataError(`is ${settings.k} but the vocabulary has ${info.vocabSize} tokens`, 'spec.settings.k');
    if (promptIds.length + settings.path.length > info.contextLength) {
      throw new RangeError(`the prompt (${promptIds.length} tokens) and the path (${settings.path.length}) do not fit the model's context of ${info.contextLength}`);
    }
    const total = settings.path.length + 1;
    ctx.onProgress?.({ done: 0, total, message: 'Following the path…' });
    const loom = await Loom.create(engines, promptIds);
    try {
      const steps: LoomStep[] = [];
      const stepAt = async (token: number | null): Promise<void> => {
        const logits = await Promise.all(sides.map((_, m) => loom.logits(m)));
        const step: LoomStep = { token, sides: {}, kl_tuned_base: null };
        sides.forEach((s, m) => (step.sides[s] = stepSide(logits[m]!, settings, token)));
        if (sides.length === 2) step.kl_tuned_base = klDivergence(logits[1]!, logits[0]!);
        steps.push(step);
        ctx.onProgress?.({ done: steps.length, total, message: 'Following the path…' });
      };
      for (const token of settings.path) {
        await stepAt(token);
        aborted(ctx.signal);
        await loom.choose(token, settings.sampling, 'link');
      }
      await stepAt(null);
      const texts = await first.tokenTexts([...promptIds, ...settings.path]);
      // Texts of every listed token, so a stored path renders without a tokenizer.
      const listed = [...new Set(steps.flatMap((st) => Object.values(st.sides).flatMap((x) => x.top.map((r) => r.id))))];
      const listedTexts = new Map((await first.tokenTexts(listed)).map((t, i) => [listed[i]!, t]));
      for (const st of steps) {
        for (const x of Object.values(st.sides)) {
          for (const r of x.top) r.text = listedTexts.get(r.id)!;
          if (x.chosen) x.chosen.text = texts[promptIds.length + steps.indexOf(st)]!;
        }
      }
      const path_logprob: LoomData['path_logprob'] = {};
      sides.forEach((s, m) => (path_logprob[s] = loom.pathLogprob(m)));
      const data: LoomData = {
        template: settings.template,
        sampling: { ...settings.sampling },
        k: settings.k,
        drive: sides.includes(settings.drive) ? settings.drive : sides[0]!,
        vocab_size: info.vocabSize,
        prompt_tokens: promptIds.map((id, i) => ({ id, text: texts[i]! })),
        path: settings.path.map((id, i) => ({ id, text: texts[promptIds.length + i]! })),
        path_logprob,
        steps,
      };
      return { kind: 'loom', version: RESULT_VERSION, data };
    } finally {
      await loom.dispose();
    }
  },
  validateSpec: validateLoomSpec,
  validateResult: validateLoomResult,
  title(spec) {
    const models = loomSides(spec).map((s) => spec.models[s]!.repo.replace(/\/+$/, '').split('/').pop()).join(' vs ');
    const p = spec.prompt.replace(/\s+/g, ' ').trim();
    return `loom path · ${models} · “${p.length > 40 ? `${p.slice(0, 39)}…` : p}” + ${spec.settings.path.length} tokens`;
  },
  headline(data) {
    const out: Record<string, number | null> = {};
    for (const s of SIDE_ORDER) {
      out[`path_logprob_${s}`] = data.path_logprob[s] ?? null;
      const hs = data.steps.map((st) => st.sides[s]?.entropy).filter((h): h is number => h !== undefined);
      out[`mean_entropy_${s}`] = hs.length ? hs.reduce((a, b) => a + b, 0) / hs.length : null;
    }
    const kls = data.steps.map((st) => st.kl_tuned_base).filter((k): k is number => k !== null);
    out['mean_kl'] = kls.length ? kls.reduce((a, b) => a + b, 0) / kls.length : null;
    out['path_tokens'] = data.path.length;
    return out;
  },
};

// ——— validators ———

export function readSampling(x: unknown, path: string): SamplingSettings {
  const o = read.object(x, path);
  return {
    temperature: read.number(o['temperature'], `${path}.temperature`, 0, 5),
    topK: read.int(o['topK'], `${path}.topK`, 0, 1_000_000),
    topP: (() => {
      const p = read.number(o['topP'], `${path}.topP`, 0, 1);
      if (p === 0) throw new ExperimentDataError('must be in (0, 1] (1 = off)', `${path}.topP`);
      return p;
    })(),
    minP: (() => {
      const p = read.number(o['minP'], `${path}.minP`, 0, 1);
      if (p === 1) throw new ExperimentDataError('must be in [0, 1) (0 = off)', `${path}.minP`);
      return p;
    })(),
  };
}

export function readLoomSettings(x: unknown, path = 'spec.settings'): LoomSettings {
  const o = read.object(x, path);
  return {
    template: read.oneOf(o['template'], `${path}.template`, TEMPLATES),
    path: read.array(o['path'], `${path}.path`, MAX_LOOM_PATH).map((t, i) => read.int(t, `${path}.path[${i}]`, 0, 2 ** 31 - 1)),
    sampling: readSampling(o['sampling'], `${path}.sampling`),
    k: read.int(o['k'], `${path}.k`, 1, MAX_LOOM_K),
    drive: read.oneOf(o['drive'], `${path}.drive`, SIDE_ORDER),
  };
}

export function validateLoomSpec(x: unknown): LoomSpec {
  const env = readSpecEnvelope(x, 'loom');
  if (!env.models.base && !env.models.tuned) throw new ExperimentDataError('names no model: give a base or a tuned model', 'spec.models');
  return { ...env, kind: 'loom', settings: readLoomSettings(env.settings) };
}

function readRow(x: unknown, p: string): LoomRow {
  const o = read.object(x, p);
  return {
    id: read.int(o['id'], `${p}.id`, 0),
    text: read.string(o['text'], `${p}.text`),
    rank: read.int(o['rank'], `${p}.rank`, 1),
    prob: read.number(o['prob'], `${p}.prob`, 0, 1),
    logprob: read.number(o['logprob'], `${p}.logprob`, -Infinity, 0),
    processed_prob: read.number(o['processed_prob'], `${p}.processed_prob`, 0, 1),
  };
}

function readTokens(x: unknown, p: string, max: number): { id: number; text: string }[] {
  return read.array(x, p, max).map((t, i) => {
    const o = read.object(t, `${p}[${i}]`);
    return { id: read.int(o['id'], `${p}[${i}].id`, 0), text: read.string(o['text'], `${p}[${i}].text`) };
  });
}

function readSideKeys<T>(x: unknown, p: string, each: (v: unknown, p: string) => T): Partial<Record<Side, T>> {
  const o = read.object(x, p);
  const out: Partial<Record<Side, T>> = {};
  for (const key of Object.keys(o)) out[read.oneOf(key, `${p}.${key}`, SIDE_ORDER)] = each(o[key], `${p}.${key}`);
  return out;
}

export function validateLoomResult(x: unknown): LoomResult {
  const env = readResultEnvelope(x, 'loom');
  const p = 'result.data';
  const d = read.object(env.data, p);
  const path = readTokens(d['path'], `${p}.path`, MAX_LOOM_PATH);
  const steps = read.array(d['steps'], `${p}.steps`, MAX_LOOM_PATH + 1).map((s, i): LoomStep => {
    const sp = `${p}.steps[${i}]`;
    const o = read.object(s, sp);
    return {
      token: o['token'] === null ? null : read.int(o['token'], `${sp}.token`, 0),
      sides: readSideKeys(o['sides'], `${sp}.sides`, (v, q) => {
        const so = read.object(v, q);
        return {
          entropy: read.number(so['entropy'], `${q}.entropy`, 0),
          processed_entropy: read.number(so['processed_entropy'], `${q}.processed_entropy`, 0),
          mass_outside: read.number(so['mass_outside'], `${q}.mass_outside`, 0, 1),
          processed_mass_outside: read.number(so['processed_mass_outside'], `${q}.processed_mass_outside`, 0, 1),
          kept: read.int(so['kept'], `${q}.kept`, 0),
          top: read.array(so['top'], `${q}.top`, MAX_LOOM_K).map((r, j) => readRow(r, `${q}.top[${j}]`)),
          chosen: so['chosen'] === null ? null : readRow(so['chosen'], `${q}.chosen`),
        };
      }),
      kl_tuned_base: o['kl_tuned_base'] === null ? null : read.number(o['kl_tuned_base'], `${sp}.kl_tuned_base`, 0),
    };
  });
  if (steps.length !== path.length + 1) throw new ExperimentDataError(`has ${steps.length} steps for a path of ${path.length} tokens (needs ${path.length + 1})`, `${p}.steps`);
  steps.forEach((s, i) => {
    const want = i < path.length ? path[i]!.id : null;
    if (s.token !== want) throw new ExperimentDataError(`is ${s.token} but the path has ${want} there`, `${p}.steps[${i}].token`);
  });
  const data: LoomData = {
    template: read.oneOf(d['template'], `${p}.template`, TEMPLATES),
    sampling: readSampling(d['sampling'], `${p}.sampling`),
    k: read.int(d['k'], `${p}.k`, 1, MAX_LOOM_K),
    drive: read.oneOf(d['drive'], `${p}.drive`, SIDE_ORDER),
    vocab_size: read.int(d['vocab_size'], `${p}.vocab_size`, 1),
    prompt_tokens: readTokens(d['prompt_tokens'], `${p}.prompt_tokens`, 1_000_000),
    path,
    path_logprob: readSideKeys(d['path_logprob'], `${p}.path_logprob`, (v, q) => read.number(v, q, -Infinity, 0)),
    steps,
  };
  return { kind: 'loom', version: env.version, data };
}
