/** `lab summarize`: the headline numbers of a batch's results, over its prompts (means with 95% CIs). */
import { existsSync, readFileSync } from 'node:fs';
import { parseResults, specDifference, type BatchLine } from '../../lab/experiments/batch';
import { readResultEnvelope } from '../../lab/experiments/envelope';
import { parseJsonText } from '../../lab/experiments/json-safety';
import { runnerOfKind } from '../../lab/experiments/spec-file';
import { describeHeadlines } from '../../lab/experiments/summary';
import { ExperimentDataError, type ExperimentKind } from '../../lab/experiments/types';
import { table, UsageError } from '../args';
import type { CommandContext } from '../context';
import { fmt, loadTestRunners, parseWithPositionals } from '../experiments';

export const usage = `lab summarize <results.jsonl> [more.jsonl …] [--json]
  Summarizes lab batch results (several files: the shards of one study) per headline number of the kind:
  n, mean, sample sd, the 95% confidence interval of the mean (Student t, n − 1 degrees of freedom), min,
  max. Refuses mixed kinds, results run with different specs (<file>.spec.json), a prompt_index in two
  lines, and a line cut short (finish the batch with --resume first).`;

export const INTERVAL = 'mean ± t(0.975, n − 1) · sd / √n (Student t; sd with n − 1)';

export async function run(argv: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals: files } = parseWithPositionals(argv, { json: { type: 'boolean' } });
  if (files.length === 0) throw new UsageError('give one or more results files: lab summarize <results.jsonl> [more.jsonl …]');
  await loadTestRunners();
  let kind: ExperimentKind | null = null;
  let kindAt = '';
  const rows: { file: string; line: number; value: BatchLine }[] = [];
  const seen = new Map<number, string>();
  let specAt: { file: string; spec: unknown } | null = null;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ExperimentDataError(`${file}: cannot read the results file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    const parsed = parseResults(text, file, (line) => (r) => {
      const env = readResultEnvelope(r, undefined, 'line.result');
      if (kind === null) {
        kind = env.kind;
        kindAt = `${file} line ${line}`;
      } else if (env.kind !== kind) {
        throw new ExperimentDataError(`a ${env.kind} result, but ${kindAt} is a ${kind} result: summarize one kind at a time`, 'line.result.kind');
      }
      return runnerOfKind(env.kind, 'line.result.kind').validateResult(r);
    });
    if (parsed.torn) {
      throw new ExperimentDataError(`${file} line ${parsed.torn.line} is cut short (a batch still running, or killed mid-write): finish it with lab batch … --resume`);
    }
    for (const row of parsed.rows) {
      const i = row.value.prompt_index;
      const before = seen.get(i);
      if (before) throw new ExperimentDataError(`prompt_index ${i} is in ${before} and in ${file} line ${row.line}: give each shard's file once`);
      seen.set(i, `${file} line ${row.line}`);
      rows.push({ file, line: row.line, value: row.value });
    }
    const specFile = `${file}.spec.json`;
    if (existsSync(specFile)) {
      const spec = parseJsonText(readFileSync(specFile, 'utf8'), specFile);
      if (specAt) {
        const diff = specDifference(specAt.spec, spec);
        if (diff) throw new ExperimentDataError(`${specAt.file} and ${file} were run with different specs (at ${diff}): summarize one study at a time`);
      } else specAt = { file, spec };
    }
  }
  if (rows.length === 0 || kind === null) throw new ExperimentDataError(`no results in ${files.join(', ')}`);
  rows.sort((a, b) => a.value.prompt_index - b.value.prompt_index);
  const runner = runnerOfKind(kind);
  const metrics = describeHeadlines(rows.map((r) => runner.headline(r.value.result.data)));
  const last = rows[rows.length - 1]!.value.prompt_index;
  const gaps = last + 1 - rows.length;
  if (gaps > 0) {
    const missing: number[] = [];
    for (let i = 0; i <= last && missing.length < 5; i++) if (!seen.has(i)) missing.push(i);
    ctx.err(`note: prompt_index 0…${last} lacks ${gaps} (${missing.join(', ')}${gaps > missing.length ? ', …' : ''}): a shard missing, or a batch not finished?`);
  }
  if (values['json']) {
    ctx.out(JSON.stringify({ kind, files, results: rows.length, interval: INTERVAL, metrics }));
    return;
  }
  ctx.out(`${kind}: ${rows.length} results from ${files.length} file${files.length > 1 ? 's' : ''}; 95% CI = ${INTERVAL}`);
  const out = [['number', 'n', 'mean', 'sd', '95% CI', 'min', 'max']];
  for (const [name, s] of Object.entries(metrics)) {
    out.push([
      name,
      s.missing > 0 ? `${s.n} (${s.missing} none)` : String(s.n),
      fmt(s.mean),
      fmt(s.sd),
      s.ci95 ? `[${fmt(s.ci95[0])}, ${fmt(s.ci95[1])}]` : '–',
      fmt(s.min),
      fmt(s.max),
    ]);
  }
  ctx.out(table(out, ['l', 'r', 'r', 'r', 'r', 'r', 'r']));
}
