/** `lab sweep`: temperature sweeps, exact curves and batched samples. */
import { histogram, parseTemperatures, sweep } from '../../lab/sweep';
import { checkContext, choice, intOption, LIMITS, parse, required, table, textOption, UsageError } from '../args';
import { backendOption, openModel, type CommandContext } from '../context';

export const usage = `lab sweep --model <m> --prompt "<p>" [--template none|chat] --temperatures 0.5,1,1.5
           [--samples N] [--max-tokens K] [--seed S] [--group-regex R] [--backend node|wasm|webgpu] [--json]
  Exact entropy of the tempered next-token distribution at each T (no sampling), and N samples per T
  generated as one batch (prompt prefilled once), with distinct-1/2, unique fraction, mean entropy and
  mean log-probability at T = 1. Temperatures: a list (0.5,1,1.5) or a range (0.1..2 step 0.1), at most
  ${LIMITS.temperatures}; --samples 1..${LIMITS.samples}; --max-tokens at most what the model's context leaves.`;

export async function run(argv: string[], ctx: CommandContext): Promise<void> {
  const v = parse(argv, {
    model: { type: 'string' },
    prompt: { type: 'string' },
    template: { type: 'string' },
    temperatures: { type: 'string' },
    samples: { type: 'string' },
    'max-tokens': { type: 'string' },
    seed: { type: 'string' },
    'group-regex': { type: 'string' },
    backend: { type: 'string' },
    json: { type: 'boolean' },
  });
  const model = required(v, 'model');
  const prompt = textOption(v, 'prompt');
  const template = choice(v, 'template', ['none', 'chat'] as const, 'none');
  let temperatures: number[];
  try {
    temperatures = parseTemperatures(required(v, 'temperatures'), LIMITS.temperatures);
  } catch (err) {
    throw new UsageError(`--temperatures: ${(err as Error).message}`, '--temperatures', `at most ${LIMITS.temperatures} temperatures`);
  }
  const samples = intOption(v, 'samples', 16, 1, LIMITS.samples);
  const maxTokens = intOption(v, 'max-tokens', 24, 1, LIMITS.maxTokens);
  const seed = intOption(v, 'seed', 0, 0, LIMITS.seed);
  let regex: RegExp | undefined;
  if (typeof v['group-regex'] === 'string') {
    try {
      regex = new RegExp(v['group-regex'], 'u');
    } catch (err) {
      throw new UsageError(`--group-regex: ${(err as Error).message}`, '--group-regex');
    }
  }
  const engine = await openModel(model, backendOption(v), ctx);
  try {
    const context = await engine.encode(prompt, template);
    checkContext('--max-tokens', context.length, maxTokens, (await engine.info()).contextLength);
    const r = await sweep(engine, context, temperatures, { samples, maxTokens, seed });
    if (v['json']) {
      ctx.out(
        JSON.stringify({
          context: r.context,
          exact: r.exact.map((e) => ({ temperature: e.temperature, entropy_first: e.entropy_first, top1_mass: e.top1_mass, top5_mass: e.top5_mass, entropy_along: e.entropy_along })),
          runs: r.runs.map((run) => ({ ...run, histogram: histogram(run.samples.map((s) => s.text), regex ? { regex } : {}) })),
        }),
      );
      return;
    }
    const rows = [['T', 'H first (nats)', 'top-1 mass', 'top-5 mass', 'mean H', 'distinct-1', 'distinct-2', 'unique', 'mean logp@1', 'top answer']];
    r.runs.forEach((run, j) => {
      const e = r.exact[j]!;
      const m = run.metrics;
      const top = histogram(run.samples.map((s) => s.text), regex ? { regex } : {})[0]!;
      rows.push([String(run.temperature), e.entropy_first.toFixed(4), e.top1_mass.toFixed(4), e.top5_mass.toFixed(4), m.mean_entropy.toFixed(3), m.distinct_1.toFixed(3), m.distinct_2.toFixed(3), m.unique_fraction.toFixed(3), m.mean_logprob.toFixed(3), `${JSON.stringify(top.answer)} ×${top.count}`]);
    });
    ctx.out(`${samples} samples × ${maxTokens} tokens per temperature, seed ${seed}, template ${template}`);
    ctx.out(table(rows, ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l']));
  } finally {
    await engine.dispose();
  }
}
