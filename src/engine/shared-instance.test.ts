/**
 * Two onnxruntime-web engines in one Node process share one WebAssembly instance; two runs in it at once
 * used to hang for good (src/engine/node.ts `oneAtATime`). The pair runs in a child process with a time
 * limit, so a regression fails here instead of hanging the test run; its numbers are checked against the
 * same steps run one model at a time.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createNodeEngine } from './node';

describe('two onnxruntime-web engines in one process', () => {
  it('step at the same time without hanging, and give the numbers each gives alone (WASM)', async () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/engine/testing/two-web-engines.ts', 'wasm'], { encoding: 'utf8', timeout: 150_000 });
    expect(r.signal, `killed after 150 s: the two engines hung (${r.stderr.slice(-500)})`).toBeNull();
    const line = r.stdout.split('\n').find((l) => l.startsWith('DONE '));
    expect(line, r.stderr.slice(-2000)).toBeDefined();
    const together = JSON.parse(line!.slice(5)) as number[];
    const alone: number[] = [];
    const a = createNodeEngine('node');
    const b = createNodeEngine('node');
    try {
      await a.load('models/standins/smollm2-base-optimum', { dtype: 'q4' });
      await b.load('models/standins/smollm2-optimum', { dtype: 'fp32' });
      const ids = await a.encode('The old man looked at the sea and');
      for (let i = 0; i < 3; i++) {
        for (const e of [a, b]) {
          const { seq } = await e.createSequence(ids);
          alone.push((await e.step(seq, [5 + i])).data[0]!);
          await e.release(seq);
        }
      }
    } finally {
      await a.dispose();
      await b.dispose();
    }
    expect(together).toHaveLength(6);
    for (let i = 0; i < 6; i++) expect(Math.abs(together[i]! - alone[i]!)).toBeLessThan(1e-4);
  }, 240_000);
});
