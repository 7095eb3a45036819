/** `lab compare`: base vs tuned, token by token, teacher-forced. */
import { siblingOf } from '../../lab/templates';
import { contextIds } from '../../lab/compare';
import { compareSpec, runCompare, type CompareSpec } from '../../lab/experiments/compare';
import { visibleToken } from '../../lab/tokens';
import { checkContext, choice, intOption, LIMITS, parse, required, table, textOption, UsageError } from '../args';
import { backendOption, type CommandContext } from '../context';
import { cliModelRef, openSpecModel } from '../spec-models';

export const usage = `lab compare --base <m> --tuned <m> --prompt "<p>" [--response "<r>"]
           [--base-template none|urial|chat] [--tuned-template chat|none] [--max-tokens N] [--cross]
           [--response-from base|tuned] [--response-temperature T] [--samples N] [--seed S]
           [--backend node|wasm|webgpu] [--json] [--print-spec]
  Scores the response (default: the tuned model's greedy answer) under both models, each in one
  teacher-forced pass: per token the probability and rank under each model, KL(tuned‖base), entropies,
  URIAL's class (unshifted rank 1 / marginal 2–3 / shifted >3 under the base; the tuned end-of-turn token
  is not classed), and a summary: the same classes and mean KL on held-out human text (the noise floor),
  the teacher-forced exp(mean entropy) along the response, Yang & Holtzman's on-policy branching factor
  (each model's own N samples at T = 1, default 16; 0 skips), the base's factor along the tuned samples
  (nudging), and γ of the sharpened base (base logits × γ fitted to the tuned model). Templates default to
  the model's own for the lab-grown family (chat for lab-sft and lab-rl on either side, none for lab-base);
  other models: none for the base, chat for the tuned.
  Without --response the answer is generated: by the tuned model (or --response-from base), greedy, or
  sampled at --response-temperature T > 0 with --seed. --json prints the run's result data (the same as
  \`lab run\` of the spec); --print-spec prints the spec of these settings as JSON and runs nothing.`;

export async function run(argv: string[], ctx: CommandContext): Promise<void> {
  const v = parse(argv, {
    base: { type: 'string' },
    tuned: { type: 'string' },
    prompt: { type: 'string' },
    response: { type: 'string' },
    'base-template': { type: 'string' },
    'tuned-template': { type: 'string' },
    'max-tokens': { type: 'string' },
    cross: { type: 'boolean' },
    samples: { type: 'string' },
    seed: { type: 'string' },
    'response-from': { type: 'string' },
    'response-temperature': { type: 'string' },
    backend: { type: 'string' },
    json: { type: 'boolean' },
    'print-spec': { type: 'boolean' },
  });
  const basePath = required(v, 'base');
  const tunedPath = required(v, 'tuned');
  const prompt = textOption(v, 'prompt');
  // Without a flag the template follows the model where the spec can know it without loading anything:
  // a lab-grown chat sibling (lab-sft, lab-rl) reads its chat template on either side, lab-base plain text.
  const baseTemplate = choice(v, 'base-template', ['none', 'urial', 'chat'] as const, siblingOf(basePath)?.chat ? 'chat' : 'none');
  const tunedTemplate = choice(v, 'tuned-template', ['chat', 'none'] as const, siblingOf(tunedPath)?.chat === false ? 'none' : 'chat');
  const maxTokens = intOption(v, 'max-tokens', 64, 1, LIMITS.maxTokens);
  const samples = intOption(v, 'samples', 16, 0, LIMITS.samples);
  const seed = intOption(v, 'seed', 0, 0, LIMITS.seed);
  const backend = backendOption(v);
  const typed = typeof v['response'] === 'string';
  if (typed && v['response'] === '') throw new UsageError('--response is empty: give some text, or leave it out to let a model answer', '--response', 'not empty');
  if (typed && (v['response-from'] !== undefined || v['response-temperature'] !== undefined)) throw new UsageError('--response-from and --response-temperature are for a generated answer: leave out --response', '--response');
  const from = choice(v, 'response-from', ['base', 'tuned'] as const, 'tuned');
  const rawT = v['response-temperature'];
  const temperature = rawT === undefined ? 0 : Number(rawT);
  if (rawT !== undefined && (String(rawT).trim() === '' || !(temperature >= 0 && temperature <= 5))) throw new UsageError(`--response-temperature must be a number from 0 (greedy) to 5, got ${String(rawT)}`, '--response-temperature', 'from 0 to 5');
  const spec: CompareSpec = compareSpec({ base: cliModelRef(basePath, backend), tuned: cliModelRef(tunedPath, backend) }, prompt, seed, {
    templates: { base: baseTemplate, tuned: tunedTemplate },
    response_source: typed ? 'typed' : from,
    response: typed ? (v['response'] as string) : '',
    response_temperature: typed ? 0 : temperature,
    max_tokens: maxTokens,
    samples,
    cross: Boolean(v['cross']),
  });
  if (v['print-spec']) {
    ctx.out(JSON.stringify(spec, null, 2));
    return;
  }
  const base = await openSpecModel(spec.models.base!, ctx);
  try {
    const tuned = await openSpecModel(spec.models.tuned!, ctx);
    try {
      // Both contexts must hold the prompt and the response (the given one, or maxTokens generated).
      const adds = typed ? (await tuned.encodeContinuation(v['response'] as string)).length : maxTokens;
      const flag = typed ? '--response' : '--max-tokens';
      checkContext(flag, (await contextIds(base, prompt, baseTemplate)).length, adds, (await base.info()).contextLength);
      checkContext(flag, (await tuned.encode(prompt, tunedTemplate)).length, adds, (await tuned.info()).contextLength);
      const { data: r } = await runCompare(spec, { engines: { base, tuned } });
      if (v['json']) {
        ctx.out(JSON.stringify(r));
        return;
      }
      const s = r.summary;
      ctx.out(`response: ${r.response.text}`);
      ctx.out(`base context (${baseTemplate}, ${r.contexts.base.length} tokens): ${JSON.stringify(r.context_texts.base)}`);
      ctx.out(`tuned context (${tunedTemplate}, ${r.contexts.tuned.length} tokens): ${JSON.stringify(r.context_texts.tuned)}`);
      const rows = [['pos', 'token', 'p_base', 'p_tuned', 'rank_b', 'rank_t', 'KL(t‖b)', 'H_base', 'H_tuned', 'class', 'base top-1']];
      r.positions.forEach((p, i) =>
        rows.push([
          String(i),
          visibleToken(p.text),
          Math.exp(p.logp_base).toFixed(4),
          Math.exp(p.logp_tuned).toFixed(4),
          String(p.rank_base),
          String(p.rank_tuned),
          p.kl_tuned_base.toFixed(3),
          p.entropy_base.toFixed(3),
          p.entropy_tuned.toFixed(3),
          p.counted ? p.class : 'not classed',
          visibleToken(p.top1_base.text),
        ]),
      );
      ctx.out(table(rows, ['r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'l']));
      const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
      const c = s.controls;
      const left = r.positions.length - r.positions.filter((p) => p.counted).length;
      ctx.out(`\nunshifted ${pct(s.unshifted)} · marginal ${pct(s.marginal)} · shifted ${pct(s.shifted)} · mean KL(tuned‖base) ${s.mean_kl.toFixed(4)} nats${left ? ` (${left} end-of-turn token${left > 1 ? 's' : ''} not classed)` : ''}`);
      ctx.out(`noise floor, held-out human text (${c.tokens} tokens, Brown ${c.docs.join(' ')}): unshifted ${pct(c.unshifted_on_neutral_text)} · marginal ${pct(c.marginal_on_neutral_text)} · shifted ${pct(c.shifted_on_neutral_text)} · mean KL(tuned‖base) ${c.mean_kl_on_neutral_text.toFixed(4)} nats`);
      ctx.out(`teacher-forced exp(mean entropy) along this response: base ${s.branching_factor_base.toFixed(2)} · tuned ${s.branching_factor_tuned.toFixed(2)}`);
      if (s.bf_on_policy_base !== null && s.bf_on_policy_tuned !== null && s.bf_nudged_base !== null) {
        ctx.out(`branching factor (Yang & Holtzman, own ${samples} samples at T = 1): base ${s.bf_on_policy_base.toFixed(2)} · tuned ${s.bf_on_policy_tuned.toFixed(2)} · base after the tuned samples' prefixes (nudging) ${s.bf_nudged_base.toFixed(2)}`);
      }
      ctx.out(`sharpened base: γ = ${s.gamma.toFixed(3)}, mean KL(tuned‖base^γ) ${s.mean_kl_sharpened.toFixed(4)} → explains ${pct(s.sharpening_explains)} of the shift`);
      if (r.shifted_tokens.length) ctx.out(`most often shifted: ${r.shifted_tokens.slice(0, 10).map((t) => `${visibleToken(t.text)}×${t.count}`).join(' ')}`);
      if (r.cross) {
        const c = r.cross;
        ctx.out(`cross-scoring: base greedy ${JSON.stringify(c.base_greedy.text)} logp base ${c.base_greedy.logp_base.toFixed(2)} / tuned ${c.base_greedy.logp_tuned.toFixed(2)}`);
        ctx.out(`               tuned greedy ${JSON.stringify(c.tuned_greedy.text)} logp base ${c.tuned_greedy.logp_base.toFixed(2)} / tuned ${c.tuned_greedy.logp_tuned.toFixed(2)}`);
      }
    } finally {
      await tuned.dispose();
    }
  } finally {
    await base.dispose();
  }
}
