/**
 * Small helpers for the CLI's flags (node:util parseArgs underneath). Every flag is checked against its
 * range before any work: a value out of range is a UsageError (exit 2) naming the flag and the bound,
 * never clamped or truncated.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../engine/errors';

export { UsageError };

/** The CLI's upper bounds (the page uses the same ones for the same settings). */
export const LIMITS = {
  /** Samples per temperature in a sweep: one batch each, memory grows with it. */
  samples: 256,
  /** Tokens generated per sample or response (the model's context may allow fewer). */
  maxTokens: 4096,
  /** Temperatures in one sweep. */
  temperatures: 50,
  /** Steps traced after an injection. */
  steps: 1024,
  seed: 2 ** 32 - 1,
} as const;

export function parse(argv: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The flags of the commands that run one model on one side (lab answers, lab inject); each adds its own. */
export const ONE_SIDE_FLAGS = {
  model: { type: 'string' },
  prompt: { type: 'string' },
  template: { type: 'string' },
  seed: { type: 'string' },
  side: { type: 'string' },
  backend: { type: 'string' },
  json: { type: 'boolean' },
  'print-spec': { type: 'boolean' },
} as const;

export function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`, `--${name}`);
  return v;
}

/** A prompt or text: required, and not empty (the same exit code, 2, in every command). */
export function textOption(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (v === undefined) throw new UsageError(`--${name} is required`, `--${name}`);
  if (typeof v !== 'string' || v.trim() === '') {
    throw new UsageError(`--${name} is empty: give some text, e.g. --${name} "The old man looked at the"`, `--${name}`, 'not empty');
  }
  return v;
}

/** An integer flag in [min, max]; out of range is a UsageError naming the flag and the bound. */
export function intOption(values: Record<string, unknown>, name: string, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be an integer ${range}, got ${String(v)}`, `--${name}`, range);
  if (n < min || n > max) throw new UsageError(`--${name} must be an integer ${range}, got ${String(v)}`, `--${name}`, range);
  return n;
}

/** A number flag in (0, max] (e.g. a temperature or a threshold). */
export function positiveOption(values: Record<string, unknown>, name: string, fallback: number, max: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!(n > 0) || !(n <= max)) throw new UsageError(`--${name} must be a number > 0 and ≤ ${max}, got ${String(v)}`, `--${name}`, `> 0 and ≤ ${max}`);
  return n;
}

/**
 * The prompt plus what a command will add must fit the model's context. Checked once the prompt is
 * encoded, before anything is generated; `flag` names what to lower.
 */
export function checkContext(flag: string, promptTokens: number, adds: number, contextLength: number, what = 'tokens'): void {
  if (promptTokens === 0) throw new UsageError('the prompt encodes to no tokens: give some text', '--prompt', 'not empty');
  if (promptTokens + adds <= contextLength) return;
  const room = contextLength - promptTokens;
  throw new UsageError(
    room > 0
      ? `${flag} asks for ${adds} ${what} after a ${promptTokens}-token prompt, but the model's context holds ${contextLength} tokens: at most ${room}`
      : `the prompt takes ${promptTokens} tokens and the model's context holds ${contextLength}: shorten the prompt`,
    flag,
    `at most ${Math.max(0, room)}`,
  );
}

export function choice<T extends string>(values: Record<string, unknown>, name: string, allowed: readonly T[], fallback: T): T {
  const v = values[name];
  if (v === undefined) return fallback;
  if (!allowed.includes(v as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got ${String(v)}`);
  return v as T;
}

/** Right-pad / left-pad helpers for readable tables. */
export function table(rows: string[][], align: ('l' | 'r')[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => [...r[c]!].length)));
  return rows
    .map((r) => r.map((cell, c) => (align[c] === 'r' ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd())
    .join('\n');
}
