/** `lab answers`: exact probabilities of candidate answers, by enumeration. */
import { readFile } from 'node:fs/promises';
import { answersAt, parseChoices, scoreAnswers } from '../../lab/answers';
import { visibleToken } from '../../lab/tokens';
import { checkContext, choice, parse, positiveOption, required, table, textOption, UsageError } from '../args';
import { backendOption, openModel, type CommandContext } from '../context';

export const usage = `lab answers --model <m> --prompt "<p>" [--template none|chat] (--choices 1..100 | --choices-file F)
           [--prefix " "] [--suffix ""] [--temperature T] [--backend node|wasm|webgpu] [--json]
  The exact probability of each candidate answer (prefix + candidate + suffix, tokenized on its own and
  scored teacher-forced after the prompt), the mass the set covers, and the distribution renormalised over
  the set: entropy, KL to uniform, χ² per sample against uniform, top-1. Choices: a range (1..100, A..D),
  a comma-separated list, or a file with one candidate per line.`;

export async function run(argv: string[], ctx: CommandContext): Promise<void> {
  const v = parse(argv, {
    model: { type: 'string' },
    prompt: { type: 'string' },
    template: { type: 'string' },
    choices: { type: 'string' },
    'choices-file': { type: 'string' },
    prefix: { type: 'string' },
    suffix: { type: 'string' },
    temperature: { type: 'string' },
    backend: { type: 'string' },
    json: { type: 'boolean' },
  });
  const model = required(v, 'model');
  const prompt = textOption(v, 'prompt');
  const template = choice(v, 'template', ['none', 'chat'] as const, 'none');
  let spec: string;
  if (typeof v['choices'] === 'string' && typeof v['choices-file'] === 'string') throw new UsageError('give --choices or --choices-file, not both', '--choices');
  if (typeof v['choices-file'] === 'string') {
    try {
      spec = await readFile(v['choices-file'], 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --choices-file: ${(err as Error).message}`, '--choices-file');
    }
    if (!spec.includes('\n')) spec += '\n';
  } else spec = required(v, 'choices');
  let choices: string[];
  try {
    choices = parseChoices(spec);
  } catch (err) {
    throw new UsageError(`--choices: ${(err as Error).message}`, '--choices');
  }
  const temperature = positiveOption(v, 'temperature', 1, 1000);

  const engine = await openModel(model, backendOption(v), ctx);
  try {
    const context = await engine.encode(prompt, template);
    checkContext('--prompt', context.length, 0, (await engine.info()).contextLength);
    const scores = await scoreAnswers(engine, context, choices, {
      prefix: (v['prefix'] as string | undefined) ?? '',
      suffix: (v['suffix'] as string | undefined) ?? '',
    });
    const r = answersAt(scores, temperature);
    if (v['json']) {
      ctx.out(
        JSON.stringify({
          context: r.context,
          temperature: r.temperature,
          choices: r.choices.map((c) => ({ text: c.text, ids: c.ids, logp: c.logp, prob: c.prob })),
          mass: r.mass,
          normalized: r.normalized,
          warnings: r.warnings,
        }),
      );
      return;
    }
    const info = await engine.info();
    ctx.out(`model ${info.name} · ${info.backend} · template ${template} · ${context.length} context tokens · T = ${temperature}`);
    ctx.out(`mass covered by the ${choices.length} candidates: ${(r.mass * 100).toFixed(3)}%`);
    const n = r.normalized;
    ctx.out(`normalised over the set: entropy ${n.entropy.toFixed(4)} nats (uniform ${Math.log(choices.length).toFixed(4)}), KL to uniform ${n.kl_uniform.toFixed(4)}, χ²/sample ${n.chi2.toFixed(4)}, top-1 "${n.top1.text}" ${(n.top1.prob * 100).toFixed(2)}%`);
    for (const w of r.warnings.slice(0, 5)) ctx.out(`note: ${w}`);
    if (r.warnings.length > 5) ctx.out(`note: … and ${r.warnings.length - 5} more prefix overlaps`);
    const sorted = r.choices.slice().sort((a, b) => b.logp - a.logp);
    const rows = [['rank', 'candidate', 'tokens', 'prob', 'share of set', 'logp']];
    sorted.slice(0, 30).forEach((c, i) =>
      rows.push([String(i + 1), visibleToken(c.text), String(c.ids.length), `${(c.prob * 100).toFixed(3)}%`, `${((c.prob / r.mass) * 100).toFixed(2)}%`, c.logp.toFixed(4)]),
    );
    ctx.out(table(rows, ['r', 'l', 'r', 'r', 'r', 'r']));
    if (sorted.length > 30) ctx.out(`… ${sorted.length - 30} more (use --json for all)`);
  } finally {
    await engine.dispose();
  }
}
