/**
 * Speed at real size: a stand-in with SmolLM2-135M's full shape (random weights, fp32 and q4), built at
 * bench time into .cache/bench/ by bench/standin_135m.py (deterministic; rebuilt when missing or when the
 * script's VERSION changes), never committed. Each measurement runs in a process of its own
 * (bench/s135m-child.ts), so the memory figures are that process's.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { markdownTable } from './util';

export const FOLDER_135M = resolve('.cache/bench/smollm2-135m');
const SCRIPT = resolve('bench/standin_135m.py');

/** The model folder, built when missing or stale. */
export function ensure135m(): string {
  const want = Number(/^VERSION = (\d+)$/m.exec(readFileSync(SCRIPT, 'utf8'))?.[1]);
  const stamp = resolve(FOLDER_135M, 'standin.json');
  const have = existsSync(stamp) ? Number((JSON.parse(readFileSync(stamp, 'utf8')) as { version?: number }).version) : NaN;
  const complete = ['onnx/model.onnx', 'onnx/model_q4.onnx', 'config.json', 'tokenizer.json'].every((f) => existsSync(resolve(FOLDER_135M, f)));
  if (have === want && complete) return FOLDER_135M;
  console.error(`building the 135M stand-in into ${FOLDER_135M} (about 1 min) …`);
  rmSync(FOLDER_135M, { recursive: true, force: true });
  const r = spawnSync('/usr/bin/python3', [SCRIPT, FOLDER_135M], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`bench/standin_135m.py failed (status ${r.status}); it needs Debian's python3 with numpy and onnx`);
  return FOLDER_135M;
}

function child<T>(args: string[]): Promise<T> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, ['--expose-gc', ...process.execArgv, resolve('bench/s135m-child.ts'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', fail);
    p.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) fail(new Error(`bench child ${args.join(' ')} exited with ${code}:\n${out.slice(-2000)}`));
      else done(JSON.parse(line.slice(7)) as T);
    });
  });
}

interface DecodeResult {
  backend: string;
  dtype: string;
  steps: number;
  samePrompt: boolean;
  sameTokens: boolean;
  oursTokens: number[];
  theirTokens: number[];
  ours: { loadMs: number; perToken: number; run: number; engineRest: number; pick: number; rssDelta: number; heapDelta: number; weightBytes: number; batching: string };
  theirs: { loadMs: number; perToken: number; run: number; rest: number; rssDelta: number; heapDelta: number };
}

interface LabResult {
  backend: string;
  dtype: string;
  promptTokens: number;
  sweepTokens: number;
  loadMs: number;
  prefill512: number;
  batched: number;
  batchedRun: number;
  /** session.run calls for one batch of 32 (undefined in results from before it was recorded). */
  batchedCalls?: number;
  sequential: number;
  sequentialRun: number;
  memory: { weightBytes: number; rssBefore: number; rssAfterLoad: number; heapAfterLoad: number; rssAfterPrefill: number; rssEnd: number; heapEnd: number; peakRss: number };
}

interface MemResult {
  side: 'ours' | 'theirs';
  backend: string;
  dtype: string;
  loadMs: number;
  weightBytes: number;
  rssBefore: number;
  rssAfterLoad: number;
  heapAfterLoad: number;
  rssAfterStep: number;
  peakRss: number;
}

export interface Bench135m {
  decode: DecodeResult[];
  lab: LabResult[];
  mem: MemResult[];
  /** Measurements that failed (what, why): printed under the tables, never silently dropped. */
  failures: string[];
}

export interface Options135m {
  /** Decode tokens per round, and alternating rounds, per backend. */
  tokens: { node: number; wasm: number };
  rounds: number;
  sweepTokens: number;
  dtypes: string[];
  backends: ('node' | 'wasm')[];
}

export async function run135m(o: Options135m): Promise<Bench135m> {
  const folder = ensure135m();
  const r: Bench135m = { decode: [], lab: [], mem: [], failures: [] };
  const attempt = async <T>(what: string, args: string[], into: T[]) => {
    console.error(`135M ${what} …`);
    try {
      into.push(await child<T>(args));
    } catch (err) {
      r.failures.push(`${what}: ${String((err as Error).message).split('\n').slice(0, 3).join(' ').slice(0, 400)}`);
      console.error(`  failed: ${(err as Error).message.slice(-1500)}`);
    }
  };
  for (const dtype of o.dtypes) {
    for (const side of ['ours', 'theirs']) await attempt(`${dtype} node: memory, ${side} alone`, ['mem', folder, dtype, 'node', side], r.mem);
    for (const backend of o.backends) {
      await attempt(`${dtype} ${backend}: decode, ours vs transformers.js`, ['decode', folder, dtype, backend, String(o.tokens[backend]), String(o.rounds)], r.decode);
    }
    // Prefill and sweeps on onnxruntime-node: on 1-thread WASM, 32 sequential generations of a 135M
    // model would take longer than the rest of the bench together.
    await attempt(`${dtype} node: prefill, 32 samples`, ['lab', folder, dtype, 'node', String(o.sweepTokens)], r.lab);
  }
  return r;
}

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const mb = (x: number) => `${(x / 2 ** 20).toFixed(0)} MiB`;
const backendName = (b: string) => (b === 'node' ? 'onnxruntime-node' : 'onnxruntime-web WASM 1 thread');

/** Rows for the decode table (model column `135M <dtype>`), in its columns: ours and transformers.js on
 *  onnxruntime-node, speed-up, ours and transformers.js on WASM, speed-up. */
export function decodeRows(r: Bench135m): (string | number)[][] {
  const dtypes = [...new Set(r.decode.map((d) => d.dtype))];
  return dtypes.map((dtype) => {
    const cells = (backend: string) => {
      const d = r.decode.find((x) => x.dtype === dtype && x.backend === backend);
      return d ? [d.ours.perToken.toFixed(1), d.theirs.perToken.toFixed(1), (d.theirs.perToken / d.ours.perToken).toFixed(2)] : ['—', '—', '—'];
    };
    const [on, tn, sn] = cells('node');
    const [ow, tw, sw] = cells('wasm');
    return [`135M ${dtype}`, on!, tn!, sn!, ow!, tw!, sw!];
  });
}

export function breakdownTable(r: Bench135m): string {
  return markdownTable(
    ['model, backend', 'ours: per token', 'session.run', 'engine (feeds, checks, logits copy)', 'arg-max', 'transformers.js: per token', 'session.run', 'the rest of generate()', 'same greedy tokens'],
    r.decode.map((d) => [
      `135M ${d.dtype}, ${backendName(d.backend)}`,
      ms(d.ours.perToken),
      ms(d.ours.run),
      ms(d.ours.engineRest),
      ms(d.ours.pick),
      ms(d.theirs.perToken),
      ms(d.theirs.run),
      ms(d.theirs.rest),
      d.sameTokens ? 'yes' : d.samePrompt ? 'NO' : 'other prompt ids',
    ]),
  );
}

export function labTable(r: Bench135m): string {
  const rows: (string | number)[][] = [];
  for (const l of r.lab) {
    rows.push([`${l.dtype}: prefill of 512 tokens (one forward pass, last position's logits)`, `${ms(l.prefill512)} ms`, '', '']);
    const ratio = l.sequential / l.batched;
    rows.push([
      `${l.dtype}: 32 samples × ${l.sweepTokens} tokens: one batch vs 32 sequential generations (session.run: ${ms(l.batchedRun)} vs ${ms(l.sequentialRun)} ms${l.batchedCalls ? `; ${l.batchedCalls} session.run calls per batch` : ''})`,
      `${ms(l.batched)} ms vs ${ms(l.sequential)} ms`,
      `${ratio.toFixed(1)}× faster`,
      '≥ 10× faster',
    ]);
    const m = l.memory;
    rows.push([`${l.dtype}: memory with a batch of 32 (peak RSS of the process; JS heap at the end)`, `${mb(m.peakRss)}; ${mb(m.heapEnd)}`, '', '']);
  }
  return markdownTable(['measurement', 'times (median)', 'ratio', 'target'], rows);
}

export function memoryTable(r: Bench135m): string {
  return markdownTable(
    ['model, side (onnxruntime-node, each alone in a fresh process)', 'weights file', 'RSS of the bare process', 'RSS after load', 'after the first steps', 'JS heap after load', 'peak RSS'],
    r.mem.map((m) => {
      const w = r.mem.find((x) => x.dtype === m.dtype && x.side === 'ours')!.weightBytes;
      return [
        `135M ${m.dtype}, ${m.side === 'ours' ? 'ours' : 'transformers.js'}`,
        mb(w),
        mb(m.rssBefore),
        `${mb(m.rssAfterLoad)} (+${mb(m.rssAfterLoad - m.rssBefore)})`,
        mb(m.rssAfterStep),
        mb(m.heapAfterLoad),
        mb(m.peakRss),
      ];
    }),
  );
}
