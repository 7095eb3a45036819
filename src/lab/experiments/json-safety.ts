/**
 * Strict checks for JSON that comes from outside (imports, CLI spec files, shared links): plain data only.
 * Shared by the library's import, `lab run` / `lab batch` and the share link, so all refuse the same things
 * with the same reasons.
 */
import { ExperimentDataError } from './types';

/** The largest import/spec file read, in bytes of UTF-8 text. */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;
/** Deepest nesting accepted. */
export const MAX_DEPTH = 64;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Parses JSON text, refusing empty or oversized text with a reason (not a SyntaxError's position soup). */
export function parseJsonText(text: string, what = 'file'): unknown {
  if (text.trim() === '') throw new ExperimentDataError(`the ${what} is empty`);
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_IMPORT_BYTES) throw new ExperimentDataError(`the ${what} is ${(bytes / 1048576).toFixed(1)} MB; the most the lab reads is ${MAX_IMPORT_BYTES / 1048576} MB`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ExperimentDataError(`the ${what} is not valid JSON (${(err as Error).message})`);
  }
}

/**
 * Throws unless `x` is plain JSON data: null, booleans, finite numbers, strings, arrays and plain objects,
 * no `__proto__` / `constructor` / `prototype` keys, at most MAX_DEPTH deep. (JSON.parse cannot produce
 * NaN or Infinity, but values built in code, or read from IndexedDB, can.)
 */
export function checkPlainJson(x: unknown, path = '$', depth = 0): void {
  if (depth > MAX_DEPTH) throw new ExperimentDataError(`nested more than ${MAX_DEPTH} levels deep`, path);
  if (x === null || typeof x === 'string' || typeof x === 'boolean') return;
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new ExperimentDataError(`${String(x)} is not a finite number`, path);
    return;
  }
  if (Array.isArray(x)) {
    x.forEach((v, i) => checkPlainJson(v, `${path}[${i}]`, depth + 1));
    return;
  }
  if (typeof x === 'object') {
    const proto = Object.getPrototypeOf(x) as unknown;
    if (proto !== Object.prototype && proto !== null) throw new ExperimentDataError('not a plain object', path);
    for (const k of Object.keys(x)) {
      if (FORBIDDEN_KEYS.has(k)) throw new ExperimentDataError(`the key "${k}" is not allowed`, path);
      checkPlainJson((x as Record<string, unknown>)[k], `${path}.${k}`, depth + 1);
    }
    // JSON.parse makes "__proto__" an own property; Object.keys lists it, but guard against odd objects too.
    if (Object.prototype.hasOwnProperty.call(x, '__proto__')) throw new ExperimentDataError('the key "__proto__" is not allowed', path);
    return;
  }
  throw new ExperimentDataError(`a ${typeof x} is not JSON data`, path);
}

/** Small typed readers for validators: each throws ExperimentDataError naming the path. */
export const read = {
  object(x: unknown, path: string): Record<string, unknown> {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) throw new ExperimentDataError('must be an object', path);
    return x as Record<string, unknown>;
  },
  string(x: unknown, path: string, { max = 1_000_000, empty = true } = {}): string {
    if (typeof x !== 'string') throw new ExperimentDataError('must be a string', path);
    if (!empty && x === '') throw new ExperimentDataError('must not be empty', path);
    if (x.length > max) throw new ExperimentDataError(`must be at most ${max} characters`, path);
    return x;
  },
  number(x: unknown, path: string, min = -Infinity, max = Infinity): number {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new ExperimentDataError('must be a finite number', path);
    if (x < min || x > max) throw new ExperimentDataError(`must be between ${min} and ${max}, got ${x}`, path);
    return x;
  },
  int(x: unknown, path: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
    const n = read.number(x, path, min, max);
    if (!Number.isInteger(n)) throw new ExperimentDataError(`must be a whole number, got ${n}`, path);
    return n;
  },
  boolean(x: unknown, path: string): boolean {
    if (typeof x !== 'boolean') throw new ExperimentDataError('must be true or false', path);
    return x;
  },
  array(x: unknown, path: string, max = 1_000_000): unknown[] {
    if (!Array.isArray(x)) throw new ExperimentDataError('must be an array', path);
    if (x.length > max) throw new ExperimentDataError(`must have at most ${max} items`, path);
    return x;
  },
  oneOf<T extends string>(x: unknown, path: string, allowed: readonly T[]): T {
    if (typeof x !== 'string' || !(allowed as readonly string[]).includes(x)) throw new ExperimentDataError(`must be one of ${allowed.join(', ')}`, path);
    return x as T;
  },
  /** A version field: refuses newer versions as "made by a newer lab". */
  version(x: unknown, path: string, newest: number): number {
    const v = read.int(x, path, 1);
    if (v > newest) throw new ExperimentDataError(`version ${v} was written by a newer lab (this one reads up to ${newest}); update the lab to open it`, path);
    return v;
  },
};
