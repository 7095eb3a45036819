/**
 * The CLI loads every catalog hub model by its real repo id and revision through `$HF_ENDPOINT`, served
 * by the hub stand-in (e2e/standin-hub.ts) from the stand-in of its family and exporter style. The numbers
 * are those of the stand-in folder loaded by path, and the model loaded by that id gives the PyTorch
 * reference's logits (fp32, within 1e-4).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandinHub, standinRepos } from '../../e2e/standin-hub';
import type { HubServer } from '../../e2e/hub-server';
import { CATALOG } from '../engine/catalog';
import { onnxFileFor } from '../engine/files';
import { createNodeEngine } from '../engine/node';
import { main } from './main';

let hub: HubServer;
const savedEndpoint = process.env['HF_ENDPOINT'];
beforeAll(async () => {
  hub = await startStandinHub();
  process.env['HF_ENDPOINT'] = hub.endpoint;
});
afterAll(async () => {
  if (savedEndpoint === undefined) delete process.env['HF_ENDPOINT'];
  else process.env['HF_ENDPOINT'] = savedEndpoint;
  await hub?.close();
});

interface LogitsJson {
  model: string;
  dtype: string;
  tokens: { id: number }[];
  next: { top: { id: number; logit: number }[] };
}

async function logits(args: string[]): Promise<{ code: number; json: LogitsJson | null; lines: string[] }> {
  const lines: string[] = [];
  const code = await main(['logits', ...args, '--json'], { out: (l) => lines.push(l), err: (l) => lines.push(`ERR ${l}`) });
  const last = lines.filter((l) => !l.startsWith('ERR ')).at(-1);
  return { code, json: last ? (JSON.parse(last) as { sides: { base: LogitsJson } }).sides.base : null, lines };
}

/** The reference logits [S, V] (float64 PyTorch forward of the same weights, fp32 variant) and their ids. */
function reference(folder: string): { ids: number[]; logits: Float32Array } {
  const meta = JSON.parse(readFileSync(join(folder, 'reference.json'), 'utf8')) as { input_ids: number[]; variants: { fp32: { file: string } } };
  const buf = readFileSync(join(folder, meta.variants.fp32.file));
  return { ids: meta.input_ids, logits: new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)) };
}

describe('the hub stand-in serves every catalog hub model under its real id and revision', () => {
  it('covers every hub model of the catalog, each with an existing stand-in folder', () => {
    const hubModels = CATALOG.flatMap((p) => [p.base, p.tuned]).filter((m) => m !== null);
    const repos = standinRepos();
    expect(repos.map((r) => r.repo).sort()).toEqual(hubModels.map((m) => m.repo).sort());
    for (const r of repos) expect(readFileSync(join(r.folder, 'config.json'), 'utf8')).toContain('"architectures"');
  });

  for (const r of standinRepos()) {
    it(`lab logits --model ${r.id} (stand-in ${r.standin})`, async () => {
      const cacheDir = mkdtempSync(join(tmpdir(), 'wpl-hub-cli-'));
      const before = hub.requests.length;
      const viaHub = await logits(['--cache-dir', cacheDir, '--model', r.id, '--text', 'The capital of France is', '--top', '5']);
      expect(viaHub.code, viaHub.lines.join('\n')).toBe(0);
      // the files came from the hub stand-in under the catalog's id
      const asked = hub.requests.slice(before);
      expect(asked).toContain(`${r.repo}/config.json`);
      expect(asked.some((p) => p.startsWith(`${r.repo}/onnx/model.onnx`))).toBe(true);
      // the same numbers as the stand-in folder loaded by path
      const local = await logits(['--model', r.folder, '--text', 'The capital of France is', '--top', '5']);
      expect(local.code).toBe(0);
      expect(viaHub.json!.tokens).toEqual(local.json!.tokens);
      expect(viaHub.json!.next.top).toEqual(local.json!.next.top);
      // and the reference: the model loaded by this id (from the cache the CLI filled) gives the PyTorch
      // reference's logits for the reference's ids
      const ref = reference(r.folder);
      const e = createNodeEngine('node', { endpoint: hub.endpoint, cacheDir });
      await e.load(r.id, { dtype: 'fp32' });
      const out = await e.score(ref.ids);
      await e.dispose();
      let d = 0;
      for (let i = 0; i < ref.logits.length; i++) d = Math.max(d, Math.abs(out.data[i]! - ref.logits[i]!));
      expect(out.data.length).toBe(ref.logits.length);
      expect(d).toBeLessThan(1e-4);
    });
  }

  it('every variant the catalog lists for a hub model is served from its stand-in and gives that variant\'s reference', async () => {
    // per-dtype bounds as src/engine/standins.test.ts justifies them (max |Δlogit|, logits of size ~18-31)
    const TOL: Record<string, number> = { fp32: 1e-4, q4: 1e-4, bnb4: 1e-4, fp16: 0.1, q4f16: 0.1, q8: 0.05, int8: 0.05, uint8: 0.05 };
    let checked = 0;
    for (const r of standinRepos()) {
      const listed = CATALOG.flatMap((p) => [p.base, p.tuned]).find((m) => m?.repo === r.repo)!.variants;
      for (const v of listed) {
        const file = v.files[0]!.path;
        expect(file).toBe(onnxFileFor(v.dtype));
        const meta = JSON.parse(readFileSync(join(r.folder, 'reference.json'), 'utf8')) as { input_ids: number[]; variants: Record<string, { file: string }> };
        expect(meta.variants[v.dtype], `${r.standin} has no ${v.dtype} variant for ${r.id}`).toBeDefined();
        const buf = readFileSync(join(r.folder, meta.variants[v.dtype]!.file));
        const ref = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
        const before = hub.requests.length;
        const e = createNodeEngine('node', { endpoint: hub.endpoint, cacheDir: mkdtempSync(join(tmpdir(), 'wpl-hub-cli-')) });
        await e.load(r.id, { dtype: v.dtype });
        const out = await e.score(meta.input_ids);
        await e.dispose();
        expect(hub.requests.slice(before)).toContain(`${r.repo}/${file}`);
        let d = 0;
        for (let i = 0; i < ref.length; i++) d = Math.max(d, Math.abs(out.data[i]! - ref[i]!));
        expect(out.data.length).toBe(ref.length);
        expect(d, `${r.id} ${v.dtype}`).toBeLessThan(TOL[v.dtype]!);
        checked++;
      }
    }
    // SmolLM2-135M/360M-Instruct list 4 variants each, Qwen2.5-0.5B-Instruct 8 (with int8, uint8 and bnb4)
    expect(checked).toBe(16);
  }, 120_000);

  it('a revision the catalog does not list is refused with the hub\'s 404, as a clear error', async () => {
    const r = standinRepos().find((x) => x.revision !== 'main')!;
    const lines: string[] = [];
    const code = await main(['logits', '--cache-dir', mkdtempSync(join(tmpdir(), 'wpl-hub-cli-')), '--model', `${r.repo}@0000000000000000000000000000000000000000`, '--text', 'x'], {
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
    });
    expect(code).toBe(1);
    expect(lines.join('\n')).toMatch(/config\.json.*404/);
  });

  it('npm run -s lab -- logits --model <id> with HF_ENDPOINT set in the environment (a separate process)', async () => {
    const r = standinRepos().find((x) => x.pair === 'gemma-3-270m' && x.side === 'tuned')!;
    const { stdout } = await promisify(execFile)('npm', ['run', '-s', 'lab', '--', 'logits', '--model', r.id, '--dtype', 'q4', '--text', 'The capital', '--json'], {
      env: { ...process.env, HF_ENDPOINT: hub.endpoint, WPL_CACHE_DIR: mkdtempSync(join(tmpdir(), 'wpl-hub-cli-')) },
    });
    const j = (JSON.parse(stdout.trim().split('\n').at(-1)!) as { sides: { base: LogitsJson } }).sides.base;
    expect(j.model).toBe(r.id);
    expect(j.dtype).toBe('q4');
    const local = await logits(['--model', r.folder, '--dtype', 'q4', '--text', 'The capital']);
    expect(j.next.top).toEqual(local.json!.next.top);
  }, 120_000);
});
