/** What every CLI command gets: output sinks and the way to open a model. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labName } from '../engine/family';
import { createNodeEngine, type NodeBackend } from '../engine/node';
import type { Dtype, Engine } from '../engine/types';
import { choice } from './args';

export interface CommandContext {
  out: (line: string) => void;
  err: (line: string) => void;
  /** `--cache-dir`: where hub models are cached (any command). */
  cacheDir?: string;
  /** Redraws a one-line status in place (stderr is a terminal); absent otherwise, and progress then goes to
   *  `err` as plain lines (src/cli/progress.ts). `''` clears it. */
  status?: (text: string) => void;
  /** `--thinking on|off`: enable_thinking for chat templates that read it (any command). */
  thinking?: boolean;
}

export function backendOption(values: Record<string, unknown>): NodeBackend {
  return choice(values, 'backend', ['node', 'wasm', 'webgpu'] as const, 'node');
}

/** `--dtype`: which weight variant (`onnx/model{_suffix}.onnx`) to load; fp32 by default. */
export function dtypeOption(values: Record<string, unknown>): Dtype {
  return choice(values, 'dtype', ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'] as const, 'fp32');
}

const REPO_MODELS = fileURLToPath(new URL('../../models/', import.meta.url));

/** `lab-base`, `lab-sft`, `lab-rl` (and the alias `lab-tuned` -> lab-sft) name the lab-grown family in
 *  this repository's models/ folder, unless a folder of that name exists where the command runs. */
export function resolveModelSource(source: string): string {
  const n = labName(source);
  return n && !existsSync(source) ? join(REPO_MODELS, n) : source;
}

export async function openModel(source: string, backend: NodeBackend, ctx: CommandContext, dtype?: Dtype): Promise<Engine> {
  const engine = createNodeEngine(backend, ctx.cacheDir ? { cacheDir: ctx.cacheDir } : {});
  try {
    const info = await engine.load(resolveModelSource(source), { ...(dtype ? { dtype } : {}), ...(ctx.thinking !== undefined ? { thinking: ctx.thinking } : {}) });
    for (const n of info.notes ?? []) ctx.err(`note: ${n}`);
  } catch (err) {
    await engine.dispose().catch(() => {});
    throw err;
  }
  return engine;
}
