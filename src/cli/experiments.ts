/**
 * What `lab run`, `lab batch` and `lab summarize` share: reading a spec file, choosing each model's
 * backend, loading the spec's models, and the test-only runner hook.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { NodeBackend } from '../engine/node';
import type { Engine, ModelInfo } from '../engine/types';
import { sourceOf } from '../lab/experiments/model-ref';
import { specFromText, type SpecFromFile } from '../lab/experiments/spec-file';
import { ExperimentDataError, type ModelRef, type Runner, type SpecEnvelope } from '../lab/experiments/types';
import { intOption, UsageError } from './args';
import { openModel, type CommandContext } from './context';
import type { ProgressLine } from './progress';

/**
 * TEST-ONLY hook: when the environment variable `LAB_TEST_RUNNERS` names a module, it is imported before a
 * spec is read, so that it can register extra runners in RUNNERS (src/cli/testing/fake-runner.ts: a fake,
 * optionally slow runner whose calls are logged, used by src/cli/batch.test.ts through a real child
 * process). Nothing in the lab sets it; it is not a plug-in interface.
 */
export async function loadTestRunners(): Promise<void> {
  const m = process.env['LAB_TEST_RUNNERS'];
  if (m) await import(pathToFileURL(resolve(m)).href);
}

/** node:util parseArgs with positionals; errors become UsageErrors (exit 2). */
export function parseWithPositionals(argv: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: r.values as Record<string, unknown>, positionals: r.positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The one positional argument, a file: required, exactly one. */
export function onePositional(positionals: string[], what: string): string {
  if (positionals.length === 0) throw new UsageError(`give the ${what}`);
  if (positionals.length > 1) throw new UsageError(`one ${what} only, got ${positionals.length}: ${positionals.join(' ')}`);
  return positionals[0]!;
}

/** `--index i` (a run of a multi-run export), or undefined. */
export function indexOption(values: Record<string, unknown>): number | undefined {
  return values['index'] === undefined ? undefined : intOption(values, 'index', 0, 0);
}

/** `--backend`, or undefined when not given (the spec's backend then decides). */
export function backendFlag(values: Record<string, unknown>): NodeBackend | undefined {
  const v = values['backend'];
  if (v === undefined) return undefined;
  if (v !== 'node' && v !== 'wasm' && v !== 'webgpu') throw new UsageError(`--backend must be one of node, wasm, webgpu, got ${String(v)}`);
  return v;
}

/** Reads and checks a spec file (see src/lab/experiments/spec-file.ts for the shapes accepted). */
export function readSpecFile(file: string, index?: number, prompt?: string): SpecFromFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ExperimentDataError(`${file}: cannot read the spec file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return specFromText(text, file, index, prompt);
}

/** The backend a model runs on: the flag, else the spec's (every backend a spec can name but `auto` runs
 *  in Node), else node. */
export function chooseBackend(flag: NodeBackend | undefined, ref: ModelRef | undefined): NodeBackend {
  if (flag) return flag;
  if (ref && ref.backend !== 'auto') return ref.backend;
  return 'node';
}

/** The spec with the backend of every side the runner needs filled in; refuses a spec that lacks a side. */
export function withBackends(spec: SpecEnvelope, runner: Runner, flag: NodeBackend | undefined): { spec: SpecEnvelope; sides: ('base' | 'tuned')[] } {
  const sides = runner.sides(spec);
  const models = { ...spec.models };
  for (const side of sides) {
    const ref = models[side];
    if (!ref) throw new ExperimentDataError(`is missing: a ${spec.kind} run needs the ${side} model`, `spec.models.${side}`);
    models[side] = { ...ref, backend: chooseBackend(flag, ref) };
  }
  return { spec: { ...spec, models }, sides };
}

export interface LoadedModels {
  engines: { base?: Engine; tuned?: Engine };
  infos: { base?: ModelInfo; tuned?: ModelInfo };
  dispose(): Promise<void>;
}

/** Loads the models of the given sides (backends already chosen by `withBackends`). */
export async function openSpecModels(spec: SpecEnvelope, sides: ('base' | 'tuned')[], ctx: CommandContext, progress: ProgressLine): Promise<LoadedModels> {
  const loaded: LoadedModels = {
    engines: {},
    infos: {},
    async dispose() {
      for (const e of Object.values(loaded.engines)) await e?.dispose().catch(() => {});
    },
  };
  try {
    for (const side of sides) {
      const ref = spec.models[side]!;
      const backend = ref.backend as NodeBackend;
      progress.show(`loading the ${side} model ${sourceOf(ref)} (${backend}${ref.dtype ? `, ${ref.dtype}` : ''})…`, true);
      const engine = await openModel(sourceOf(ref), backend, ctx, ref.dtype ?? undefined);
      loaded.engines[side] = engine;
      loaded.infos[side] = await engine.info();
    }
  } catch (err) {
    await loaded.dispose();
    throw err;
  }
  return loaded;
}

/** The spec as run: each loaded side's backend and dtype as the engine reports them. */
export function specAsRun(spec: SpecEnvelope, infos: LoadedModels['infos']): SpecEnvelope {
  const models = { ...spec.models };
  for (const side of ['base', 'tuned'] as const) {
    const info = infos[side];
    const ref = models[side];
    if (info && ref) models[side] = { ...ref, backend: info.backend, dtype: info.dtype };
  }
  return { ...spec, models };
}

/** An AbortSignal that Ctrl-C (SIGINT) aborts while `body` runs: the runner stops at its next check (a
 *  batch keeps every line it finished). A second Ctrl-C exits at once (status 130). */
export async function withInterrupt<T>(body: (signal: AbortSignal) => Promise<T>, ctx?: CommandContext): Promise<T> {
  const ac = new AbortController();
  const onInt = () => {
    if (ac.signal.aborted) process.exit(130);
    ctx?.err('interrupted: stopping (Ctrl-C again to quit at once)');
    ac.abort();
  };
  process.on('SIGINT', onInt);
  try {
    return await body(ac.signal);
  } finally {
    process.removeListener('SIGINT', onInt);
  }
}

/** A number for people: 4 significant digits, integers as they are. */
export function fmt(x: number | null): string {
  if (x === null) return '–';
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e6 ? String(Number(x.toPrecision(4))) : x.toExponential(3);
}
