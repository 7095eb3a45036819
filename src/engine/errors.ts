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
  // engine-faults (#15, #16)
  | 'NumericalError'
  | 'DeviceLostError'
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

// ---- engine-faults (#15, #16): numbers the model did not compute, and a GPU that went away ----

export type NumericalProblem = 'nan' | 'inf' | 'constant';

/**
 * A logits row the engine will not hand on: NaN or ±Infinity values, or every value the same (all zero,
 * as a failed GPU kernel leaves them). `position` is the token position whose logits these are (the
 * prediction after token `position`, counting from 0), `row` the sequence's row in its batch.
 */
export class NumericalError extends LabError {
  override readonly name = 'NumericalError' as const;
  constructor(
    readonly problem: NumericalProblem,
    readonly position: number,
    readonly row: number,
    /** How many of the row's values are bad (NaN/Inf), or the row's length (constant). */
    readonly count: number,
    readonly vocabSize: number,
    readonly backend: string,
  ) {
    const what =
      problem === 'nan'
        ? `${count} of ${vocabSize} logits are NaN`
        : problem === 'inf'
          ? `${count} of ${vocabSize} logits are infinite`
          : `all ${vocabSize} logits are equal (a constant row, as a failed GPU kernel leaves it)`;
    super(
      `the model's numbers are broken at position ${position}${row > 0 ? ` (batch row ${row})` : ''} on ${backend}: ${what}. ` +
        `Nothing was shown. Try WASM${backend === 'wasm' ? ' on another machine' : ''}, or the fp32 variant of the model; if it persists, the weights are corrupt.`,
    );
  }
}

/** The WebGPU device was lost (driver reset, GPU process crash, device destroyed). Every later call fails
 *  the same way; reload the pair to continue. */
export class DeviceLostError extends LabError {
  override readonly name = 'DeviceLostError' as const;
  constructor(
    readonly reason: string,
    readonly detail: string,
  ) {
    super(`the GPU device was lost (${reason}${detail ? `: ${detail}` : ''}); reload the pair to continue (your prompt and run are kept)`);
  }
}

// ---- end engine-faults ----

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
    // engine-faults (#15, #16)
    'NumericalError',
    'DeviceLostError',
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
