/**
 * Typed errors. Every class sets `name`, so code on the other side of a worker boundary
 * (where Comlink rethrows a plain Error carrying the same `name` and `message`) can tell them apart
 * with `isLabError(err, 'ContextOverflowError')` instead of `instanceof`.
 */

export type LabErrorName =
  | 'ModelFileError'
  | 'ContextOverflowError'
  | 'BackendError'
  | 'LabAbortError'
  | 'SequenceError'
  | 'EngineStateError'
  // ux-faults
  | 'UsageError'
  | 'StalledDownloadError';

export abstract class LabError extends Error {
  abstract override readonly name: LabErrorName;
}

/** A model file is missing, unreadable or not what it claims to be. `file` names it. */
export class ModelFileError extends LabError {
  override readonly name = 'ModelFileError' as const;
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** The sequence would exceed the model's context window. */
export class ContextOverflowError extends LabError {
  override readonly name = 'ContextOverflowError' as const;
  constructor(
    readonly requested: number,
    readonly limit: number,
  ) {
    super(`context overflow: ${requested} tokens requested, the model's context holds ${limit}`);
  }
}

/** The requested execution backend cannot run here (no WebGPU adapter, no wasm, …). */
export class BackendError extends LabError {
  override readonly name = 'BackendError' as const;
  constructor(
    readonly backend: string,
    reason: string,
  ) {
    super(`backend ${backend} is unavailable: ${reason}`);
  }
}

/** The caller aborted the operation through its AbortSignal. */
export class LabAbortError extends LabError {
  override readonly name = 'LabAbortError' as const;
  constructor(what = 'operation') {
    super(`${what} was cancelled`);
  }
}

/** A sequence id that does not exist (released, or never created). */
export class SequenceError extends LabError {
  override readonly name = 'SequenceError' as const;
}

/** The engine was used before `load` finished or after `dispose`. */
export class EngineStateError extends LabError {
  override readonly name = 'EngineStateError' as const;
}

export function isLabError(err: unknown, name?: LabErrorName): err is Error & { name: LabErrorName } {
  if (!(err instanceof Error) && !(typeof err === 'object' && err !== null && 'name' in err)) return false;
  const n = (err as { name: unknown }).name;
  const known: LabErrorName[] = [
    'ModelFileError',
    'ContextOverflowError',
    'BackendError',
    'LabAbortError',
    'SequenceError',
    'EngineStateError',
    // ux-faults
    'UsageError',
    'StalledDownloadError',
  ];
  return name ? n === name : known.includes(n as LabErrorName);
}

export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw new LabAbortError(what);
}

// ——— ux-faults: command-line bounds and stalled downloads ———

/**
 * A command-line argument out of its range or missing: the CLI exits 2 before doing any work. `flag`
 * names the flag (`--samples`), `bound` the limit it broke (`at most 256`), when there is one.
 */
export class UsageError extends LabError {
  override readonly name = 'UsageError' as const;
  constructor(
    message: string,
    readonly flag?: string,
    readonly bound?: string,
  ) {
    super(message);
  }
}

/**
 * A download that stopped delivering data: no byte arrived for `quietMs` although the server had
 * promised more (or had not finished). Reported instead of waiting forever or looking finished.
 */
export class StalledDownloadError extends LabError {
  override readonly name = 'StalledDownloadError' as const;
  constructor(
    readonly file: string,
    readonly loaded: number,
    readonly total: number,
    readonly quietMs: number,
  ) {
    const of = total ? ` of ${total}` : '';
    super(
      `${file}: the download stalled: no data for ${quietMs < 1000 ? `${quietMs} ms` : `${Math.round(quietMs / 1000)} s`} after ${loaded}${of} bytes. ` +
        'The server stopped answering; check the connection (or the hub\'s status) and press Retry. Nothing partial was cached.',
    );
  }
}
