/**
 * The lab-grown family on onnxruntime-node: every sibling loads (and the alias lab-tuned names lab-sft),
 * and numbers of the model cards are recomputed here from the committed ONNX weights, independently of
 * the Python build that wrote them (models/train/family-metrics.json): bits per byte of the committed
 * held-out slices and the knowledge probes.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveModelSource } from '../cli/context';
import { LAB_FAMILY, labName, resolveLabSource } from '../engine/family';
import type { LabEngine } from '../engine/engine';
import { createNodeEngine } from '../engine/node';

interface Metrics {
  slices_bpb: Record<string, Record<string, number>>;
  knowledge_probes: { prefix: string; right: string; wrong: string[] }[];
  eval: Record<string, { knowledge: { accuracy: number; rows: { prefix: string; correct: boolean }[] } }>;
}
const metrics = JSON.parse(readFileSync('models/train/family-metrics.json', 'utf8')) as Metrics;
const slices = JSON.parse(readFileSync('models/train/heldout-slices.json', 'utf8')) as Record<string, string>;

function logSoftmaxAt(row: Float32Array, id: number): number {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  return row[id]! - max - Math.log(sum);
}

/** Sum of log p(ids[t] | ids[<t]) for t >= from, from one teacher-forced pass. */
async function logprob(engine: LabEngine, ids: number[], from: number, V: number): Promise<number> {
  const { data } = await engine.score(ids);
  let s = 0;
  for (let t = from; t < ids.length; t++) s += logSoftmaxAt(data.subarray((t - 1) * V, t * V), ids[t]!);
  return s;
}

const engines: LabEngine[] = [];
afterAll(async () => {
  for (const e of engines) await e.dispose();
});

describe('the lab-grown family', () => {
  it('names: lab-tuned is an alias of lab-sft, for the page and the CLI', () => {
    expect(labName('lab-tuned')).toBe('lab-sft');
    expect(labName('lab-rl')).toBe('lab-rl');
    expect(labName('lab-other')).toBeNull();
    expect(resolveLabSource('./models/lab-tuned/')).toBe('./models/lab-sft/');
    expect(resolveLabSource('lab-rl')).toBe('./models/lab-rl/');
    expect(resolveLabSource('org/lab-rl')).toBe('org/lab-rl');
    expect(resolveModelSource('lab-tuned')).toBe(resolve('models/lab-sft'));
    expect(resolveModelSource('./some/folder')).toBe('./some/folder');
  });

  for (const sib of LAB_FAMILY) {
    describe(sib.name, () => {
      let engine: LabEngine;
      let V: number;
      it('loads on onnxruntime-node (through the CLI name)', async () => {
        engine = createNodeEngine('node');
        engines.push(engine);
        const info = await engine.load(resolveModelSource(sib.name));
        expect(info.name).toBe(sib.name);
        expect(info.modelType).toBe('llama');
        V = info.vocabSize;
        expect(V).toBe(4096);
      });

      it('held-out bits per byte of the committed slices match the model card', async () => {
        const want = metrics.slices_bpb[sib.name]!;
        expect(Object.keys(want).sort()).toEqual(Object.keys(slices).sort());
        for (const [k, text] of Object.entries(slices)) {
          const ids = await engine.encode(text, 'none');
          expect(await engine.decode(ids)).toBe(text);
          const first = await engine.decode(ids.slice(0, 1));
          const bytes = Buffer.byteLength(text, 'utf8') - Buffer.byteLength(first, 'utf8');
          const bpb = -(await logprob(engine, ids, 1, V)) / Math.LN2 / bytes;
          expect(bpb, k).toBeGreaterThan(0.5);
          expect(bpb, k).toBeCloseTo(want[k]!, 4);
        }
      });

      it('knowledge probes: the same right/wrong verdicts as the card', async () => {
        const rows = metrics.eval[sib.name]!.knowledge.rows;
        expect(rows.length).toBe(metrics.knowledge_probes.length);
        let right = 0;
        for (const [i, p] of metrics.knowledge_probes.entries()) {
          const prefixIds = await engine.encode(p.prefix, 'none');
          const score = async (c: string) => logprob(engine, await engine.encode(p.prefix + c, 'none'), prefixIds.length, V);
          const r = await score(p.right);
          let best = true;
          for (const w of p.wrong) if ((await score(w)) >= r) best = false;
          expect(best, p.prefix).toBe(rows[i]!.correct);
          if (best) right++;
        }
        expect(right / rows.length).toBeCloseTo(metrics.eval[sib.name]!.knowledge.accuracy, 12);
      });
    });
  }
});
