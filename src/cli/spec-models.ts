/** ModelRefs of a command's model flags (what its spec records), and opening the model a ModelRef names. */
import type { NodeBackend } from '../engine/node';
import type { Dtype, Engine } from '../engine/types';
import { sourceOf, splitRevision } from '../lab/experiments/model-ref';
import type { ModelRef } from '../lab/experiments/types';
import { openModel, type CommandContext } from './context';

/** The ModelRef of `--model`-style flag text: `org/name@rev` splits into repo and revision; a folder,
 *  a URL or a family name (`lab-base`) is kept as given. */
export function cliModelRef(source: string, backend: NodeBackend, dtype: Dtype | null = null): ModelRef {
  return { ...splitRevision(source), dtype, backend };
}

export async function openSpecModel(ref: ModelRef, ctx: CommandContext): Promise<Engine> {
  const backend: NodeBackend = ref.backend === 'auto' ? 'node' : ref.backend;
  return openModel(sourceOf(ref), backend, ctx, ref.dtype ?? undefined);
}
