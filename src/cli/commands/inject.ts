/** `lab inject`: injection-recovery traces. */
import { injectRunner, injectSpec, type InjectSpec } from '../../lab/experiments/inject';
import { continuationDiff, INJECT_DEFAULTS } from '../../lab/inject';
import { visibleToken } from '../../lab/tokens';
import { checkContext, choice, intOption, LIMITS, ONE_SIDE_FLAGS, parse, required, table, textOption, UsageError } from '../args';
import { backendOption, openModel, type CommandContext } from '../context';
import { cliModelRef } from '../spec-models';

export const usage = `lab inject --model <m> --prompt "<p>" [--template none|chat] --after-tokens K --injection "<text>"
           [--steps N] [--window W] [--run R] [--threshold X] [--rel-threshold r] [--seed S [--runs N]]
           [--side base|tuned] [--backend node|wasm|webgpu] [--json] [--print-spec]
  The model writes a clean continuation; the injection goes in after K clean tokens. Both runs stop at the
  model's end-of-text ids (and with --template chat at the template's end-of-turn token). Per step t of the injected run: KL(injected‖clean) at the same
  offset (clean step K+t), the aligned KL (the best-matching clean step within ±W, default 8) and its offset,
  log p of the clean run's next token, p(end). Threshold τ = max(X, r × the clean run's mean entropy)
  (defaults 0.1 nats, r = 0.1). Recovery: the first step from which the KL at one offset stays below τ for R
  consecutive steps (default 4). Outcome: recovered, ended (the injected run closed its turn or the text)
  or diverged. Greedy unless --seed: then the clean and injected runs share their random numbers, and a
  no-injection control run (another seed, same first K tokens) gives the noise floor; --runs N traces seeds
  S … S+N−1 (mean and spread per step, and the no-injection band). --json prints {<side>: …} (the model is the
  spec's --side, default base): run 1's trace as above, the template, the sampled runs and bands, the outcome
  counts. --print-spec prints the experiment spec for these flags (for lab run / lab batch) and runs nothing.`;

function positive(v: Record<string, unknown>, name: string, fallback: number, allowZero: boolean): number {
  if (v[name] === undefined) return fallback;
  const x = Number(v[name]);
  if (!Number.isFinite(x) || x < 0 || (!allowZero && x === 0) || x > 1000) throw new UsageError(`--${name} must be a number ${allowZero ? '≥' : '>'} 0 and ≤ 1000, got ${String(v[name])}`, `--${name}`);
  return x;
}

const num = (x: number | null, digits = 4) => (x === null ? '—' : x.toFixed(digits));

export async function run(argv: string[], ctx: CommandContext): Promise<void> {
  const v = parse(argv, {
    ...ONE_SIDE_FLAGS,
    'after-tokens': { type: 'string' },
    injection: { type: 'string' },
    steps: { type: 'string' },
    window: { type: 'string' },
    run: { type: 'string' },
    threshold: { type: 'string' },
    'rel-threshold': { type: 'string' },
    runs: { type: 'string' },
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
  const window = intOption(v, 'window', INJECT_DEFAULTS.window, 0, LIMITS.steps);
  const runLength = intOption(v, 'run', INJECT_DEFAULTS.run, 1, LIMITS.steps);
  const threshold = positive(v, 'threshold', INJECT_DEFAULTS.threshold, false);
  const relThreshold = positive(v, 'rel-threshold', INJECT_DEFAULTS.relThreshold, true);
  const seed = v['seed'] === undefined ? undefined : intOption(v, 'seed', 0, 0, LIMITS.seed);
  const runs = intOption(v, 'runs', 1, 1, 200);
  if (v['runs'] !== undefined && seed === undefined) throw new UsageError('--runs needs --seed (sampled runs)', '--runs');
  const side = choice(v, 'side', ['base', 'tuned'] as const, 'base');
  const backend = backendOption(v);
  const spec: InjectSpec = injectSpec({
    models: { [side]: cliModelRef(model, backend) },
    prompt,
    seed: seed ?? 0,
    settings: {
      sides: [side],
      templates: { [side]: template },
      after_tokens: afterTokens,
      injection,
      steps,
      threshold,
      rel_threshold: relThreshold,
      window,
      run: runLength,
      mode: seed === undefined ? 'greedy' : 'sampled',
      runs,
      temperature: 1,
      heatmap: null,
    },
  });
  if (v['print-spec']) {
    ctx.out(JSON.stringify(injectRunner.validateSpec(spec), null, 2));
    return;
  }
  const engine = await openModel(model, backend, ctx);
  try {
    const context = await engine.encode(prompt, template);
    // Both runs hold the prompt, K clean tokens, the injection (in the injected run) and the traced steps
    // (the clean run also looks ahead by the window).
    const injected = injection === '' ? 0 : (await engine.encodeContinuation(injection)).length;
    checkContext('--steps', context.length, afterTokens + Math.max(injected, window) + steps, (await engine.info()).contextLength, 'tokens (--after-tokens + the injection or --window + --steps)');
    const result = await injectRunner.run(spec, { engines: { [side]: engine } });
    const r = result.data[side]!;
    if (v['json']) {
      ctx.out(JSON.stringify(result.data));
      return;
    }
    ctx.out(`clean:    ${JSON.stringify(await engine.decode(r.clean.continuation))}`);
    ctx.out(`injected: ${JSON.stringify(await engine.decode(r.injected.context.slice(context.length)))} → ${JSON.stringify(await engine.decode(r.injected.continuation))}`);
    const rows = [['step', 'KL same offset', 'KL aligned', 'offset', 'logp clean next', 'p(end)', ...(r.control ? ['control KL aligned'] : [])]];
    for (const p of r.trace) {
      const c = r.control?.trace[p.step];
      rows.push([String(p.step), num(p.kl), num(p.kl_aligned), p.aligned_offset === null ? '—' : String(p.aligned_offset), num(p.logp_clean_next), p.p_end.toExponential(2), ...(r.control ? [num(c?.kl_aligned ?? null)] : [])]);
    }
    ctx.out(table(rows, rows[0]!.map(() => 'r')));
    ctx.out('aligned tokens (clean | injected):');
    const clean = r.clean.continuation.slice(r.after_tokens);
    const [ct, it] = [await engine.tokenTexts(clean), await engine.tokenTexts(r.injected.continuation)];
    const diff = continuationDiff(r).map((o) => [o.op === 'injected' ? '' : visibleToken(ct[o.clean]!), o.op === 'same' ? '=' : o.op === 'clean' ? '-' : '+', o.op === 'clean' ? '' : visibleToken(it[o.injected]!)]);
    ctx.out(table(diff, ['r', 'l', 'l']));
    const t = r.threshold;
    ctx.out(`threshold τ = max(${t.nats}, ${t.relative} × mean entropy ${t.mean_entropy.toFixed(4)}) = ${t.effective.toFixed(4)} nats; window ±${r.window}; run ${r.run}`);
    ctx.out(`outcome: ${r.outcome}${r.recovery_step !== null ? ` at step ${r.recovery_step}, offset ${r.recovery_offset}` : ''}${r.ended_step !== null ? `; the injected run ended at step ${r.ended_step} (p(end) ${r.trace[r.ended_step]!.p_end.toFixed(4)})` : ''}${r.clean_ended_step !== null ? `; the clean run ended at its token ${r.clean_ended_step + 1}` : ''}`);
    if (r.control) ctx.out(`no-injection control (seed ${r.control.seed}): ${r.control.outcome}${r.control.recovery_step !== null ? ` at step ${r.control.recovery_step}` : ''}`);
    if (r.sampled && r.sampled.runs.length + r.sampled.skipped.length > 1) {
      ctx.out(`over ${r.sampled.runs.length} sampled runs (seeds from ${spec.seed}): ${r.outcomes.recovered} recovered, ${r.outcomes.ended} ended, ${r.outcomes.diverged} diverged${r.sampled.skipped.length ? `; ${r.sampled.skipped.length} seed(s) left out (the clean run stopped before K)` : ''}`);
    }
  } finally {
    await engine.dispose();
  }
}
