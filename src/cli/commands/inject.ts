/** `lab inject`: injection-recovery traces. */
import { injectTrace } from '../../lab/inject';
import { checkContext, choice, intOption, LIMITS, parse, positiveOption, required, table, textOption, UsageError } from '../args';
import { backendOption, openModel, type CommandContext } from '../context';

export const usage = `lab inject --model <m> --prompt "<p>" [--template none|chat] --after-tokens K --injection "<text>"
           [--steps N] [--threshold X] [--seed S] [--backend node|wasm|webgpu] [--json]
  The model writes a clean continuation; the injection goes in after K clean tokens; per step after it,
  KL(injected‖clean) between the two runs' next-token distributions and the log-probability of the clean
  run's next token under the injected context. Recovery: the first step from which KL stays below X.
  Greedy unless --seed is given.`;

export async function run(argv: string[], ctx: CommandContext): Promise<void> {
  const v = parse(argv, {
    model: { type: 'string' },
    prompt: { type: 'string' },
    template: { type: 'string' },
    'after-tokens': { type: 'string' },
    injection: { type: 'string' },
    steps: { type: 'string' },
    threshold: { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string' },
    json: { type: 'boolean' },
  });
  const model = required(v, 'model');
  const prompt = textOption(v, 'prompt');
  const template = choice(v, 'template', ['none', 'chat'] as const, 'none');
  const afterTokens = intOption(v, 'after-tokens', 0, 0, LIMITS.maxTokens);
  if (v['after-tokens'] === undefined) throw new UsageError('--after-tokens is required', '--after-tokens');
  // An empty injection is allowed: it is the no-injection control (both runs the same).
  if (typeof v['injection'] !== 'string') throw new UsageError('--injection is required', '--injection');
  const injection = v['injection'];
  const steps = intOption(v, 'steps', 16, 1, LIMITS.steps);
  const threshold = positiveOption(v, 'threshold', 0.1, 1000);
  const seed = v['seed'] === undefined ? undefined : intOption(v, 'seed', 0, 0, LIMITS.seed);
  const engine = await openModel(model, backendOption(v), ctx);
  try {
    const context = await engine.encode(prompt, template);
    // Both runs hold the prompt, K clean tokens, the injection (in the injected run) and the traced steps.
    const injected = injection === '' ? 0 : (await engine.encodeContinuation(injection)).length;
    checkContext('--steps', context.length, afterTokens + injected + steps, (await engine.info()).contextLength, 'tokens (--after-tokens + the injection + --steps)');
    const r = await injectTrace(engine, context, { afterTokens, injection, steps, threshold, ...(seed !== undefined ? { seed } : {}) });
    if (v['json']) {
      ctx.out(JSON.stringify({ ...r, trace: r.trace.map(({ step, kl, logp_clean_next, p_end }) => ({ step, kl, logp_clean_next, p_end })) }));
      return;
    }
    ctx.out(`clean:    ${JSON.stringify(await engine.decode(r.clean.continuation))}`);
    ctx.out(`injected: ${JSON.stringify(await engine.decode(r.injected.context.slice(context.length)))} → ${JSON.stringify(await engine.decode(r.injected.continuation))}`);
    const rows = [['step', 'KL(inj‖clean)', 'logp clean next', 'p(end)']];
    for (const p of r.trace) rows.push([String(p.step), p.kl.toFixed(4), p.logp_clean_next.toFixed(4), p.p_end.toExponential(2)]);
    ctx.out(table(rows, ['r', 'r', 'r', 'r']));
    ctx.out(`recovery step (KL stays below ${threshold}): ${r.recovery_step ?? 'none'}`);
  } finally {
    await engine.dispose();
  }
}
