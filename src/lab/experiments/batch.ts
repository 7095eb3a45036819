/**
 * The file formats of `lab batch` and `lab summarize` (DOM-free; the file I/O lives in src/cli).
 *
 * - prompts.jsonl: one `{"prompt": "…"}` object per line (other keys are ignored; blank lines are skipped).
 *   `prompt_index` is the prompt's position among the non-blank lines, from 0.
 * - results.jsonl: one `{"prompt_index", "prompt", "result"}` line per prompt run, `result` the kind's
 *   ResultEnvelope. A last line without its newline is a write cut short by a crash ("torn").
 * - `--shard i/n` runs the prompts with prompt_index % n === i.
 */
import { UsageError } from '../../engine/errors';
import { MAX_PROMPT_CHARS, readResultEnvelope } from './envelope';
import { checkPlainJson, read } from './json-safety';
import { ExperimentDataError, type ResultEnvelope } from './types';

export interface Shard {
  index: number;
  count: number;
}

/** `i/n` with 0 ≤ i < n (whole numbers). */
export function parseShard(text: string): Shard {
  const m = /^(\d{1,9})\/(\d{1,9})$/.exec(text.trim());
  const usage = `--shard must be i/n with whole numbers 0 ≤ i < n (e.g. 0/4 … 3/4), got ${text}`;
  if (!m) throw new UsageError(usage, '--shard', '0 ≤ i < n');
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new UsageError(usage, '--shard', '0 ≤ i < n');
  return { index, count };
}

export function inShard(promptIndex: number, shard: Shard): boolean {
  return promptIndex % shard.count === shard.index;
}

export interface PromptList {
  prompts: string[];
  /** The file line (1-based) of each prompt. */
  lines: number[];
}

/** Reads prompts.jsonl, checking every line before anything runs; errors name the file and line. */
export function parsePrompts(text: string, file: string): PromptList {
  const prompts: string[] = [];
  const lines: number[] = [];
  const rows = text.split('\n');
  rows.forEach((row, i) => {
    const raw = row.endsWith('\r') ? row.slice(0, -1) : row;
    if (raw.trim() === '') return;
    const where = `${file} line ${i + 1}`;
    let x: unknown;
    try {
      x = JSON.parse(raw);
    } catch (err) {
      throw new ExperimentDataError(`${where}: not valid JSON (${(err as Error).message}); each line must be {"prompt": "…"}`);
    }
    try {
      checkPlainJson(x, 'line');
      const o = read.object(x, 'line');
      if (!('prompt' in o)) throw new ExperimentDataError('has no "prompt"; each line must be {"prompt": "…"}', 'line');
      const p = read.string(o['prompt'], 'line.prompt', { max: MAX_PROMPT_CHARS });
      if (p.trim() === '') throw new ExperimentDataError('is empty', 'line.prompt');
      prompts.push(p);
      lines.push(i + 1);
    } catch (err) {
      throw new ExperimentDataError(`${where}: ${(err as Error).message}`);
    }
  });
  if (prompts.length === 0) throw new ExperimentDataError(`${file} has no prompts: give one {"prompt": "…"} per line`);
  return { prompts, lines };
}

/** One line of results.jsonl. */
export interface BatchLine {
  prompt_index: number;
  prompt: string;
  result: ResultEnvelope;
}

/** The text of a results line (without the newline): keys in the contract's order. */
export function batchLineText(promptIndex: number, prompt: string, result: ResultEnvelope): string {
  return JSON.stringify({ prompt_index: promptIndex, prompt, result });
}

/** Checks one parsed results line; `validateResult` is the kind's strict reader. */
export function readBatchLine(x: unknown, validateResult: (r: unknown) => ResultEnvelope): BatchLine {
  checkPlainJson(x, 'line');
  const o = read.object(x, 'line');
  for (const k of Object.keys(o)) {
    if (k !== 'prompt_index' && k !== 'prompt' && k !== 'result') throw new ExperimentDataError(`unknown key "${k}"`, 'line');
  }
  const promptIndex = read.int(o['prompt_index'], 'line.prompt_index', 0);
  const prompt = read.string(o['prompt'], 'line.prompt', { max: MAX_PROMPT_CHARS });
  if (!('result' in o)) throw new ExperimentDataError('is missing', 'line.result');
  readResultEnvelope(o['result'], undefined, 'line.result');
  const result = validateResult(o['result']);
  return { prompt_index: promptIndex, prompt, result };
}

export interface ResultsFile {
  rows: { line: number; text: string; value: BatchLine }[];
  /** A last line without its newline that does not read as a whole line: a write cut short. */
  torn: { line: number; text: string } | null;
  /** The text ends with a newline (or is empty). */
  endsWithNewline: boolean;
}

/**
 * Reads results.jsonl. Every complete line must be a valid results line (else ExperimentDataError with the
 * file and line: something other than `lab batch` wrote it); blank lines are skipped. A last line without
 * its newline is kept when it reads as a whole line, else reported as `torn`.
 */
export function parseResults(text: string, file: string, resultOf: (line: number) => (r: unknown) => ResultEnvelope): ResultsFile {
  const rows: ResultsFile['rows'] = [];
  const parts = text.split('\n');
  const endsWithNewline = text === '' || text.endsWith('\n');
  let torn: ResultsFile['torn'] = null;
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    if (last && endsWithNewline) return; // the empty string after the final newline
    const raw = part.endsWith('\r') ? part.slice(0, -1) : part;
    if (raw.trim() === '') return;
    let value: BatchLine;
    try {
      let x: unknown;
      try {
        x = JSON.parse(raw);
      } catch (err) {
        throw new ExperimentDataError(`not valid JSON (${(err as Error).message})`);
      }
      value = readBatchLine(x, resultOf(i + 1));
    } catch (err) {
      if (last) {
        torn = { line: i + 1, text: raw };
        return;
      }
      throw new ExperimentDataError(`${file} line ${i + 1}: ${(err as Error).message}`);
    }
    rows.push({ line: i + 1, text: raw, value });
  });
  return { rows, torn, endsWithNewline };
}

export interface ResumePlan {
  /** Lines to keep, in file order. */
  keep: ResultsFile['rows'];
  /** Complete lines not kept, with the reason (another shard, a prompt that changed, past the last prompt). */
  drop: { line: number; text: string; reason: string }[];
  /** prompt_index of every prompt of the shard still to run, ascending. */
  todo: number[];
}

/** What a resumed batch keeps and what it still runs. A prompt_index kept twice is refused (a file that two
 *  processes wrote at once, or that was concatenated by hand). */
export function planResume(existing: ResultsFile, prompts: string[], shard: Shard, file: string): ResumePlan {
  const keep: ResumePlan['keep'] = [];
  const drop: ResumePlan['drop'] = [];
  const keptAt = new Map<number, number>();
  for (const row of existing.rows) {
    const { prompt_index: i, prompt } = row.value;
    if (i >= prompts.length) drop.push({ line: row.line, text: row.text, reason: `prompt_index ${i} is past the last prompt (${prompts.length - 1})` });
    else if (!inShard(i, shard)) drop.push({ line: row.line, text: row.text, reason: `prompt_index ${i} is not in shard ${shard.index}/${shard.count}` });
    else if (prompts[i] !== prompt) drop.push({ line: row.line, text: row.text, reason: `prompt ${i} differs from the prompts file's` });
    else if (keptAt.has(i)) {
      throw new ExperimentDataError(`${file} holds prompt_index ${i} twice (lines ${keptAt.get(i)} and ${row.line}): one process per --out file; remove one of them`);
    } else {
      keptAt.set(i, row.line);
      keep.push(row);
    }
  }
  const todo: number[] = [];
  for (let i = 0; i < prompts.length; i++) if (inShard(i, shard) && !keptAt.has(i)) todo.push(i);
  return { keep, drop, todo };
}

/** The first path where two specs differ, ignoring the prompt (a batch replaces it), or null. */
export function specDifference(a: unknown, b: unknown, path = 'spec'): string | null {
  if (path === 'spec') {
    const strip = (x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? { ...(x as Record<string, unknown>), prompt: '' } : x);
    return specDifference(strip(a), strip(b), 'spec.');
  }
  const at = path.endsWith('.') ? path.slice(0, -1) : path;
  if (a === b) return null;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${at} (${a.length} vs ${b.length} items)`;
    for (let i = 0; i < a.length; i++) {
      const d = specDifference(a[i], b[i], `${at}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    for (const k of [...new Set([...ka, ...kb])].sort()) {
      const d = specDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return `${at} (${JSON.stringify(a) ?? 'absent'} vs ${JSON.stringify(b) ?? 'absent'})`;
}
