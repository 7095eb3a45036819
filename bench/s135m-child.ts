/**
 * One measurement of the 135M bench in a process of its own (so its memory figures are its own, and
 * transformers.js can be pointed at onnxruntime-web for WASM before it is imported). Spawned by
 * bench/s135m.ts; prints one line `RESULT <json>` on stdout.
 *
 *   decode <folder> <dtype> <node|wasm> <tokens> <rounds>
 *       ours (LabEngine.step + arg-max over the raw logits) vs transformers.js generate() (greedy) on the
 *       same file and backend, step by step in lock-step; every decode step timed, split into session.run
 *       and the rest; both sides' greedy tokens compared.
 *   mem <folder> <dtype> <node|wasm> <ours|theirs>
 *       one side alone: the process's memory before and after loading (and a first decode step).
 *   lab <folder> <dtype> <node|wasm> <sweepTokens>
 *       ours only: memory after load, prefill of 512 tokens, 32 samples as one batch vs 32 sequential
 *       generations (each step of the batch timed, split into session.run and the rest).
 */
import { performance } from 'node:perf_hooks';
import { dirname, basename, resolve } from 'node:path';
import { createNodeEngine, type NodeBackend } from '../src/engine/node';
import type { LabEngine } from '../src/engine/engine';
import { topK } from '../src/lab/distributions';
import { generate } from '../src/lab/generate';
import { sampleBatch } from '../src/lab/sweep';
import { median } from './util';

const PROMPT = 'The jury said that the city';

interface RunTimer {
  total: number;
  calls: number;
  /** Awaited before / after each run, outside the timed part (the interleaved decode runs our step here). */
  before?: () => Promise<void>;
  after?: () => Promise<void>;
}

/** Wrap a session's run() to add up the time spent inside it (onnxruntime itself). */
function timeRuns(session: { run: (...a: never[]) => Promise<unknown> }): RunTimer {
  const timer: RunTimer = { total: 0, calls: 0 };
  const run = session.run.bind(session);
  session.run = (async (...a: never[]) => {
    if (timer.before) await timer.before();
    const t0 = performance.now();
    try {
      return await run(...a);
    } finally {
      timer.total += performance.now() - t0;
      timer.calls++;
      if (timer.after) await timer.after();
    }
  }) as typeof session.run;
  return timer;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function memory(): { rss: number; heapUsed: number; external: number; arrayBuffers: number } {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

const peakRss = () => process.resourceUsage().maxRSS * 1024;

async function loadOurs(folder: string, dtype: string, backend: NodeBackend) {
  const before = memory();
  const engine = createNodeEngine(backend);
  const t0 = performance.now();
  const info = await engine.load(folder, { dtype: dtype as 'fp32' });
  const loadMs = performance.now() - t0;
  const after = memory();
  const timer = timeRuns((engine as unknown as { loaded: { session: { run: () => Promise<unknown> } } }).loaded.session);
  return { engine, info, loadMs, before, after, timer };
}

/** Ours: greedy decode of `tokens` tokens after the prompt; per step: the whole interval from one chosen
 *  token to the next, engine.step (of which session.run), and the arg-max. */
async function oursDecode(engine: LabEngine, timer: RunTimer, ids: number[], tokens: number) {
  const { seq, logits } = await engine.createSequence(ids);
  let next = topK(logits.data, 1)[0]!;
  const out = [next];
  const steps: { interval: number; run: number; engine: number; pick: number }[] = [];
  let last = performance.now();
  for (let i = 1; i < tokens; i++) {
    const r0 = timer.total;
    const t0 = performance.now();
    const l = await engine.step(seq, [next]);
    const t1 = performance.now();
    next = topK(l.data, 1)[0]!;
    const t2 = performance.now();
    out.push(next);
    steps.push({ interval: t2 - last, run: timer.total - r0, engine: t1 - t0, pick: t2 - t1 });
    last = t2;
  }
  await engine.release(seq);
  return { tokens: out, steps };
}

/** transformers.js takes its runtime from this global when it is set before its first import (our
 *  tokenizer imports it too, so this runs before anything is loaded): the same onnxruntime-web WASM
 *  build (1 thread) our engine runs on. */
async function webRuntimeForTransformers(backend: NodeBackend): Promise<void> {
  if (backend !== 'wasm') return;
  const ortWeb = await import('onnxruntime-web');
  ortWeb.env.wasm.numThreads = 1;
  ortWeb.env.logLevel = 'error';
  ortWeb.env.wasm.wasmPaths = resolve('node_modules/onnxruntime-web/dist') + '/';
  (globalThis as Record<symbol, unknown>)[Symbol.for('onnxruntime')] = ortWeb;
}

async function loadTransformers(folder: string, dtype: string, backend: NodeBackend) {
  const { AutoModelForCausalLM, AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = dirname(folder) + '/';
  const name = basename(folder);
  const before = memory();
  const t0 = performance.now();
  const tokenizer = await AutoTokenizer.from_pretrained(name);
  const model = await AutoModelForCausalLM.from_pretrained(name, {
    dtype,
    ...(backend === 'wasm' ? { device: 'auto', session_options: { executionProviders: ['wasm'] } } : { device: 'cpu' }),
  } as never);
  const loadMs = performance.now() - t0;
  const after = memory();
  const sessions = (model as unknown as { sessions: Record<string, { run: () => Promise<unknown> }> }).sessions;
  const timer = timeRuns(Object.values(sessions)[0]!);
  return { tokenizer, model, loadMs, before, after, timer };
}

/** transformers.js generate() (greedy); a streamer timestamps every new token, so each decode step is
 *  timed the same way as ours: from one token to the next. `hookMs()`: time spent in a `before` hook
 *  (our interleaved step), taken out of their intervals. */
async function theirsDecode(t: Awaited<ReturnType<typeof loadTransformers>>, tokens: number, hookMs: () => number = () => 0) {
  const inputs = t.tokenizer(PROMPT);
  const stamps: { at: number; run: number; hook: number }[] = [];
  const streamer = {
    puts: 0,
    put(_ids: unknown) {
      if (this.puts++ > 0) stamps.push({ at: performance.now(), run: t.timer.total, hook: hookMs() });
    },
    end() {},
  };
  const out = (await t.model.generate({ ...inputs, max_new_tokens: tokens, min_new_tokens: tokens, do_sample: false, streamer } as never)) as { tolist(): bigint[][] };
  const all = out.tolist()[0]!.map(Number);
  const steps = stamps.slice(1).map((s, i) => ({ interval: s.at - stamps[i]!.at - (s.hook - stamps[i]!.hook), run: s.run - stamps[i]!.run }));
  return { tokens: all.slice(all.length - tokens), steps };
}

/** Both sides in lock-step: before or after each of transformers.js's session runs (alternately), one
 *  step of ours (timed on its own, and taken out of their interval), so a step of each always runs under the same machine
 *  load; on 2 shared cores, load changes within seconds, and alternating whole generations was not
 *  enough (it gave either side the lead by up to 1.6× on the same file). */
async function interleavedDecode(ours: Awaited<ReturnType<typeof loadOurs>>, theirs: Awaited<ReturnType<typeof loadTransformers>>, ids: number[], tokens: number) {
  const { engine, timer } = ours;
  const { seq, logits } = await engine.createSequence(ids);
  let next = topK(logits.data, 1)[0]!;
  const oursTokens = [next];
  const oursSteps: { interval: number; run: number; engine: number; pick: number }[] = [];
  let hook = 0;
  const step = async () => {
    if (oursTokens.length >= tokens) return;
    const h0 = performance.now();
    const r0 = timer.total;
    const l = await engine.step(seq, [next]);
    const t1 = performance.now();
    next = topK(l.data, 1)[0]!;
    const t2 = performance.now();
    oursTokens.push(next);
    oursSteps.push({ interval: t2 - h0, run: timer.total - r0, engine: t1 - h0, pick: t2 - t1 });
    hook += performance.now() - h0;
  };
  // Which of the two runs first alternates from step to step: on these cores the first run of a pair
  // measured up to 10% slower, whichever side it was.
  let n = 0;
  theirs.timer.before = () => (n % 2 === 0 ? step() : Promise.resolve());
  theirs.timer.after = () => (n++ % 2 === 1 ? step() : Promise.resolve());
  try {
    const b = await theirsDecode(theirs, tokens, () => hook);
    return { ours: { tokens: oursTokens, steps: oursSteps }, theirs: b };
  } finally {
    theirs.timer.before = undefined;
    theirs.timer.after = undefined;
    await engine.release(seq);
  }
}

async function decode(folder: string, dtype: string, backend: NodeBackend, tokens: number, rounds: number) {
  const ours = await loadOurs(folder, dtype, backend);
  const ids = await ours.engine.encode(PROMPT);
  await oursDecode(ours.engine, ours.timer, ids, 3); // warm-up
  const theirs = await loadTransformers(folder, dtype, backend);
  const promptTheirs = Array.from((theirs.tokenizer(PROMPT) as { input_ids: { data: BigInt64Array } }).input_ids.data, Number);
  await theirsDecode(theirs, 3); // warm-up
  const oursSteps: Awaited<ReturnType<typeof oursDecode>>['steps'] = [];
  const theirSteps: Awaited<ReturnType<typeof theirsDecode>>['steps'] = [];
  let oursTokens: number[] = [];
  let theirTokens: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const { ours: a, theirs: b } = await interleavedDecode(ours, theirs, ids, tokens);
    oursSteps.push(...a.steps);
    theirSteps.push(...b.steps);
    oursTokens = a.tokens;
    theirTokens = b.tokens;
  }
  const med = (xs: number[]) => median(xs);
  return {
    backend,
    dtype,
    steps: oursSteps.length,
    samePrompt: JSON.stringify(ids) === JSON.stringify(promptTheirs),
    sameTokens: JSON.stringify(oursTokens) === JSON.stringify(theirTokens),
    oursTokens,
    theirTokens,
    ours: {
      loadMs: ours.loadMs,
      perToken: med(oursSteps.map((s) => s.interval)),
      run: med(oursSteps.map((s) => s.run)),
      engineRest: med(oursSteps.map((s) => s.engine - s.run)),
      pick: med(oursSteps.map((s) => s.pick)),
      rssDelta: ours.after.rss - ours.before.rss,
      heapDelta: ours.after.heapUsed - ours.before.heapUsed,
      weightBytes: ours.info.weightBytes,
      batching: ours.info.batching,
    },
    theirs: {
      loadMs: theirs.loadMs,
      perToken: med(theirSteps.map((s) => s.interval)),
      run: med(theirSteps.map((s) => s.run)),
      rest: med(theirSteps.map((s) => s.interval - s.run)),
      rssDelta: theirs.after.rss - theirs.before.rss,
      heapDelta: theirs.after.heapUsed - theirs.before.heapUsed,
    },
  };
}

async function lab(folder: string, dtype: string, backend: NodeBackend, sweepTokens: number) {
  const ours = await loadOurs(folder, dtype, backend);
  const { engine, timer } = ours;
  // Prefill: 512 tokens of text (the tokenizer stand-in's small vocabulary, so any text will do).
  const text = 'The quick brown fox jumps over the lazy dog. Once upon a time, there was a little robot who wanted to learn how to paint. ';
  let long: number[] = [];
  while (long.length < 512) long = [...long, ...(await engine.encode(text))];
  long = long.slice(0, 512);
  const prefill = async () => {
    const t0 = performance.now();
    const { seq } = await engine.createSequence(long);
    const ms = performance.now() - t0;
    await engine.release(seq);
    return ms;
  };
  await prefill(); // warm-up
  const prefills = [await prefill(), await prefill()];
  const afterPrefill = memory();

  const prompt = await engine.encode('Tell me a story about a lighthouse keeper.', 'chat');
  const sampling = { temperature: 1, topK: 0, topP: 1, minP: 0 };
  await sampleBatch(engine, prompt, 1, 0, { samples: 32, maxTokens: 2, seed: 0, stopIds: [] }); // warm-up
  const batched: number[] = [];
  const batchedRun: number[] = [];
  let batchedCalls = 0;
  for (let r = 0; r < 2; r++) {
    const r0 = timer.total;
    const c0 = timer.calls;
    const t0 = performance.now();
    await sampleBatch(engine, prompt, 1, 0, { samples: 32, maxTokens: sweepTokens, seed: 1 + r, stopIds: [] });
    batched.push(performance.now() - t0);
    batchedRun.push(timer.total - r0);
    batchedCalls = timer.calls - c0; // session.run calls for one batch: the prefill + one per step
  }
  const r0 = timer.total;
  const t0 = performance.now();
  for (let i = 0; i < 32; i++) await generate(engine, prompt, { maxTokens: sweepTokens, seed: i, sampling, stopIds: [] });
  const sequential = performance.now() - t0;
  const sequentialRun = timer.total - r0;
  const end = memory();
  return {
    backend,
    dtype,
    promptTokens: prompt.length,
    sweepTokens,
    loadMs: ours.loadMs,
    prefill512: median(prefills),
    batched: median(batched),
    batchedRun: median(batchedRun),
    batchedCalls,
    sequential,
    sequentialRun,
    memory: {
      weightBytes: ours.info.weightBytes,
      rssBefore: ours.before.rss,
      rssAfterLoad: ours.after.rss,
      heapAfterLoad: ours.after.heapUsed,
      rssAfterPrefill: afterPrefill.rss,
      rssEnd: end.rss,
      heapEnd: end.heapUsed,
      peakRss: peakRss(),
    },
  };
}

/** Memory of one side alone: the process before and after loading the model (and one decode step). */
async function mem(folder: string, dtype: string, backend: NodeBackend, side: string) {
  if (side === 'ours') {
    const o = await loadOurs(folder, dtype, backend);
    const ids = await o.engine.encode(PROMPT);
    await oursDecode(o.engine, o.timer, ids, 2);
    const m = memory();
    return { side, backend, dtype, loadMs: o.loadMs, weightBytes: o.info.weightBytes, rssBefore: o.before.rss, rssAfterLoad: o.after.rss, heapAfterLoad: o.after.heapUsed, rssAfterStep: m.rss, peakRss: peakRss() };
  }
  const t = await loadTransformers(folder, dtype, backend);
  await theirsDecode(t, 2);
  const m = memory();
  return { side, backend, dtype, loadMs: t.loadMs, weightBytes: 0, rssBefore: t.before.rss, rssAfterLoad: t.after.rss, heapAfterLoad: t.after.heapUsed, rssAfterStep: m.rss, peakRss: peakRss() };
}

const [mode, folder, dtype, backend, ...rest] = process.argv.slice(2);
await webRuntimeForTransformers(backend as NodeBackend);
const result =
  mode === 'decode'
    ? await decode(folder!, dtype!, backend as NodeBackend, Number(rest[0]), Number(rest[1]))
    : mode === 'mem'
      ? await mem(folder!, dtype!, backend as NodeBackend, rest[0]!)
      : await lab(folder!, dtype!, backend as NodeBackend, Number(rest[0]));
console.log('RESULT ' + JSON.stringify(result));
process.exit(0);
