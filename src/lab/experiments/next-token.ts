/**
 * Next token as data (issue #14): the Next-token tab and `lab logits`.
 *
 * Spec settings: the template, k (rows listed), and the tokens appended to the prompt by stepping, each
 * with the side whose table it was chosen from (its id is in that side's vocabulary; its text is kept so
 * the other side can re-encode it when the tokenizers differ). The spec's `models` name the sides run.
 *
 * Result data: per side, the context as that model reads it and the next-token distribution after it
 * (top k with logit, probability and log-probability, the entropy in nats, the mass outside the list),
 * plus the model facts `lab logits --json` always printed (backend, dtype, batching, graph notes). A side
 * whose numbers cannot be trusted (a NumericalError, a refused graph) has its error in `errors` instead
 * of a distribution: the page shows it in that side's panel and the other side still runs; the CLI
 * (`runNextToken(…, { rethrow: true })`) exits with it.
 */
import type { Engine, Template } from '../../engine/types';
import { sameTokenizer } from '../loom';
import { nextTokenViewCached } from '../next-token';
import { readResultEnvelope, readSpecEnvelope, repoName, shortText } from './envelope';
import { read } from './json-safety';
import { ExperimentDataError, RESULT_VERSION, type ResultEnvelope, type RunContext, type Runner, type SpecEnvelope } from './types';

export type Side = 'base' | 'tuned';
const SIDE_ORDER: readonly Side[] = ['base', 'tuned'];

/** Most rows listed per side (the page's MAX_K; the CLI allows up to the vocabulary). */
export const MAX_NEXT_K = 100_000;
/** Most appended tokens a spec carries. */
export const MAX_APPENDED = 4096;

export interface AppendedToken {
  /** The side whose table it was chosen from (`id` is in that side's vocabulary). */
  side: Side;
  id: number;
  text: string;
}

export interface NextTokenSettings {
  template: Template;
  k: number;
  appended: AppendedToken[];
}

export type NextTokenSpec = SpecEnvelope<'next-token', NextTokenSettings>;

export interface NextTokenRow {
  id: number;
  text: string;
  logit: number;
  prob: number;
  logprob: number;
}

export interface NextTokenSide {
  model: string;
  backend: string;
  dtype: string;
  batching: string | null;
  graph_notes: string[];
  /** The context as this model reads it (prompt in the template, then the appended tokens). */
  tokens: { id: number; text: string }[];
  next: { entropy: number; mass_outside: number; top: NextTokenRow[] };
}

export interface SideError {
  name: string;
  message: string;
}

export interface NextTokenData {
  template: Template;
  k: number;
  /** Both tokenizers map the same ids to the same texts (appended ids shared as they are); null with one side. */
  same_tokenizer: boolean | null;
  sides: Partial<Record<Side, NextTokenSide>>;
  errors: Partial<Record<Side, SideError>>;
}

export type NextTokenResult = ResultEnvelope<'next-token', NextTokenData>;

/** The sides a spec runs, base first. */
export function nextTokenSides(spec: Pick<NextTokenSpec, 'models'>): Side[] {
  return SIDE_ORDER.filter((s) => spec.models[s] !== undefined);
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'LabAbortError' || err.name === 'AbortError');
}

function aborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw Object.assign(new Error('the run was cancelled'), { name: 'LabAbortError' });
}

/** Whether two engines share one tokenizer, asked once per pair (it reads the whole vocabulary). */
const tokenizerPairs = new WeakMap<Engine, WeakMap<Engine, Promise<boolean>>>();
function sharedTokenizer(a: Engine, b: Engine): Promise<boolean> {
  let m = tokenizerPairs.get(a);
  if (!m) tokenizerPairs.set(a, (m = new WeakMap()));
  let p = m.get(b);
  if (!p) {
    p = sameTokenizer(a, b).catch(() => false);
    m.set(b, p);
  }
  return p;
}

/**
 * Runs a next-token spec. Per side: encode the prompt in the template, append the chosen tokens (a token
 * chosen on the other side is re-encoded from its text unless both sides share one tokenizer), one forward
 * pass (the KV cache of the previous context is reused when this one extends it), the top k. With
 * `rethrow`, the first side's error is thrown as it came (the CLI's exit code and JSON error fields).
 */
export async function runNextToken(spec: NextTokenSpec, ctx: RunContext, options: { rethrow?: boolean } = {}): Promise<NextTokenResult> {
  const sides = nextTokenSides(spec);
  if (!sides.length) throw new ExperimentDataError('names no model: give a base or a tuned model', 'spec.models');
  const { template, k, appended } = spec.settings;
  const engines: Partial<Record<Side, Engine>> = {};
  for (const s of sides) {
    const e = ctx.engines[s];
    if (!e) throw new Error(`the ${s} model is not loaded`);
    engines[s] = e;
  }
  // Whether the two vocabularies are one: asked when there are two sides (once per pair of engines).
  const same = sides.length === 2 ? await sharedTokenizer(engines.base!, engines.tuned!) : null;
  aborted(ctx.signal);
  const data: NextTokenData = { template, k, same_tokenizer: same, sides: {}, errors: {} };
  let done = 0;
  ctx.onProgress?.({ done, total: sides.length, message: 'Scoring the context…' });
  await Promise.all(
    sides.map(async (side) => {
      const engine = engines[side]!;
      try {
        const ids = await engine.encode(spec.prompt, template);
        for (const t of appended) {
          if (t.side === side || same) ids.push(t.id);
          else ids.push(...(await engine.encodeContinuation(t.text)));
        }
        aborted(ctx.signal);
        const info = await engine.info();
        if (k > info.vocabSize) throw new RangeError(`k is ${k} but the ${side} model's vocabulary has ${info.vocabSize} tokens`);
        if (ids.length > info.contextLength) throw new RangeError(`the context is ${ids.length} tokens; the ${side} model holds ${info.contextLength}`);
        const view = await nextTokenViewCached(engine, ids, k);
        data.sides[side] = {
          model: info.source,
          backend: info.backend,
          dtype: info.dtype,
          batching: info.batching ?? null,
          graph_notes: info.graphNotes ?? [],
          tokens: view.tokens,
          next: {
            entropy: view.entropy,
            mass_outside: view.massOutside,
            top: view.top.map((t) => ({ id: t.id, text: t.text, logit: t.logit, prob: t.prob, logprob: t.logprob })),
          },
        };
      } catch (err) {
        if (isAbort(err) || options.rethrow) throw err;
        data.errors[side] =
          err && typeof err === 'object' && 'name' in err && 'message' in err ? { name: String(err.name), message: String(err.message) } : { name: 'Error', message: String(err) };
      }
      ctx.onProgress?.({ done: ++done, total: sides.length, message: 'Scoring the context…' });
    }),
  );
  aborted(ctx.signal);
  return { kind: 'next-token', version: RESULT_VERSION, data };
}

// ——— validators ———

const TEMPLATES = ['none', 'chat'] as const;

function readSide(x: unknown, path: string): Side {
  return read.oneOf(x, path, SIDE_ORDER);
}

export function readNextTokenSettings(x: unknown, path = 'spec.settings'): NextTokenSettings {
  const o = read.object(x, path);
  const template = read.oneOf(o['template'], `${path}.template`, TEMPLATES);
  const k = read.int(o['k'], `${path}.k`, 1, MAX_NEXT_K);
  const appended = read.array(o['appended'], `${path}.appended`, MAX_APPENDED).map((t, i) => {
    const p = `${path}.appended[${i}]`;
    const a = read.object(t, p);
    return { side: readSide(a['side'], `${p}.side`), id: read.int(a['id'], `${p}.id`, 0, 2 ** 31 - 1), text: read.string(a['text'], `${p}.text`, { max: 10_000 }) };
  });
  return { template, k, appended };
}

export function validateNextTokenSpec(x: unknown): NextTokenSpec {
  const env = readSpecEnvelope(x, 'next-token');
  if (!env.models.base && !env.models.tuned) throw new ExperimentDataError('names no model: give a base or a tuned model', 'spec.models');
  const settings = readNextTokenSettings(env.settings);
  return { ...env, kind: 'next-token', settings };
}

function readTokens(x: unknown, path: string): { id: number; text: string }[] {
  return read.array(x, path).map((t, i) => {
    const o = read.object(t, `${path}[${i}]`);
    return { id: read.int(o['id'], `${path}[${i}].id`, 0), text: read.string(o['text'], `${path}[${i}].text`) };
  });
}

function readSideData(x: unknown, path: string): NextTokenSide {
  const o = read.object(x, path);
  const next = read.object(o['next'], `${path}.next`);
  const top = read.array(next['top'], `${path}.next.top`, MAX_NEXT_K).map((r, i) => {
    const p = `${path}.next.top[${i}]`;
    const row = read.object(r, p);
    return {
      id: read.int(row['id'], `${p}.id`, 0),
      text: read.string(row['text'], `${p}.text`),
      logit: read.number(row['logit'], `${p}.logit`),
      prob: read.number(row['prob'], `${p}.prob`, 0, 1),
      logprob: read.number(row['logprob'], `${p}.logprob`, -Infinity, 0),
    };
  });
  return {
    model: read.string(o['model'], `${path}.model`),
    backend: read.string(o['backend'], `${path}.backend`, { max: 32 }),
    dtype: read.string(o['dtype'], `${path}.dtype`, { max: 32 }),
    batching: o['batching'] === null ? null : read.string(o['batching'], `${path}.batching`, { max: 64 }),
    graph_notes: read.array(o['graph_notes'], `${path}.graph_notes`).map((n, i) => read.string(n, `${path}.graph_notes[${i}]`)),
    tokens: readTokens(o['tokens'], `${path}.tokens`),
    next: {
      entropy: read.number(next['entropy'], `${path}.next.entropy`, 0),
      mass_outside: read.number(next['mass_outside'], `${path}.next.mass_outside`, 0, 1),
      top,
    },
  };
}

export function validateNextTokenResult(x: unknown): NextTokenResult {
  const env = readResultEnvelope(x, 'next-token');
  const path = 'result.data';
  const d = read.object(env.data, path);
  const sidesIn = read.object(d['sides'], `${path}.sides`);
  const errorsIn = read.object(d['errors'], `${path}.errors`);
  const sides: NextTokenData['sides'] = {};
  const errors: NextTokenData['errors'] = {};
  for (const key of Object.keys(sidesIn)) sides[readSide(key, `${path}.sides.${key}`)] = readSideData(sidesIn[key], `${path}.sides.${key}`);
  for (const key of Object.keys(errorsIn)) {
    const side = readSide(key, `${path}.errors.${key}`);
    const e = read.object(errorsIn[key], `${path}.errors.${key}`);
    errors[side] = { name: read.string(e['name'], `${path}.errors.${key}.name`, { max: 200 }), message: read.string(e['message'], `${path}.errors.${key}.message`) };
  }
  if (!Object.keys(sides).length && !Object.keys(errors).length) throw new ExperimentDataError('has neither a side nor an error', `${path}.sides`);
  const data: NextTokenData = {
    template: read.oneOf(d['template'], `${path}.template`, TEMPLATES),
    k: read.int(d['k'], `${path}.k`, 1, MAX_NEXT_K),
    same_tokenizer: d['same_tokenizer'] === null ? null : read.boolean(d['same_tokenizer'], `${path}.same_tokenizer`),
    sides,
    errors,
  };
  return { kind: 'next-token', version: env.version, data };
}

const short = shortText;
const modelName = repoName;

export const nextTokenRunner: Runner<'next-token', NextTokenSettings, NextTokenData> = {
  kind: 'next-token',
  sides: nextTokenSides,
  run: (spec, ctx) => runNextToken(spec, ctx),
  validateSpec: validateNextTokenSpec,
  validateResult: validateNextTokenResult,
  title(spec) {
    const models = nextTokenSides(spec).map((s) => modelName(spec.models[s]!.repo)).join(' vs ');
    const more = spec.settings.appended.length ? ` + ${spec.settings.appended.length} tokens` : '';
    return `next token · ${models} · “${short(spec.prompt)}”${more}`;
  },
  headline(data) {
    const out: Record<string, number | null> = {};
    for (const s of SIDE_ORDER) {
      const side = data.sides[s];
      out[`entropy_${s}`] = side ? side.next.entropy : null;
      out[`p_top1_${s}`] = side?.next.top[0] ? side.next.top[0].prob : null;
    }
    return out;
  },
};
