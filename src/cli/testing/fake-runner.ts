/**
 * TEST-ONLY. A fake runner for the CLI tests of `lab run`, `lab batch` and `lab summarize`
 * (src/cli/experiments-cli.test.ts). Importing this module registers it in RUNNERS as the kind
 * `next-token`, replacing the real one in that process only. Child processes load it through the test-only
 * hook `LAB_TEST_RUNNERS=src/cli/testing/fake-runner.ts` (src/cli/experiments.ts, `loadTestRunners`).
 *
 * Its result is a plain function of the prompt and seed (character, word and token counts, and a hash
 * score), so that runs can be compared line for line. With `settings.sides: ["base"]` it loads the base
 * model and counts the prompt's tokens with it (the CLI's model loading, for real).
 *   LAB_TEST_DELAY_MS  wait this long in each run (a slow runner to kill mid-batch)
 *   LAB_TEST_CALL_LOG  append {"prompt", "pid", "engine"} to this file at the start of each run (count the
 *                      calls; `engine` numbers the base engine object, null without one)
 */
import { appendFileSync } from 'node:fs';
import { LabAbortError, throwIfAborted } from '../../engine/errors';
import { readResultEnvelope, readSpecEnvelope } from '../../lab/experiments/envelope';
import { read } from '../../lab/experiments/json-safety';
import { RUNNERS } from '../../lab/experiments/registry';
import { ExperimentDataError, type ResultEnvelope, type Runner, type SpecEnvelope } from '../../lab/experiments/types';

export interface FakeSettings {
  sides: ('base' | 'tuned')[];
}

export interface FakeData {
  chars: number;
  words: number;
  /** A hash of prompt and seed in [0, 1). */
  score: number;
  /** Tokens of the prompt under the base model; null when no model was loaded. */
  tokens: number | null;
}

function hash01(text: string): number {
  let h = 0x811c9dc5;
  for (const ch of new TextEncoder().encode(text)) h = Math.imul(h ^ ch, 0x01000193) >>> 0;
  return (h % 1000) / 1000;
}

/** A number per engine object (null: none), so a test can tell whether runs shared one loaded model. */
const engineIds = new WeakMap<object, number>();
let engines = 0;
function engineId(engine: object | null | undefined): number | null {
  if (!engine) return null;
  if (!engineIds.has(engine)) engineIds.set(engine, ++engines);
  return engineIds.get(engine)!;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new LabAbortError('the fake run'));
    });
  });
}

export const fakeRunner: Runner<'next-token', FakeSettings, FakeData> = {
  kind: 'next-token',
  sides: (spec) => spec.settings.sides,
  async run(spec, ctx): Promise<ResultEnvelope<'next-token', FakeData>> {
    const log = process.env['LAB_TEST_CALL_LOG'];
    if (log) appendFileSync(log, `${JSON.stringify({ prompt: spec.prompt, pid: process.pid, engine: engineId(ctx.engines.base) })}\n`);
    ctx.onProgress?.({ done: 0, total: 2, message: 'counting' });
    const delay = Number(process.env['LAB_TEST_DELAY_MS'] ?? 0);
    if (delay > 0) await sleep(delay, ctx.signal);
    throwIfAborted(ctx.signal, 'the fake run');
    let tokens: number | null = null;
    if (spec.settings.sides.includes('base')) {
      const base = ctx.engines.base;
      if (!base) throw new Error('fake runner: the base engine is missing');
      tokens = (await base.encode(spec.prompt)).length;
    }
    ctx.onProgress?.({ done: 2, total: 2, message: 'counting' });
    const words = spec.prompt.trim().split(/\s+/).filter(Boolean).length;
    return { kind: 'next-token', version: 1, data: { chars: [...spec.prompt].length, words, score: hash01(`${spec.seed}:${spec.prompt}`), tokens } };
  },
  validateSpec(x: unknown): SpecEnvelope<'next-token', FakeSettings> {
    const e = readSpecEnvelope(x, 'next-token');
    read.string(e.prompt, 'spec.prompt', { empty: false });
    const s = e.settings;
    for (const k of Object.keys(s)) if (k !== 'sides') throw new ExperimentDataError('unknown setting', `spec.settings.${k}`);
    const sides = s['sides'] === undefined ? [] : read.array(s['sides'], 'spec.settings.sides', 2).map((v, i) => read.oneOf(v, `spec.settings.sides[${i}]`, ['base', 'tuned'] as const));
    return { ...e, kind: 'next-token', settings: { sides } };
  },
  validateResult(x: unknown): ResultEnvelope<'next-token', FakeData> {
    const e = readResultEnvelope(x, 'next-token');
    const d = read.object(e.data, 'result.data');
    const data: FakeData = {
      chars: read.int(d['chars'], 'result.data.chars', 0),
      words: read.int(d['words'], 'result.data.words', 0),
      score: read.number(d['score'], 'result.data.score', 0, 1),
      tokens: d['tokens'] === null ? null : read.int(d['tokens'], 'result.data.tokens', 0),
    };
    return { kind: 'next-token', version: e.version, data };
  },
  title: (spec) => `fake · “${spec.prompt.slice(0, 40)}”`,
  headline: (d) => ({ chars: d.chars, words: d.words, score: d.score, tokens: d.tokens }),
};

RUNNERS['next-token'] = fakeRunner;
