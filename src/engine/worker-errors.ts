/**
 * Errors keep their class across the worker boundary: Comlink's default `throw` handler keeps only
 * name, message and stack; ours also keeps the fields (file, requested, limit, …) and rebuilds the
 * same LabError subclass on the other side, so `instanceof` and `err.file` work in the page.
 */
import { transferHandlers } from 'comlink';
import {
  BackendError,
  ContextOverflowError,
  EngineStateError,
  LabAbortError,
  ModelFileError,
  SequenceError,
  // engine-faults (#15, #16)
  NumericalError,
  DeviceLostError,
  StalledDownloadError,
  UsageError,
} from './errors';

const classes: Record<string, { prototype: object }> = {
  ModelFileError,
  ContextOverflowError,
  BackendError,
  LabAbortError,
  SequenceError,
  EngineStateError,
  // engine-faults (#15, #16)
  NumericalError,
  DeviceLostError,
  UsageError,
  StalledDownloadError,
  RangeError,
  TypeError,
};

interface SerializedError {
  isError: true;
  value: Record<string, unknown> & { name: string; message: string };
}

let installed = false;

export function installErrorTransfer(): void {
  if (installed) return;
  installed = true;
  const base = transferHandlers.get('throw')!;
  transferHandlers.set('throw', {
    canHandle: base.canHandle,
    serialize(thrown: unknown) {
      const { value } = thrown as { value: unknown };
      if (value instanceof Error) {
        const fields: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
          if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) fields[k] = v;
        }
        const out: SerializedError = { isError: true, value: { ...fields, name: value.name, message: value.message, stack: value.stack } };
        return [out, []];
      }
      return [{ isError: false, value }, []];
    },
    deserialize(serialized: unknown) {
      const s = serialized as SerializedError | { isError: false; value: unknown };
      if (!s.isError) throw s.value;
      const cls = classes[s.value.name];
      const err = cls ? (Object.create(cls.prototype) as Error) : new Error(s.value.message);
      Object.assign(err, s.value);
      throw err;
    },
  });
}
