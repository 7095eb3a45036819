/**
 * Run by src/engine/shared-instance.test.ts in a child process (a hang here blocks the whole event loop,
 * so the test must be able to kill it): two onnxruntime-web engines of one process, the SmolLM2 stand-in
 * pair, step at the same time, as the CLI's compare and loom do with base and tuned.
 */
import { createNodeEngine, type NodeBackend } from '../node';

const backend = (process.argv[2] ?? 'wasm') as NodeBackend;
const a = createNodeEngine(backend);
const b = createNodeEngine(backend);
await Promise.all([a.load('models/standins/smollm2-base-optimum', { dtype: 'q4' }), b.load('models/standins/smollm2-optimum', { dtype: 'fp32' })]);
const ids = await a.encode('The old man looked at the sea and');
const firsts: number[] = [];
for (let i = 0; i < 3; i++) {
  const [x, y] = await Promise.all([a.createSequence(ids), b.createSequence(ids)]);
  const [sx, sy] = await Promise.all([a.step(x.seq, [5 + i]), b.step(y.seq, [5 + i])]);
  firsts.push(sx.data[0]!, sy.data[0]!);
  await Promise.all([a.release(x.seq), b.release(y.seq)]);
}
await Promise.all([a.dispose(), b.dispose()]);
console.log(`DONE ${JSON.stringify(firsts)}`);
