/**
 * `npm run bench`: speed targets, checked here and reported in the README (never by timed tests).
 * Every comparison is a ratio of numbers measured in this one run on this machine.
 *
 *   npm run bench                  # everything
 *   npm run bench -- --only lab    # the lab pair only (decode, experiments)
 *   npm run bench -- --only 135m   # the SmolLM2-135M-shaped stand-in only (builds it on first use)
 */
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { decodeBench, DECODE_HEADER } from './decode';
import { labBench } from './lab';
import { breakdownTable, decodeRows, labTable, memoryTable, run135m } from './s135m';
import { markdownTable } from './util';

const models = [resolve('models/lab-base'), resolve('models/lab-sft')];

function onlyArg(): 'lab' | '135m' | null {
  const i = process.argv.indexOf('--only');
  if (i < 0) return null;
  const v = process.argv[i + 1]?.toLowerCase();
  if (v !== 'lab' && v !== '135m') throw new Error(`--only takes lab or 135m, got ${v ?? 'nothing'}`);
  return v;
}

async function main(): Promise<void> {
  const only = onlyArg();
  console.log(`World Prior Lab benchmarks — ${new Date().toISOString()} — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, Node ${process.version}\n`);
  const big = only === 'lab' ? null : await run135m({ tokens: { node: 16, wasm: 6 }, rounds: 2, sweepTokens: 16, dtypes: ['fp32', 'q4'], backends: ['node', 'wasm'] });
  const rows = only === '135m' ? [] : await decodeBench(models);
  if (big) rows.push(...decodeRows(big));
  console.log('## Decode with full logits (greedy; lab models: 48 tokens, median of 7, better of 2 alternating rounds; 135M: median step of 2 generations of 16 tokens (6 on WASM), ours and transformers.js in lock-step)\n');
  console.log(markdownTable(DECODE_HEADER, rows));
  if (big) {
    console.log('\n## 135M: where a decode step\'s time goes (ms, medians over the steps)\n');
    console.log(breakdownTable(big));
    console.log('\n## 135M (SmolLM2-135M-shaped stand-in, random weights), onnxruntime-node (CPU)\n');
    console.log(labTable(big));
    console.log('\n## 135M: memory after loading, per backend (each side in its own measurement process)\n');
    console.log(memoryTable(big));
    for (const f of big.failures) console.log(`\nFAILED: ${f}`);
    console.log('\n```json\n' + JSON.stringify(big) + '\n```');
  }
  if (only === '135m') return;
  for (const backend of ['node', 'wasm'] as const) {
    console.log(`\n## Experiments on lab-sft, ${backend === 'node' ? 'onnxruntime-node (CPU)' : 'onnxruntime-web WASM (1 thread)'}\n`);
    console.log(await labBench(models[1]!, backend));
  }
}

await main();
