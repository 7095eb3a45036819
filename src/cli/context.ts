/** What every CLI command gets: output sinks and the way to open a model. */
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

export async function openModel(source: string, backend: NodeBackend, ctx: CommandContext): Promise<Engine> {
  const engine = createNodeEngine(backend, ctx.cacheDir ? { cacheDir: ctx.cacheDir } : {});
  try {
    const info = await engine.load(source);
    for (const n of info.notes ?? []) ctx.err(`note: ${n}`);
  } catch (err) {
    await engine.dispose().catch(() => {});
    throw err;
  }
  return engine;
}
