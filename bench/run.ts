/**
 * `npm run bench`: speed targets, checked here and reported in the README (never by timed tests).
 * Every comparison is a ratio of numbers measured in this one run on this machine.
 */
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { decodeBench } from './decode';
import { labBench } from './lab';

const models = [resolve('models/lab-base'), resolve('models/lab-sft')];

async function main(): Promise<void> {
  console.log(`World Prior Lab benchmarks — ${new Date().toISOString()} — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, Node ${process.version}\n`);
  console.log('## Decode with full logits (greedy, 48 tokens; median of 7, better of 2 alternating rounds)\n');
  console.log(await decodeBench(models));
  for (const backend of ['node', 'wasm'] as const) {
    console.log(`\n## Experiments on lab-sft, ${backend === 'node' ? 'onnxruntime-node (CPU)' : 'onnxruntime-web WASM (1 thread)'}\n`);
    console.log(await labBench(models[1]!, backend));
  }
}

await main();
