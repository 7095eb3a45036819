/** ModelRef of a loaded engine (what a spec records), and the source string to load a ModelRef again. */
import type { ModelInfo } from '../../engine/types';
import type { ModelRef } from './types';

/** `org/name@rev` → repo `org/name`, revision `rev`; folders and URLs keep their text and have no revision. */
export function splitRevision(source: string): { repo: string; revision: string | null } {
  const m = /^([A-Za-z0-9][\w.-]*\/[\w.-]+)@([\w./-]+)$/.exec(source);
  return m ? { repo: m[1]!, revision: m[2]! } : { repo: source, revision: null };
}

export function modelRefOf(info: Pick<ModelInfo, 'source' | 'dtype' | 'backend'>): ModelRef {
  const { repo, revision } = splitRevision(info.source);
  return { repo, revision, dtype: info.dtype, backend: info.backend };
}

/** The loader's source string for a ModelRef (`org/name@rev`, or the folder / URL as given). */
export function sourceOf(ref: ModelRef): string {
  return ref.revision ? `${ref.repo}@${ref.revision}` : ref.repo;
}
