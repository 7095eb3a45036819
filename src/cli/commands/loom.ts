/** `lab loom`: one path through the loom, step by step, under one model or both (a loom spec, run by its runner). */
import { parsePath } from '../../lab/loom';
import { loomRunner, MAX_LOOM_K, MAX_LOOM_PATH, type LoomSpec } from '../../lab/experiments/loom';
import { SPEC_VERSION } from '../../lab/experiments/types';
import type { Engine } from '../../engine/types';
import { visibleToken } from '../../lab/tokens';
import { checkContext, choice, intOption, parse, table, textOption, UsageError } from '../args';
import { backendOption, openModel, type CommandContext } from '../context';
import { cliModelRef } from './logits';

export const usage = `lab loom [--base <m>] [--tuned <m>] --prompt "<p>" --path <id.id.…> [--template none|chat] [--top K]
           [--temperature T] [--top-k N] [--top-p P] [--min-p P] [--drive base|tuned]
           [--backend node|wasm|webgpu] [--json] [--print-spec]
  Follows a path of token ids (as the Explore tab's link has it, dot- or comma-separated) after the prompt,
  under one model or both (they must share a tokenizer): per step each model's top K (default 10) with
  rank, raw probability and the probability after the sampling settings (default T = 1, no truncation),
  the entropy, the rank of the token the path takes, and KL(tuned‖base). --json prints the loom result's
  data; --print-spec prints the loom spec for these settings and runs nothing.`;

function numberFlag(v: Record<string, unknown>, name: string, fallback: number, ok: (n: number) => boolean, range: string): number {
  const x = v[name];
  if (x === undefined) return fallback;
  const n = typeof x === 'string' && x.trim() !== '' ? Number(x) : NaN;
  if (!Number.isFinite(n) || !ok(n)) throw new UsageError(`--${name} must be a number ${range}, got ${String(x)}`, `--${name}`, range);
  return n;
}

export async function run(argv: string[], ctx: CommandContext): Promise<void> {
  const v = parse(argv, {
    base: { type: 'string' },
    tuned: { type: 'string' },
    prompt: { type: 'string' },
    path: { type: 'string' },
    template: { type: 'string' },
    top: { type: 'string' },
    temperature: { type: 'string' },
    'top-k': { type: 'string' },
    'top-p': { type: 'string' },
    'min-p': { type: 'string' },
    drive: { type: 'string' },
    backend: { type: 'string' },
    json: { type: 'boolean' },
    'print-spec': { type: 'boolean' },
  });
  const sources = { base: typeof v['base'] === 'string' && v['base'] !== '' ? v['base'] : null, tuned: typeof v['tuned'] === 'string' && v['tuned'] !== '' ? v['tuned'] : null };
  if (!sources.base && !sources.tuned) throw new UsageError('give --base, --tuned or both', '--base');
  const prompt = textOption(v, 'prompt');
  if (typeof v['path'] !== 'string') throw new UsageError('--path is required (token ids, e.g. --path 12.7.301; empty for the prompt alone)', '--path');
  const path = parsePath(v['path'].replace(/,/g, '.'));
  if (!path) throw new UsageError(`--path must be token ids separated by dots or commas, got ${v['path']}`, '--path', 'ids ≥ 0');
  if (path.length > MAX_LOOM_PATH) throw new UsageError(`--path has ${path.length} tokens; at most ${MAX_LOOM_PATH}`, '--path', `at most ${MAX_LOOM_PATH}`);
  const template = choice(v, 'template', ['none', 'chat'] as const, 'none');
  const k = intOption(v, 'top', 10, 1, MAX_LOOM_K);
  const temperature = numberFlag(v, 'temperature', 1, (n) => n >= 0 && n <= 5, 'from 0 (greedy) to 5');
  const topK = intOption(v, 'top-k', 0, 0);
  const topP = numberFlag(v, 'top-p', 1, (n) => n > 0 && n <= 1, 'in (0, 1]');
  const minP = numberFlag(v, 'min-p', 0, (n) => n >= 0 && n < 1, 'in [0, 1)');
  const drive = choice(v, 'drive', ['base', 'tuned'] as const, sources.tuned ? 'tuned' : 'base');
  const backend = backendOption(v);
  const spec: LoomSpec = {
    kind: 'loom',
    version: SPEC_VERSION,
    models: {
      ...(sources.base ? { base: cliModelRef(sources.base, backend, 'fp32') } : {}),
      ...(sources.tuned ? { tuned: cliModelRef(sources.tuned, backend, 'fp32') } : {}),
    },
    prompt,
    seed: 0,
    settings: { template, path, sampling: { temperature, topK, topP, minP }, k, drive },
  };
  if (v['print-spec']) {
    ctx.out(JSON.stringify(spec, null, 2));
    return;
  }
  const engines: { base?: Engine; tuned?: Engine } = {};
  try {
    for (const side of ['base', 'tuned'] as const) {
      const src = sources[side];
      if (src) engines[side] = await openModel(src, backend, ctx);
    }
    const first = (engines.base ?? engines.tuned)!;
    const info = await first.info();
    checkContext('--path', (await first.encode(prompt, template)).length, path.length, info.contextLength);
    if (k > info.vocabSize) throw new UsageError(`--top must be at most ${info.vocabSize} (the vocabulary), got ${k}`, '--top', `at most ${info.vocabSize}`);
    const bad = path.find((t) => t >= info.vocabSize);
    if (bad !== undefined) throw new UsageError(`--path has token id ${bad}, outside the vocabulary (0..${info.vocabSize - 1})`, '--path', `ids < ${info.vocabSize}`);
    const { data } = await loomRunner.run(spec, { engines });
    if (v['json']) {
      ctx.out(JSON.stringify(data));
      return;
    }
    const sides = (['base', 'tuned'] as const).filter((s) => engines[s]);
    ctx.out(`prompt: ${data.prompt_tokens.length} tokens (template ${template}); path: ${data.path.length} tokens`);
    ctx.out(`text: ${JSON.stringify(data.prompt_tokens.map((t) => t.text).join(''))} + ${JSON.stringify(data.path.map((t) => t.text).join(''))}`);
    const head = ['step', 'token'];
    for (const s of sides) head.push(`p_${s}`, `rank_${s}`, `H_${s}`, `${s} top-1`);
    if (sides.length === 2) head.push('KL(t‖b)');
    const rows = [head];
    data.steps.forEach((st, i) => {
      const row = [String(i), st.token === null ? '(next)' : visibleToken(data.path[i]!.text)];
      for (const s of sides) {
        const x = st.sides[s]!;
        row.push(x.chosen ? x.chosen.prob.toFixed(4) : '', x.chosen ? String(x.chosen.rank) : '', x.entropy.toFixed(3), x.top[0] ? visibleToken(x.top[0].text) : '');
      }
      if (sides.length === 2) row.push(st.kl_tuned_base!.toFixed(4));
      rows.push(row);
    });
    ctx.out(table(rows, ['r', 'l', ...sides.flatMap(() => ['r', 'r', 'r', 'l'] as ('l' | 'r')[]), ...(sides.length === 2 ? (['r'] as const) : [])]));
    ctx.out(`log p(path): ${sides.map((s) => `${s} ${data.path_logprob[s]!.toFixed(4)}`).join(' · ')}`);
  } finally {
    for (const e of Object.values(engines)) await e.dispose();
  }
}
