/**
 * World Prior Lab's command line: the same engine and experiments as the page, in Node.
 *   npm run -s lab -- <command> [flags]
 */
import { isLabError } from '../engine/errors';
import { UsageError } from './args';
import type { CommandContext } from './context';
import { ExperimentDataError } from '../lab/experiments/types';
import * as answers from './commands/answers';
import * as batch from './commands/batch';
import * as compare from './commands/compare';
import * as inject from './commands/inject';
import * as logits from './commands/logits';
import * as loom from './commands/loom';
import * as runSpec from './commands/run';
import * as summarize from './commands/summarize';
import * as sweep from './commands/sweep';

interface Command {
  usage: string;
  run(argv: string[], ctx: CommandContext): Promise<void>;
}

const commands: Record<string, Command> = { logits, loom, compare, sweep, inject, answers, run: runSpec, batch, summarize };

function help(): string {
  return [
    'World Prior Lab CLI — usage: npm run -s lab -- <command> [flags]',
    '',
    '--model (and --base/--tuned) take a folder, a URL of a hub-layout folder, a hub id org/name[@revision], or a',
    'sibling of the lab-grown family: lab-base, lab-sft, lab-rl (lab-tuned is an alias of lab-sft).',
    'Hub downloads are verified and cached in --cache-dir <dir> (default $WPL_CACHE_DIR or ~/.cache/world-prior-lab);',
    'the hub endpoint is $HF_ENDPOINT (default https://huggingface.co). A cached model works with the hub unreachable.',
    '--thinking on|off (any command) sets enable_thinking in chat templates that read it (Qwen3; default: the',
    'template\'s own, on); other templates ignore it, with a note.',
    '',
    ...Object.values(commands).map((c) => c.usage),
  ].join('\n');
}

/** Take the global `--cache-dir <dir>` and `--thinking on|off` (or `--flag=value`) out of the arguments. */
function takeCacheDir(argv: string[]): { argv: string[]; cacheDir?: string; thinking?: string } {
  const out: string[] = [];
  let cacheDir: string | undefined;
  let thinking: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--cache-dir') cacheDir = argv[++i];
    else if (a.startsWith('--cache-dir=')) cacheDir = a.slice('--cache-dir='.length);
    else if (a === '--thinking') thinking = argv[++i] ?? '';
    else if (a.startsWith('--thinking=')) thinking = a.slice('--thinking='.length);
    else out.push(a);
  }
  return { argv: out, ...(cacheDir !== undefined ? { cacheDir } : {}), ...(thinking !== undefined ? { thinking } : {}) };
}

export async function main(args: string[], ctxIn: CommandContext): Promise<number> {
  const { argv, cacheDir, thinking } = takeCacheDir(args);
  const ctx: CommandContext = { ...ctxIn, ...(cacheDir !== undefined ? { cacheDir } : {}), ...(thinking !== undefined ? { thinking: thinking === 'on' } : {}) };
  if (cacheDir === '') {
    ctx.err('usage error: --cache-dir needs a folder');
    return 2;
  }
  if (thinking !== undefined && thinking !== 'on' && thinking !== 'off') {
    ctx.err(`usage error: --thinking must be on or off, got "${thinking}"`);
    return 2;
  }
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    ctx.out(help());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    ctx.err(`unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  const json = rest.includes('--json');
  try {
    await command.run(rest, ctx);
    return 0;
  } catch (err) {
    // With --json, stdout holds one JSON document in every case: the result, or the error.
    if (json) ctx.out(JSON.stringify({ error: errorFields(err) }));
    if (err instanceof UsageError) {
      ctx.err(`usage error: ${err.message}\n\n${command.usage}`);
      return 2;
    }
    if (isLabError(err) || err instanceof RangeError || err instanceof ExperimentDataError) {
      ctx.err(`error: ${(err as Error).name}: ${(err as Error).message}`);
      return 1;
    }
    ctx.err(`error: ${(err as Error)?.stack ?? String(err)}`);
    return 1;
  }
}

/** An error as plain JSON: name, message and its own fields (file, position, problem, …). */
function errorFields(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) {
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) fields[k] = v;
  }
  return { ...fields, name: err.name, message: err.message };
}

const isEntry = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (isEntry) {
  // stdout holds only the command's output: whatever libraries log (onnxruntime, the WebGPU runtime)
  // goes to stderr, so `--json` output always parses.
  for (const k of ['log', 'info', 'debug'] as const) console[k] = (...a: unknown[]) => console.error(...a);
  const code = await main(process.argv.slice(2), {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    ...(process.stderr.isTTY ? { status: (t: string) => process.stderr.write(`\r\x1b[K${t}`) } : {}),
  });
  process.exitCode = code;
}
