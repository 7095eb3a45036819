/** `lab run`: runs one experiment spec (a file the page exported, or `--print-spec` of any command). */
import { checkPlainJson } from '../../lab/experiments/json-safety';
import { table } from '../args';
import type { CommandContext } from '../context';
import {
  backendFlag,
  fmt,
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
import { eta, formatDuration, ProgressLine } from '../progress';

export const usage = `lab run <spec.json> [--json] [--backend node|wasm|webgpu] [--index i] [--print-spec]
  Runs an experiment spec of any kind: a bare spec, {spec, result} (what lab run --json prints), a library
  record, or a library export (--index i picks a run when it holds several). Each model runs on --backend,
  else the backend its spec names (auto: node). Prints the runner's title and headline numbers, or with
  --json {spec, result}: the spec as run (backend and dtype filled in) and the result, which imports into
  the page's library. --print-spec prints the spec as it would run and runs nothing.`;

export async function run(argv: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseWithPositionals(argv, {
    json: { type: 'boolean' },
    backend: { type: 'string' },
    index: { type: 'string' },
    'print-spec': { type: 'boolean' },
  });
  const file = onePositional(positionals, 'spec file: lab run <spec.json>');
  const flag = backendFlag(values);
  const index = indexOption(values);
  await loadTestRunners();
  const { spec: given, runner } = readSpecFile(file, index);
  const { spec, sides } = withBackends(given, runner, flag);
  if (values['print-spec']) {
    ctx.out(JSON.stringify(spec));
    return;
  }
  const progress = new ProgressLine(ctx);
  if (!flag && sides.some((s) => spec.models[s]!.backend === 'webgpu')) {
    progress.note('note: the spec ran on webgpu, so this run does too (Dawn in Node); --backend node runs it on the CPU');
  }
  const models = await openSpecModels(spec, sides, ctx, progress);
  try {
    const asRun = specAsRun(spec, models.infos);
    const start = Date.now();
    const result = await withInterrupt((signal) =>
      runner.run(asRun, {
        engines: models.engines,
        signal,
        onProgress: (p) => {
          const left = eta(p.done, p.total, start);
          progress.show(`${spec.kind}: ${p.message} ${p.done}/${p.total ?? '?'}${left !== null ? ` · ETA ${formatDuration(left)}` : ''}`);
        },
      }),
      ctx,
    );
    progress.clear();
    // What is printed must import into the page's library: plain JSON that the kind's reader accepts.
    checkPlainJson(result, 'result');
    runner.validateResult(result);
    if (values['json']) {
      ctx.out(JSON.stringify({ spec: asRun, result }));
      return;
    }
    ctx.out(runner.title(asRun));
    const head = runner.headline(result.data);
    const names = Object.keys(head);
    if (names.length > 0) ctx.out(table(names.map((n) => [`  ${n}`, fmt(head[n] ?? null)]), ['l', 'r']));
    ctx.err(`ran in ${formatDuration((Date.now() - start) / 1000)}`);
  } finally {
    await models.dispose();
  }
}
