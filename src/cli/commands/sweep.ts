/** `lab sweep`: temperature sweeps, exact curves and batched samples (one model, or base and tuned). */
import { parseTemperatures } from '../../lab/sweep';
import { runSweep, sweepSpec, type SweepGroupingSetting, type SweepSide, type SweepSpec } from '../../lab/experiments/sweep';
import type { Engine } from '../../engine/types';
import { checkContext, choice, intOption, LIMITS, parse, table, textOption, UsageError } from '../args';
import { backendOption, type CommandContext } from '../context';
import { cliModelRef, openSpecModel } from '../spec-models';

export const usage = `lab sweep --model <m> --prompt "<p>" [--template none|chat] --temperatures 0.5,1,1.5
           [--samples N] [--max-tokens K] [--seed S] [--group-regex R | --group-words W] [--grid G]
           [--reference "<text>"] [--side base|tuned] [--backend node|wasm|webgpu] [--json] [--print-spec]
       lab sweep --base <m> --tuned <m> [--base-template none|chat] [--tuned-template none|chat] … (as above)
  Exact entropy of the tempered next-token distribution at each T (no sampling), and N samples per T
  generated as one batch (prompt prefilled once), with distinct-1/2, unique fraction, mean entropy and
  mean log-probability at T = 1. Temperatures: a list (0.5,1,1.5) or a range (0.1..2 step 0.1), at most
  ${LIMITS.temperatures}; --samples 1..${LIMITS.samples}; --max-tokens at most what the model's context leaves.
  --grid: the exact curves' temperatures (default: --temperatures). --reference: the continuation the
  entropy along is measured on (default: each model's greedy one). One model sweeps on the --side it is
  given (default base); with --base and --tuned both sweep, and the matching temperature (how hot the
  tuned model must run to be as uncertain as the base at T = 1, over each model's own answers) is added.
  --json prints the run's result data (the same as \`lab run\` of the spec): per side its context, exact
  curves and runs with answer histograms. --print-spec prints the spec as JSON and runs nothing.`;

function temperaturesOption(v: Record<string, unknown>, name: string, max: number): number[] {
  const raw = v[name];
  if (typeof raw !== 'string' || raw === '') throw new UsageError(`--${name} is required`, `--${name}`);
  try {
    return parseTemperatures(raw, max);
  } catch (err) {
    throw new UsageError(`--${name}: ${(err as Error).message}`, `--${name}`, `at most ${max} temperatures`);
  }
}

export async function run(argv: string[], ctx: CommandContext): Promise<void> {
  const v = parse(argv, {
    model: { type: 'string' },
    base: { type: 'string' },
    tuned: { type: 'string' },
    side: { type: 'string' },
    prompt: { type: 'string' },
    template: { type: 'string' },
    'base-template': { type: 'string' },
    'tuned-template': { type: 'string' },
    temperatures: { type: 'string' },
    grid: { type: 'string' },
    samples: { type: 'string' },
    'max-tokens': { type: 'string' },
    seed: { type: 'string' },
    'group-regex': { type: 'string' },
    'group-words': { type: 'string' },
    reference: { type: 'string' },
    backend: { type: 'string' },
    json: { type: 'boolean' },
    'print-spec': { type: 'boolean' },
  });
  const pair = v['base'] !== undefined || v['tuned'] !== undefined;
  if (pair && v['model'] !== undefined) throw new UsageError('give --model (one model) or --base and --tuned (both), not both', '--model');
  if (pair && (v['base'] === undefined || v['tuned'] === undefined || v['base'] === '' || v['tuned'] === '')) throw new UsageError('--base and --tuned go together (or give one --model)', v['base'] === undefined ? '--base' : '--tuned');
  if (!pair && (typeof v['model'] !== 'string' || v['model'] === '')) throw new UsageError('--model is required', '--model');
  if (pair && (v['side'] !== undefined || v['template'] !== undefined)) throw new UsageError('--side and --template are for one --model; with --base/--tuned use --base-template/--tuned-template', v['side'] !== undefined ? '--side' : '--template');
  const prompt = textOption(v, 'prompt');
  const temperatures = temperaturesOption(v, 'temperatures', LIMITS.temperatures);
  const grid = v['grid'] === undefined ? temperatures : temperaturesOption(v, 'grid', 1000);
  const samples = intOption(v, 'samples', 16, 1, LIMITS.samples);
  const maxTokens = intOption(v, 'max-tokens', 24, 1, LIMITS.maxTokens);
  const seed = intOption(v, 'seed', 0, 0, LIMITS.seed);
  let grouping: SweepGroupingSetting = { by: 'words', words: 3 };
  if (typeof v['group-regex'] === 'string') {
    if (v['group-words'] !== undefined) throw new UsageError('give --group-regex or --group-words, not both', '--group-words');
    try {
      new RegExp(v['group-regex'], 'u');
    } catch (err) {
      throw new UsageError(`--group-regex: ${(err as Error).message}`, '--group-regex');
    }
    if (v['group-regex'] === '') throw new UsageError('--group-regex is empty', '--group-regex');
    grouping = { by: 'regex', regex: v['group-regex'] };
  } else if (v['group-words'] !== undefined) grouping = { by: 'words', words: intOption(v, 'group-words', 3, 1, 20) };
  if (v['reference'] === '') throw new UsageError('--reference is empty: give some text, or leave it out for the greedy continuation', '--reference');
  const backend = backendOption(v);
  const sides: SweepSide[] = pair ? ['base', 'tuned'] : [choice(v, 'side', ['base', 'tuned'] as const, 'base')];
  const template = choice(v, 'template', ['none', 'chat'] as const, 'none');
  const templates = pair
    ? { base: choice(v, 'base-template', ['none', 'chat'] as const, 'none'), tuned: choice(v, 'tuned-template', ['none', 'chat'] as const, 'chat') }
    : { base: template, tuned: template };
  const models: SweepSpec['models'] = pair ? { base: cliModelRef(v['base'] as string, backend), tuned: cliModelRef(v['tuned'] as string, backend) } : { [sides[0]!]: cliModelRef(v['model'] as string, backend) };
  const spec = sweepSpec(models, prompt, seed, {
    sides,
    templates,
    grid,
    temperatures,
    samples,
    max_tokens: maxTokens,
    reference: typeof v['reference'] === 'string' ? v['reference'] : null,
    grouping,
  });
  if (v['print-spec']) {
    ctx.out(JSON.stringify(spec, null, 2));
    return;
  }
  const engines: Partial<Record<SweepSide, Engine>> = {};
  try {
    for (const side of sides) engines[side] = await openSpecModel(spec.models[side]!, ctx);
    for (const side of sides) {
      const engine = engines[side]!;
      const context = await engine.encode(prompt, templates[side]);
      checkContext('--max-tokens', context.length, maxTokens, (await engine.info()).contextLength);
    }
    const { data } = await runSweep(spec, { engines });
    if (v['json']) {
      ctx.out(JSON.stringify(data));
      return;
    }
    ctx.out(`${samples} samples × ${maxTokens} tokens per temperature, seed ${seed}${pair ? '' : `, template ${template}`}; answers grouped by ${data.grouping.label}`);
    for (const side of sides) {
      const d = data[side]!;
      if (pair) ctx.out(`\n${side} (${spec.models[side]!.repo}), template ${d.template}`);
      ctx.out(`exact entropy after the prompt at T = 1: ${d.entropy_first_at_T1.toFixed(4)} nats`);
      const exactAt = (t: number) => d.exact.find((e) => Math.abs(e.temperature - t) < 1e-9);
      const rows = [['T', 'H first (nats)', 'top-1 mass', 'top-5 mass', 'mean H', 'distinct-1', 'distinct-2', 'unique', 'mean logp@1', 'top answer']];
      d.runs.forEach((run) => {
        const e = exactAt(run.temperature);
        const m = run.metrics;
        const top = run.histogram[0]!;
        rows.push([String(run.temperature), e ? e.entropy_first.toFixed(4) : '', e ? e.top1_mass.toFixed(4) : '', e ? e.top5_mass.toFixed(4) : '', m.mean_entropy.toFixed(3), m.distinct_1.toFixed(3), m.distinct_2.toFixed(3), m.unique_fraction.toFixed(3), m.mean_logprob.toFixed(3), `${JSON.stringify(top.answer)} ×${top.count}`]);
      });
      ctx.out(table(rows, ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l']));
    }
    if (data.match) {
      const m = data.match;
      ctx.out(
        `\nmatching temperature (the tuned model as uncertain as the base at T = 1, over each model's own answers): ${m.tuned_temperature === null ? 'not reached in the grid' : `T ≈ ${m.tuned_temperature.toFixed(3)}`} (target ${m.base_entropy_at_T1.toFixed(4)} nats over ${m.positions.base} positions; first position only: ${m.first_position.tuned_temperature === null ? 'not reached' : `T ≈ ${m.first_position.tuned_temperature.toFixed(3)}`})`,
      );
    }
  } finally {
    for (const side of sides) await engines[side]?.dispose();
  }
}
