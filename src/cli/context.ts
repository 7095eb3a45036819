/** What every CLI command gets: output sinks and the way to open a model. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labName } from '../engine/family';
import { createNodeEngine, type NodeBackend } from '../engine/node';
import type { Engine } from '../engine/types';
import { choice } from './args';

export interface CommandContext {
  out: (line: string) => void;
  err: (line: string) => void;
  /** `--cache-dir`: where hub models are cached (any command). */
  cacheDir?: string;
}

export function backendOption(values: Record<string, unknown>): NodeBackend {
  return choice(values, 'backend', ['node', 'wasm', 'webgpu'] as const, 'node');
}

const REPO_MODELS = fileURLToPath(new URL('../../models/', import.meta.url));

/** `lab-base`, `lab-sft`, `lab-rl` (and the alias `lab-tuned` -> lab-sft) name the lab-grown family in
 *  this repository's models/ folder, unless a folder of that name exists where the command runs. */
export function resolveModelSource(source: string): string {
  const n = labName(source);
  return n && !existsSync(source) ? join(REPO_MODELS, n) : source;
}

export async function openModel(source: string, backend: NodeBackend, ctx: CommandContext): Promise<Engine> {
  const engine = createNodeEngine(backend, ctx.cacheDir ? { cacheDir: ctx.cacheDir } : {});
  try {
    await engine.load(resolveModelSource(source));
  } catch (err) {
    await engine.dispose().catch(() => {});
    throw err;
  }
  return engine;
}
