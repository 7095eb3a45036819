/**
 * Kind `answers` (issue #14): exact answer distributions as data. The spec names the sides that run (base,
 * tuned or both: each with its model, template, frame and suffix), the candidate set (a range such as 1..100
 * or a list, as `parseChoices` reads it), the prefix, the temperature, the temperatures to re-temper at
 * exactly (the page's slider grid; none in the CLI by default), optional free answers (N samples at the
 * temperature, seed = the spec's seed, classified by a regex) and the preset it came from (for the published
 * figures the view shows beside it).
 *
 * The result's `data` has one entry per side. Each is what `lab answers --json` printed for one model before
 * (context, frame, temperature, choices, mass, normalized, warnings, free), extended with the template, the
 * candidates' overlap notes (`ambiguity`) and `tempered`: the distribution at each of `settings.temperatures`,
 * computed exactly from the kept logits (so a stored run re-tempers without a model).
 */
import type { Engine, Template } from '../../engine/types';
import { answersAt, exclusiveLogps, findFrame, freeAnswers, normalizedShares, normalizedStats, parseChoices, scoreAnswers, type AnswerScores, type FreeAnswers, type NormalizedStats } from '../answers';
import { readPerSide, readResultEnvelope, readResultSides, readSides, readSpecEnvelope, repoName, shortText } from './envelope';
import { read } from './json-safety';
import { engineFor, settleAll } from './settle';
import { ExperimentDataError, RESULT_VERSION, SPEC_VERSION, type ResultEnvelope, type RunContext, type Runner, type SpecEnvelope } from './types';

export type Side = 'base' | 'tuned';
export const SIDES: readonly Side[] = ['base', 'tuned'];
const TEMPLATES: readonly Template[] = ['none', 'chat'];

export const ANSWERS_LIMITS = { choicesChars: 200_000, affixChars: 1000, frameChars: 2000, temperature: 1000, temperatures: 200, samples: 256, maxTokens: 4096, regexChars: 1000 } as const;

/** The page's temperature slider: 0.1 … 3 in steps of 0.05 (59 values), each re-tempered exactly. */
export const SLIDER_TEMPERATURES: readonly number[] = Array.from({ length: 59 }, (_, i) => Math.round((0.1 + 0.05 * i) * 100) / 100);

/** A model's words before the answer: typed (empty: none), or its own opener found greedily (`auto`). */
export interface FrameSetting {
  mode: 'typed' | 'auto';
  text: string;
}

export interface FreeSetting {
  samples: number;
  max_tokens: number;
  /** Classify by this pattern's first capture group (null: the trimmed text). */
  regex: string | null;
}

export interface AnswersSettings {
  sides: Side[];
  templates: Partial<Record<Side, Template>>;
  /** The candidate set as typed: a range (1..100, A..D) or a list (one per line, or comma-separated). */
  choices: string;
  prefix: string;
  suffixes: Partial<Record<Side, string>>;
  frames: Partial<Record<Side, FrameSetting>>;
  temperature: number;
  /** Also give the distribution at each of these temperatures (exact re-tempering; the page's slider). */
  temperatures: number[];
  free: FreeSetting | null;
  /** The preset the settings came from (the page shows its published figures), or null. */
  preset: string | null;
}

export type AnswersSpec = SpecEnvelope<'answers', AnswersSettings>;

export interface AnswerChoice {
  text: string;
  ids: number[];
  logp: number;
  prob: number;
  prob_exclusive: number;
  share: number;
}

export interface TemperedAnswers {
  temperature: number;
  /** Per candidate (in the set's order): raw probability and share of the set at this temperature. */
  prob: number[];
  share: number[];
  mass: number;
  normalized: NormalizedStats;
}

/** One side: what `lab answers --json` printed for one model, and the extensions. */
export interface AnswersSide {
  context: number[];
  frame: { text: string; ids: number[]; found: 'typed' | 'greedy' | 'none'; greedy?: string };
  temperature: number;
  choices: AnswerChoice[];
  mass: number;
  normalized: NormalizedStats;
  warnings: string[];
  free?: FreeAnswers;
  template: Template;
  /** Candidates whose tokens start another candidate's (the overlap notes, at any temperature). */
  ambiguity: string[];
  tempered: TemperedAnswers[];
}

export type AnswersData = Partial<Record<Side, AnswersSide>>;
export type AnswersResultEnvelope = ResultEnvelope<'answers', AnswersData>;

// ------------------------------------------------------------------------------------------ run

/** The candidate list of a settings' `choices` (a RangeError says why when it is not valid). */
export function choicesOf(s: Pick<AnswersSettings, 'choices'>): string[] {
  return parseChoices(s.choices);
}

function regexOf(free: FreeSetting): RegExp | undefined {
  return free.regex === null ? undefined : new RegExp(free.regex, 'u');
}

/**
 * `answersAt(scores, t)` reduced to what `tempered` holds, without building a log-softmax array per row and
 * temperature (59 temperatures × every kept row × the vocabulary): per row only its max and log-sum-exp at
 * `t`, computed in the same order as `logSoftmax`, so every number is bit-identical to `answersAt`'s.
 */
export function temperedAt(scores: AnswerScores, t: number): TemperedAnswers {
  const cache = new Map<Float32Array, { m: number; lse: number }>();
  const logp = (r: Float32Array, id: number): number => {
    let c = cache.get(r);
    if (!c) {
      let max = -Infinity;
      for (let i = 0; i < r.length; i++) if (r[i]! > max) max = r[i]!;
      const m = max / t;
      let sum = 0;
      for (let i = 0; i < r.length; i++) sum += Math.exp(r[i]! / t - m);
      c = { m, lse: Math.log(sum) };
      cache.set(r, c);
    }
    return r[id]! / t - c.m - c.lse;
  };
  const logps = scores.texts.map((_, c) => scores.ids[c]!.map((id, k) => logp(scores.rows[c]![k]!, id)).reduce((a, b) => a + b, 0));
  const exclusive = exclusiveLogps(scores.ids, logps);
  const share = normalizedShares(exclusive.map((l) => ({ logp: l })));
  return {
    temperature: t,
    prob: logps.map((l) => Math.exp(l)),
    share,
    mass: exclusive.reduce((a, l) => a + Math.exp(l), 0),
    normalized: normalizedStats(scores.texts.map((text, i) => ({ text, logp: exclusive[i]! }))),
  };
}

async function runSide(engine: Engine, side: Side, spec: AnswersSpec, choices: string[], signal: AbortSignal | undefined, report: (done: number, total: number) => void): Promise<AnswersSide> {
  const s = spec.settings;
  const template = s.templates[side]!;
  const suffix = s.suffixes[side] ?? '';
  const want = s.frames[side] ?? { mode: 'typed', text: '' };
  const context = await engine.encode(spec.prompt, template);
  if (context.length === 0) throw new RangeError('the prompt encodes to no tokens');
  const holds = (await engine.info()).contextLength;
  if (context.length >= holds) throw new RangeError(`the prompt takes ${context.length} tokens and the ${side} model's context holds ${holds}: shorten the prompt`);
  let frame: number[] = [];
  let found: AnswersSide['frame']['found'] = 'none';
  let greedy: string | null = null;
  if (want.mode === 'auto') {
    const f = await findFrame(engine, context, choices, { prefix: s.prefix, suffix, ...(signal ? { signal } : {}) });
    frame = f.frame;
    found = 'greedy';
    greedy = await engine.decode(f.greedy);
  } else if (want.text !== '') {
    frame = await engine.encodeContinuation(want.text);
    found = 'typed';
  }
  const frameText = await engine.decode(frame);
  const scores = await scoreAnswers(engine, context, choices, { prefix: s.prefix, suffix, frame, ...(signal ? { signal } : {}), onProgress: report });
  const r = answersAt(scores, s.temperature);
  const tempered = s.temperatures.map((t) => temperedAt(scores, t));
  const free = s.free ? await freeAnswers(engine, context, choices, { samples: s.free.samples, maxTokens: s.free.max_tokens, seed: spec.seed, temperature: s.temperature, ...(regexOf(s.free) ? { regex: regexOf(s.free)! } : {}), ...(signal ? { signal } : {}) }) : null;
  return {
    context: r.context,
    frame: { text: frameText, ids: frame, found, ...(greedy !== null ? { greedy } : {}) },
    temperature: r.temperature,
    choices: r.choices.map((c) => ({ text: c.text, ids: c.ids, logp: c.logp, prob: c.prob, prob_exclusive: c.prob_exclusive, share: c.share })),
    mass: r.mass,
    normalized: r.normalized,
    warnings: r.warnings,
    ...(free ? { free } : {}),
    template,
    ambiguity: scores.warnings,
    tempered,
  };
}

export async function runAnswers(spec: AnswersSpec, ctx: RunContext): Promise<AnswersResultEnvelope> {
  const s = spec.settings;
  const choices = choicesOf(s);
  const engines = s.sides.map((side) => engineFor(ctx, side));
  const progress: Record<string, { done: number; total: number }> = {};
  const message = s.free ? 'Scoring every candidate, then sampling free answers…' : 'Scoring every candidate…';
  const report = (side: Side) => (done: number, total: number) => {
    progress[side] = { done, total };
    const all = Object.values(progress);
    ctx.onProgress?.({ done: all.reduce((a, p) => a + p.done, 0), total: all.length === s.sides.length ? all.reduce((a, p) => a + p.total, 0) : null, message });
  };
  ctx.onProgress?.({ done: 0, total: null, message });
  const sides = await settleAll(s.sides.map((side, i) => runSide(engines[i]!, side, spec, choices, ctx.signal, report(side))));
  const data: AnswersData = {};
  s.sides.forEach((side, i) => (data[side] = sides[i]!));
  return { kind: 'answers', version: RESULT_VERSION, data };
}

// ------------------------------------------------------------------------------------ validation

function positive(x: unknown, path: string, max: number): number {
  const t = read.number(x, path, 0, max);
  if (t === 0) throw new ExperimentDataError('must be > 0', path);
  return t;
}

export function readAnswersSettings(x: unknown, path: string): AnswersSettings {
  const o = read.object(x, path);
  const sides = readSides(o['sides'], `${path}.sides`);
  const choices = read.string(o['choices'], `${path}.choices`, { max: ANSWERS_LIMITS.choicesChars });
  try {
    parseChoices(choices);
  } catch (err) {
    throw new ExperimentDataError(`is not a candidate set: ${(err as Error).message}`, `${path}.choices`);
  }
  let free: FreeSetting | null = null;
  if (o['free'] !== null) {
    const f = read.object(o['free'], `${path}.free`);
    const regex = f['regex'] === null ? null : read.string(f['regex'], `${path}.free.regex`, { max: ANSWERS_LIMITS.regexChars });
    if (regex !== null) {
      try {
        new RegExp(regex, 'u');
      } catch (err) {
        throw new ExperimentDataError(`is not a valid regular expression: ${(err as Error).message}`, `${path}.free.regex`);
      }
    }
    free = { samples: read.int(f['samples'], `${path}.free.samples`, 1, ANSWERS_LIMITS.samples), max_tokens: read.int(f['max_tokens'], `${path}.free.max_tokens`, 1, ANSWERS_LIMITS.maxTokens), regex };
  }
  return {
    sides,
    templates: readPerSide(o['templates'], `${path}.templates`, sides, (v, p) => read.oneOf(v, p, TEMPLATES)),
    choices,
    prefix: read.string(o['prefix'], `${path}.prefix`, { max: ANSWERS_LIMITS.affixChars }),
    suffixes: readPerSide(o['suffixes'], `${path}.suffixes`, sides, (v, p) => read.string(v, p, { max: ANSWERS_LIMITS.affixChars })),
    frames: readPerSide(o['frames'], `${path}.frames`, sides, (v, p) => {
      const f = read.object(v, p);
      const mode = read.oneOf(f['mode'], `${p}.mode`, ['typed', 'auto'] as const);
      const text = read.string(f['text'], `${p}.text`, { max: ANSWERS_LIMITS.frameChars });
      if (mode === 'auto' && text !== '') throw new ExperimentDataError('must be empty when the frame is found greedily (mode "auto")', `${p}.text`);
      return { mode, text };
    }),
    temperature: positive(o['temperature'], `${path}.temperature`, ANSWERS_LIMITS.temperature),
    temperatures: read.array(o['temperatures'], `${path}.temperatures`, ANSWERS_LIMITS.temperatures).map((v, i) => positive(v, `${path}.temperatures[${i}]`, ANSWERS_LIMITS.temperature)),
    free,
    preset: o['preset'] === null ? null : read.string(o['preset'], `${path}.preset`, { max: 100, empty: false }),
  };
}

export function validateAnswersSpec(x: unknown): AnswersSpec {
  const e = readSpecEnvelope(x, 'answers');
  const settings = readAnswersSettings(e.settings, 'spec.settings');
  for (const side of settings.sides) if (!e.models[side]) throw new ExperimentDataError(`is missing (the ${side} side runs)`, `spec.models.${side}`);
  if (e.prompt.trim() === '') throw new ExperimentDataError('must not be empty', 'spec.prompt');
  return { kind: 'answers', version: e.version, models: e.models, prompt: e.prompt, seed: e.seed, settings };
}

const ints = (x: unknown, path: string) => read.array(x, path).map((v, i) => read.int(v, `${path}[${i}]`));
const strings = (x: unknown, path: string) => read.array(x, path).map((v, i) => read.string(v, `${path}[${i}]`));
const prob = (x: unknown, path: string) => read.number(x, path, 0, 1 + 1e-9);

function readStats(x: unknown, path: string): NormalizedStats {
  const o = read.object(x, path);
  const t = read.object(o['top1'], `${path}.top1`);
  return {
    entropy: read.number(o['entropy'], `${path}.entropy`, 0),
    kl_uniform: read.number(o['kl_uniform'], `${path}.kl_uniform`, 0),
    chi2: read.number(o['chi2'], `${path}.chi2`),
    top1: { text: read.string(t['text'], `${path}.top1.text`), prob: prob(t['prob'], `${path}.top1.prob`) },
  };
}

function readFree(x: unknown, path: string): FreeAnswers {
  const o = read.object(x, path);
  return {
    counts: read.array(o['counts'], `${path}.counts`).map((v, i) => {
      const p = `${path}.counts[${i}]`;
      const c = read.object(v, p);
      return { text: read.string(c['text'], `${p}.text`), count: read.int(c['count'], `${p}.count`, 0), fraction: prob(c['fraction'], `${p}.fraction`) };
    }),
    other: read.int(o['other'], `${path}.other`, 0),
    other_fraction: prob(o['other_fraction'], `${path}.other_fraction`),
    samples: read.array(o['samples'], `${path}.samples`).map((v, i) => {
      const p = `${path}.samples[${i}]`;
      const s = read.object(v, p);
      return { text: read.string(s['text'], `${p}.text`), answer: s['answer'] === null ? null : read.string(s['answer'], `${p}.answer`) };
    }),
  };
}

function readSide(x: unknown, path: string): AnswersSide {
  const o = read.object(x, path);
  const f = read.object(o['frame'], `${path}.frame`);
  const choices = read.array(o['choices'], `${path}.choices`).map((v, i) => {
    const p = `${path}.choices[${i}]`;
    const c = read.object(v, p);
    return { text: read.string(c['text'], `${p}.text`), ids: ints(c['ids'], `${p}.ids`), logp: read.number(c['logp'], `${p}.logp`, -Infinity, 1e-9), prob: prob(c['prob'], `${p}.prob`), prob_exclusive: prob(c['prob_exclusive'], `${p}.prob_exclusive`), share: prob(c['share'], `${p}.share`) };
  });
  if (!choices.length) throw new ExperimentDataError('must hold at least one candidate', `${path}.choices`);
  const n = choices.length;
  const perChoice = (v: unknown, p: string) => {
    const a = read.array(v, p).map((y, i) => prob(y, `${p}[${i}]`));
    if (a.length !== n) throw new ExperimentDataError(`must have one value per candidate (${n})`, p);
    return a;
  };
  const tempered = read.array(o['tempered'], `${path}.tempered`, ANSWERS_LIMITS.temperatures).map((v, i) => {
    const p = `${path}.tempered[${i}]`;
    const t = read.object(v, p);
    return { temperature: positive(t['temperature'], `${p}.temperature`, ANSWERS_LIMITS.temperature), prob: perChoice(t['prob'], `${p}.prob`), share: perChoice(t['share'], `${p}.share`), mass: prob(t['mass'], `${p}.mass`), normalized: readStats(t['normalized'], `${p}.normalized`) };
  });
  const found = read.oneOf(f['found'], `${path}.frame.found`, ['typed', 'greedy', 'none'] as const);
  return {
    context: ints(o['context'], `${path}.context`),
    frame: { text: read.string(f['text'], `${path}.frame.text`), ids: ints(f['ids'], `${path}.frame.ids`), found, ...(f['greedy'] !== undefined ? { greedy: read.string(f['greedy'], `${path}.frame.greedy`) } : {}) },
    temperature: positive(o['temperature'], `${path}.temperature`, ANSWERS_LIMITS.temperature),
    choices,
    mass: prob(o['mass'], `${path}.mass`),
    normalized: readStats(o['normalized'], `${path}.normalized`),
    warnings: strings(o['warnings'], `${path}.warnings`),
    ...(o['free'] !== undefined ? { free: readFree(o['free'], `${path}.free`) } : {}),
    template: read.oneOf(o['template'], `${path}.template`, TEMPLATES),
    ambiguity: strings(o['ambiguity'], `${path}.ambiguity`),
    tempered,
  };
}

export function validateAnswersResult(x: unknown): AnswersResultEnvelope {
  const e = readResultEnvelope(x, 'answers');
  const data: AnswersData = readResultSides(e.data, 'result.data', readSide);
  return { kind: 'answers', version: e.version, data };
}

// ------------------------------------------------------------------------------------ title, headline

const short = shortText;
const modelName = (spec: SpecEnvelope, side: Side): string => repoName(spec.models[side]?.repo ?? side);

export function answersTitle(spec: AnswersSpec): string {
  const s = spec.settings;
  let n = '?';
  try {
    n = String(choicesOf(s).length);
  } catch {
    /* shown as ? */
  }
  return `answers · ${s.sides.map((side) => modelName(spec, side)).join(' vs ')} · “${short(spec.prompt)}” · ${n} candidates · T = ${s.temperature}`;
}

/** Per side: the mass the set covers, the entropy of the renormalised answer distribution, its KL to uniform
 *  and χ² per sample, the top answer's share, and with free answers the share of samples that matched none. */
export function answersHeadline(data: AnswersData): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const side of SIDES) {
    const d = data[side];
    if (!d) continue;
    out[`${side}.mass`] = d.mass;
    out[`${side}.entropy`] = d.normalized.entropy;
    out[`${side}.kl_uniform`] = d.normalized.kl_uniform;
    out[`${side}.chi2`] = d.normalized.chi2;
    out[`${side}.top1_share`] = d.normalized.top1.prob;
    out[`${side}.free_other`] = d.free ? d.free.other_fraction : null;
  }
  return out;
}

export const answersRunner: Runner<'answers', AnswersSettings, AnswersData> = {
  kind: 'answers',
  sides: (spec) => spec.settings.sides.slice(),
  run: runAnswers,
  validateSpec: validateAnswersSpec,
  validateResult: validateAnswersResult,
  title: answersTitle,
  headline: answersHeadline,
};

export function answersSpec(parts: { models: AnswersSpec['models']; prompt: string; seed: number; settings: AnswersSettings }): AnswersSpec {
  return { kind: 'answers', version: SPEC_VERSION, models: parts.models, prompt: parts.prompt, seed: parts.seed, settings: parts.settings };
}
