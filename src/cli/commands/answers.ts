/** `lab answers`: exact probabilities of candidate answers, by enumeration. */
import { readFile } from 'node:fs/promises';
import { parseChoices } from '../../lab/answers';
import { answersRunner, answersSpec, type AnswersSpec } from '../../lab/experiments/answers';
import { visibleToken } from '../../lab/tokens';
import { checkContext, choice, intOption, LIMITS, ONE_SIDE_FLAGS, parse, positiveOption, required, table, textOption, UsageError } from '../args';
import { backendOption, openModel, type CommandContext } from '../context';
import { cliModelRef } from '../spec-models';

export const usage = `lab answers --model <m> --prompt "<p>" [--template none|chat] (--choices 1..100 | --choices-file F)
           [--frame "<text>" | --frame auto] [--prefix " "] [--suffix ""] [--temperature T]
           [--free N [--match REGEX] [--max-tokens K] [--seed S]] [--side base|tuned] [--backend node|wasm|webgpu]
           [--json] [--print-spec]
  The exact probability of each candidate answer (frame, then prefix + candidate + suffix, tokenized on its
  own and scored teacher-forced after the prompt): raw probability, its share of the set, the mass the set
  covers (warned about below 50%), and the distribution renormalised over the set: entropy, KL to uniform,
  χ² per sample against uniform, top-1. --frame: the model's words before the answer (e.g. "Sure! How
  about"); "auto" finds the model's own opener (its greedy answer, cut where the candidates' first tokens
  get the most probability). --free N: also sample N completions at T and classify each into a candidate
  (exact match of the trimmed text, or the first capture group of --match) or "other". Choices: a range
  (1..100, A..D), a comma-separated list, or a file with one candidate per line. --json prints {<side>: …}
  (the model is the spec's --side, default base). --print-spec prints the experiment spec for these flags
  (for lab run / lab batch) and runs nothing.`;

export async function run(argv: string[], ctx: CommandContext): Promise<void> {
  const v = parse(argv, {
    ...ONE_SIDE_FLAGS,
    choices: { type: 'string' },
    'choices-file': { type: 'string' },
    prefix: { type: 'string' },
    suffix: { type: 'string' },
    temperature: { type: 'string' },
    frame: { type: 'string' },
    free: { type: 'string' },
    match: { type: 'string' },
    'max-tokens': { type: 'string' },
  });
  const model = required(v, 'model');
  const prompt = textOption(v, 'prompt');
  const template = choice(v, 'template', ['none', 'chat'] as const, 'none');
  let spec0: string;
  if (typeof v['choices'] === 'string' && typeof v['choices-file'] === 'string') throw new UsageError('give --choices or --choices-file, not both', '--choices');
  if (typeof v['choices-file'] === 'string') {
    try {
      spec0 = await readFile(v['choices-file'], 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --choices-file: ${(err as Error).message}`, '--choices-file');
    }
    if (!spec0.includes('\n')) spec0 += '\n';
  } else spec0 = required(v, 'choices');
  let choices: string[];
  try {
    choices = parseChoices(spec0);
  } catch (err) {
    throw new UsageError(`--choices: ${(err as Error).message}`, '--choices');
  }
  const temperature = positiveOption(v, 'temperature', 1, 1000);

  const free = v['free'] === undefined ? 0 : intOption(v, 'free', 0, 1, LIMITS.samples);
  if (typeof v['match'] === 'string') {
    try {
      new RegExp(v['match'], 'u');
    } catch (err) {
      throw new UsageError(`--match: ${(err as Error).message}`, '--match');
    }
  }
  const maxTokens = intOption(v, 'max-tokens', 24, 1, LIMITS.maxTokens);
  const seed = intOption(v, 'seed', 0, 0, LIMITS.seed);
  const prefix = (v['prefix'] as string | undefined) ?? '';
  const suffix = (v['suffix'] as string | undefined) ?? '';

  const side = choice(v, 'side', ['base', 'tuned'] as const, 'base');
  const backend = backendOption(v);
  const frameFlag = v['frame'] as string | undefined;
  const spec: AnswersSpec = answersSpec({
    models: { [side]: cliModelRef(model, backend) },
    prompt,
    seed,
    settings: {
      sides: [side],
      templates: { [side]: template },
      choices: spec0,
      prefix,
      suffixes: { [side]: suffix },
      frames: { [side]: frameFlag === 'auto' ? { mode: 'auto', text: '' } : { mode: 'typed', text: frameFlag ?? '' } },
      temperature,
      temperatures: [],
      free: free > 0 ? { samples: free, max_tokens: maxTokens, regex: typeof v['match'] === 'string' ? v['match'] : null } : null,
      preset: null,
    },
  });
  if (v['print-spec']) {
    ctx.out(JSON.stringify(answersRunner.validateSpec(spec), null, 2));
    return;
  }
  const engine = await openModel(model, backend, ctx);
  try {
    const context = await engine.encode(prompt, template);
    checkContext('--prompt', context.length, 0, (await engine.info()).contextLength);
    const result = await answersRunner.run(spec, { engines: { [side]: engine } });
    const r = result.data[side]!;
    const frameFound = r.frame.found;
    const frameText = r.frame.text;
    const greedy = r.frame.greedy ?? null;
    const freeR = r.free ?? null;
    if (v['json']) {
      ctx.out(JSON.stringify(result.data));
      return;
    }
    const info = await engine.info();
    ctx.out(`model ${info.name} · ${info.backend} · template ${template} · ${context.length} context tokens · T = ${temperature}`);
    if (frameFound !== 'none') ctx.out(`frame (${frameFound === 'greedy' ? "the model's own opener, found greedily" : 'typed'}): ${JSON.stringify(frameText)}${greedy !== null ? ` · greedy answer ${JSON.stringify(greedy)}` : ''}`);
    ctx.out(`mass covered by the ${choices.length} candidates: ${(r.mass * 100).toFixed(3)}%${r.mass < 0.5 ? '  ⚠ LOW MASS (below 50%): the shares describe a path the model rarely takes' : ''}`);
    const n = r.normalized;
    ctx.out(`normalised over the set: entropy ${n.entropy.toFixed(4)} nats (uniform ${Math.log(choices.length).toFixed(4)}), KL to uniform ${n.kl_uniform.toFixed(4)}, χ²/sample ${n.chi2.toFixed(4)}, top-1 "${n.top1.text}" ${(n.top1.prob * 100).toFixed(2)}%`);
    for (const w of r.warnings.slice(0, 5)) ctx.out(`note: ${w}`);
    if (r.warnings.length > 5) ctx.out(`note: … and ${r.warnings.length - 5} more`);
    const sorted = r.choices.slice().sort((a, b) => b.share - a.share);
    const rows = [['rank', 'candidate', 'tokens', 'raw prob', 'share of set', 'logp']];
    sorted.slice(0, 30).forEach((c, i) =>
      rows.push([String(i + 1), visibleToken(c.text), String(c.ids.length), `${(c.prob * 100).toFixed(3)}%`, `${(c.share * 100).toFixed(2)}%`, c.logp.toFixed(4)]),
    );
    ctx.out(table(rows, ['r', 'l', 'r', 'r', 'r', 'r']));
    if (sorted.length > 30) ctx.out(`… ${sorted.length - 30} more (use --json for all)`);
    if (freeR) {
      const seen = freeR.counts.filter((c) => c.count > 0).sort((a, b) => b.count - a.count);
      ctx.out(`free answers, ${free} samples at T = ${temperature} (seed ${seed}): ${seen.map((c) => `${visibleToken(c.text)} ${c.count}`).join(' · ') || 'no candidate'} · other ${freeR.other} (${(freeR.other_fraction * 100).toFixed(1)}%)`);
    }
  } finally {
    await engine.dispose();
  }
}
