/**
 * `lab batch`: one spec over many prompts, one results line per prompt, appended and fsynced as each
 * finishes; resumable after a crash, shardable over machines (see README, "Experiments as data").
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { LabAbortError } from '../../engine/errors';
import { batchLineText, parsePrompts, parseResults, parseShard, planResume, specDifference, type ResumePlan, type Shard } from '../../lab/experiments/batch';
import { readResultEnvelope } from '../../lab/experiments/envelope';
import { checkPlainJson, parseJsonText } from '../../lab/experiments/json-safety';
import { ExperimentDataError, type SpecEnvelope } from '../../lab/experiments/types';
import { required, UsageError } from '../args';
import type { CommandContext } from '../context';
import {
  backendFlag,
  indexOption,
  loadTestRunners,
  onePositional,
  openSpecModels,
  parseWithPositionals,
  readSpecFile,
  specAsRun,
  withBackends,
  withInterrupt,
} from '../experiments';
import { bar, eta, formatDuration, ProgressLine } from '../progress';

export const usage = `lab batch <spec.json> --prompts <prompts.jsonl> --out <results.jsonl> [--shard i/n] [--resume]
           [--backend node|wasm|webgpu] [--index i]
  Runs the spec once per prompt of prompts.jsonl (one {"prompt": "…"} per line; the spec's own prompt is
  replaced by each) and appends one line per prompt to results.jsonl: {prompt_index, prompt, result},
  flushed to disk as each finishes. The spec is written next to it as <results.jsonl>.spec.json.
  --shard i/n runs only the prompts with prompt_index % n = i (one shard per machine or job). --resume
  continues a results file: keeps its finished lines (a line cut short by a crash is dropped), runs only the
  rest, and refuses a different spec; without --resume an existing non-empty results file is refused.`;

/** Writes `text` to `file` through a temporary file and a rename: never half a file. */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

function appendLines(file: string, lines: string[]): void {
  const fd = openSync(file, 'a');
  try {
    writeAll(fd, lines.map((l) => `${l}\n`).join(''));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function sizeOf(file: string): number | null {
  try {
    return statSync(file).size;
  } catch {
    return null;
  }
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ExperimentDataError(`${file}: cannot read the ${what} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

export async function run(argv: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseWithPositionals(argv, {
    prompts: { type: 'string' },
    out: { type: 'string' },
    shard: { type: 'string' },
    resume: { type: 'boolean' },
    backend: { type: 'string' },
    index: { type: 'string' },
  });
  const specPath = onePositional(positionals, 'spec file: lab batch <spec.json> --prompts <prompts.jsonl> --out <results.jsonl>');
  const promptsPath = required(values, 'prompts');
  const outPath = required(values, 'out');
  const shard: Shard = values['shard'] === undefined ? { index: 0, count: 1 } : parseShard(String(values['shard']));
  const resume = Boolean(values['resume']);
  const flag = backendFlag(values);
  const index = indexOption(values);
  const outSize = sizeOf(outPath);
  if (outSize !== null && outSize > 0 && !resume) {
    throw new UsageError(`${outPath} exists and is not empty: --resume continues it (its finished prompts are kept), or choose another --out`, '--out');
  }
  if (outSize !== null && !statSync(outPath).isFile()) throw new UsageError(`${outPath} is not a file`, '--out');

  await loadTestRunners();
  const { prompts, lines } = parsePrompts(readText(promptsPath, 'prompts file'), promptsPath);
  // The spec is checked with its prompt replaced by the first one (its own may be empty: a template).
  const { spec: given, runner } = readSpecFile(specPath, index, prompts[0]);
  const { spec, sides } = withBackends(given, runner, flag);
  // Every prompt must make a valid spec of this kind: checked before anything runs.
  prompts.forEach((p, i) => {
    try {
      runner.validateSpec({ ...spec, prompt: p });
    } catch (err) {
      throw new ExperimentDataError(`${promptsPath} line ${lines[i]}: ${(err as Error).message}`);
    }
  });

  const specFile = `${outPath}.spec.json`;
  const progress = new ProgressLine(ctx);
  let plan: ResumePlan;
  if (outSize !== null && outSize > 0) {
    if (!existsSync(specFile)) {
      throw new UsageError(`${outPath} has no ${specFile} beside it, so its spec cannot be checked: choose another --out`, '--resume');
    }
    const recorded = parseJsonText(readText(specFile, 'spec record'), specFile);
    const diff = specDifference(recorded, spec);
    if (diff) {
      throw new UsageError(`the spec differs from the one ${outPath} was run with (${specFile}) at ${diff}: resume with the same spec and --backend, or choose another --out`, '--resume');
    }
    const existing = parseResults(readText(outPath, 'results file'), outPath, () => (r) => {
      readResultEnvelope(r, spec.kind, 'line.result');
      return runner.validateResult(r);
    });
    plan = planResume(existing, prompts, shard, outPath);
    if (existing.torn) progress.note(`resume: dropped line ${existing.torn.line} of ${outPath}, a line cut short (${existing.torn.text.length} characters): it runs again`);
    if (plan.drop.length > 0) {
      appendLines(`${outPath}.dropped.jsonl`, plan.drop.map((d) => d.text));
      for (const d of plan.drop.slice(0, 5)) progress.note(`resume: line ${d.line} not kept: ${d.reason}`);
      progress.note(`resume: ${plan.drop.length} line(s) not kept were moved to ${outPath}.dropped.jsonl`);
    }
    if (existing.torn || plan.drop.length > 0 || !existing.endsWithNewline) {
      writeAtomic(outPath, plan.keep.map((r) => `${r.text}\n`).join(''));
    }
    progress.note(`resume: ${plan.keep.length} finished, ${plan.todo.length} to run`);
  } else {
    plan = { keep: [], drop: [], todo: prompts.map((_, i) => i).filter((i) => i % shard.count === shard.index) };
    writeAtomic(specFile, `${JSON.stringify(spec, null, 2)}\n`);
    appendLines(outPath, []); // the results file exists from now on, even for a shard with no prompts
  }

  const total = plan.keep.length + plan.todo.length;
  const shardText = shard.count > 1 ? ` of shard ${shard.index}/${shard.count}` : '';
  if (plan.todo.length === 0) {
    ctx.out(`${outPath}: all ${total} prompts${shardText} are done`);
    return;
  }
  const models = await openSpecModels(spec, sides, ctx, progress);
  const start = Date.now();
  let done = plan.keep.length;
  const done0 = done;
  try {
    const asRun: SpecEnvelope = specAsRun(spec, models.infos);
    const fd = openSync(outPath, 'a');
    try {
      await withInterrupt(async (signal) => {
        for (const i of plan.todo) {
          if (signal.aborted) throw new LabAbortError('the batch');
          const status = (inner: string, force = false) => {
            const left = eta(done, total, start, done0);
            const rate = done > done0 ? ` · ${((done - done0) / ((Date.now() - start) / 1000)).toPrecision(3)}/s` : '';
            progress.show(`${bar(done, total)} ${done}/${total} prompts${shardText}${rate}${left !== null ? ` · ETA ${formatDuration(left)}` : ''}${inner}`, force);
          };
          status('', i === plan.todo[0]);
          let result;
          try {
            result = await runner.run(
              { ...asRun, prompt: prompts[i]! },
              { engines: models.engines, signal, onProgress: (p) => status(` · ${p.message} ${p.done}/${p.total ?? '?'}`) },
            );
            checkPlainJson(result, 'result');
            runner.validateResult(result);
          } catch (err) {
            progress.note(`stopped at prompt_index ${i} (${promptsPath} line ${lines[i]}); the ${done - done0} finished now are saved: --resume continues`);
            throw err;
          }
          writeAll(fd, `${batchLineText(i, prompts[i]!, result)}\n`);
          fsyncSync(fd);
          done++;
        }
      }, ctx);
    } finally {
      closeSync(fd);
    }
  } finally {
    await models.dispose();
  }
  progress.clear();
  ctx.out(`${outPath}: ${done}/${total} prompts${shardText} done (${done0} from before, ${done - done0} run now in ${formatDuration((Date.now() - start) / 1000)})`);
}
