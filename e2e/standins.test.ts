/**
 * Issue 12 in the page: the Models tab loads the catalog's SmolLM2-135M pair (base
 * onnx-community/SmolLM2-135M-ONNX, Instruct HuggingFaceTB/SmolLM2-135M-Instruct at its pinned revision)
 * from the hub stand-in (e2e/standin-hub.ts: the stand-ins under the real repo ids and revisions), with the
 * variant the page chose for this device, then runs compare on a typed response, on WASM and on forced
 * WebGPU (SwiftShader). Every per-position number is checked against compare() in this process on
 * onnxruntime-node with the stand-in folders and the same variants (whose logits src/engine/standins.test.ts
 * checks against the float64 PyTorch reference: fp32 and q4 within 1e-4), and the pair's next-token logits
 * in Node against the reference itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeEngine } from '../src/engine/node';
import type { Dtype } from '../src/engine/types';
import { compare, type compareJson } from '../src/lab/compare';
import { launchChromium, pairBackends, settle, shownErrors } from './lab-page';
import { startServer, type StaticServer } from './server';
import { startStandinHub, type StandinRepo } from './standin-hub';
import type { HubServer } from './hub-server';

let server: StaticServer;
let browser: Browser;
let hub: HubServer & { repos: StandinRepo[] };

const PAIR = 'smollm2-135m';
const PROMPT = 'The capital of France is';
const RESPONSE = ' Paris, the city of light.';

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  hub = await startStandinHub();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await hub?.close();
});

/** The float64 PyTorch reference logits [S, V] of a stand-in variant, and their ids. */
function reference(folder: string, dtype: string): { ids: number[]; logits: Float32Array } {
  const meta = JSON.parse(readFileSync(join(folder, 'reference.json'), 'utf8')) as { input_ids: number[]; variants: Record<string, { file: string }> };
  const buf = readFileSync(join(folder, meta.variants[dtype]!.file));
  return { ids: meta.input_ids, logits: new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)) };
}

async function waitCompare(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const s = document.querySelector('lab-app')?.shadowRoot?.querySelector('compare-view')?.getAttribute('data-view-state');
      return s === 'done' || s === 'error';
    },
    null,
    { timeout: 240_000, polling: 100 },
  );
  const state = await page.locator('compare-view').getAttribute('data-view-state');
  if (state !== 'done') throw new Error(`compare settled in ${state}: ${(await page.locator('compare-view .error-box').allInnerTexts()).join(' | ')}`);
}

// Logits on WebGPU differ from the CPU's by up to 2.4e-3 on these optimum-style graphs (README); a
// log-probability moves by at most twice the largest logit change.
const TOL = { wasm: 1e-4, webgpu: 1e-2 } as const;

for (const backend of ['wasm', 'webgpu'] as const) {
  describe(`stand-ins through the Models tab and the hub stand-in (${backend === 'wasm' ? 'WASM' : 'forced WebGPU, SwiftShader'})`, () => {
    it(`loads the catalog's ${PAIR} pair by its hub ids and runs compare; the numbers match onnxruntime-node and the reference`, async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      try {
        const q = new URLSearchParams({
          view: 'models',
          backend,
          hub: hub.endpoint,
          'compare.prompt': PROMPT,
          'compare.source': 'typed',
          'compare.response': RESPONSE,
          'compare.samples': '0',
        });
        await page.goto(`${server.origin}/?${q}`);
        await page.locator(`[data-device-backend="${backend}"]`).waitFor({ timeout: 60_000 });
        const use = page.locator(`button[data-use-pair="${PAIR}"]`);
        await page.locator(`button[data-use-pair="${PAIR}"]:not([disabled])`).waitFor({ timeout: 60_000 });
        const side = (s: 'base' | 'tuned') => hub.repos.find((r) => r.pair === PAIR && r.side === s)!;
        const dtypes: Record<'base' | 'tuned', Dtype> = { base: 'fp32', tuned: 'fp32' };
        for (const s of ['base', 'tuned'] as const) {
          dtypes[s] = (await page.locator(`article[data-pair-id="${PAIR}"] .model[data-repo="${side(s).repo}"]`).getAttribute('data-fit-dtype')) as Dtype;
          expect(dtypes[s], s).toMatch(/^(fp32|q4|fp16|q4f16)$/);
        }
        const before = hub.requests.length;
        await use.click();
        const state = await settle(page, 240_000);
        if (state !== 'ready') throw new Error(`the pair settled in ${state}: ${(await shownErrors(page)).join(' | ')}`);
        expect(await pairBackends(page)).toBe(`${backend},${backend}`);
        // both models came from the hub stand-in under the catalog's ids, in the variant the page chose
        const asked = hub.requests.slice(before);
        for (const s of ['base', 'tuned'] as const) {
          const file = dtypes[s] === 'fp32' ? 'onnx/model.onnx' : `onnx/model_${dtypes[s]}.onnx`;
          expect(asked, `${s}: ${file}`).toContain(`${side(s).repo}/${file}`);
        }
        const url = new URL(page.url());
        // (the page names a catalog model with its revision, `main` included)
        expect(url.searchParams.get('base')).toBe(`${side('base').repo}@${side('base').revision}`);
        expect(url.searchParams.get('tuned')).toBe(`${side('tuned').repo}@${side('tuned').revision}`);

        await page.locator('button[data-view="compare"]').click();
        await page.locator('compare-view #run:not([disabled])').waitFor({ timeout: 120_000 });
        // the templates follow the models: SmolLM2-135M (base) is not chat-tuned (its generation config stops at
        // <|endoftext|> only), so it reads URIAL's frame; the Instruct model reads its chat template
        expect(await page.locator('compare-view #base-template').inputValue()).toBe('urial');
        expect(await page.locator('compare-view #tuned-template').inputValue()).toBe('chat');
        await page.locator('compare-view').evaluate((el) => el.setAttribute('data-view-state', 'idle'));
        await page.locator('compare-view #run').click();
        await waitCompare(page);
        const href = await page.locator('compare-view #export-json').getAttribute('href');
        const json = JSON.parse(await page.evaluate(async (u) => (await fetch(u)).text(), href!)) as ReturnType<typeof compareJson>;
        const ids = json.response_tokens.map((t) => t.id);
        expect(ids.length).toBeGreaterThan(3);

        // The same computation in this process: onnxruntime-node, the stand-in folders, the same variants.
        const base = createNodeEngine('node');
        const tuned = createNodeEngine('node');
        try {
          await base.load(side('base').folder, { dtype: dtypes.base });
          await tuned.load(side('tuned').folder, { dtype: dtypes.tuned });
          // the Node engines themselves against the PyTorch reference (first the chain's last link)
          for (const [e, s] of [[base, 'base'], [tuned, 'tuned']] as const) {
            const ref = reference(side(s).folder, dtypes[s]);
            const out = await e.score(ref.ids);
            let d = 0;
            for (let i = 0; i < ref.logits.length; i++) d = Math.max(d, Math.abs(out.data[i]! - ref.logits[i]!));
            expect(d, `${s} ${dtypes[s]} vs reference`).toBeLessThan(dtypes[s] === 'fp32' || dtypes[s] === 'q4' ? 1e-4 : 0.1);
          }
          const ref = await compare({ base, tuned, prompt: PROMPT, responseIds: ids, baseTemplate: 'urial', tunedTemplate: 'chat', samples: 0 });
          expect(json.contexts).toEqual(ref.contexts);
          expect(json.positions).toHaveLength(ref.positions.length);
          let worst = 0;
          json.positions.forEach((p, k) => {
            const r = ref.positions[k]!;
            for (const [a, b] of [
              [p.logp_base, r.logp_base],
              [p.logp_tuned, r.logp_tuned],
              [p.entropy_base, r.entropy_base],
              [p.entropy_tuned, r.entropy_tuned],
              [p.kl_tuned_base, r.kl_tuned_base],
            ] as const) {
              worst = Math.max(worst, Math.abs(a - b));
            }
            if (backend === 'wasm') {
              expect(p.rank_base, `rank base at ${k}`).toBe(r.rank_base);
              expect(p.rank_tuned, `rank tuned at ${k}`).toBe(r.rank_tuned);
            }
          });
          console.log(`${backend} ${dtypes.base}/${dtypes.tuned}: compare per-position numbers vs onnxruntime-node, max |Δ| ${worst.toExponential(2)}`);
          expect(worst).toBeLessThan(TOL[backend]);
          // the shown table carries the same numbers as the export
          const shown = await page.locator('compare-view #positions tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-logp-tuned'))));
          shown.forEach((v, k) => expect(Math.abs(v - ref.positions[k]!.logp_tuned)).toBeLessThan(TOL[backend]));
        } finally {
          await base.dispose();
          await tuned.dispose();
        }
        expect(pageErrors).toEqual([]);
      } finally {
        await context.close();
      }
    });
  });
}

describe('Qwen3 enable_thinking in the page (WASM)', () => {
  it('the Thinking option shows for the Qwen3 stand-in, and off adds the empty think block to the chat context', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    try {
      const qwen3 = hub.repos.find((r) => r.pair === 'qwen3-0.6b')!;
      const q = new URLSearchParams({ backend: 'wasm', hub: hub.endpoint, base: qwen3.id, tuned: qwen3.id, 'base.dtype': 'q4', 'tuned.dtype': 'q4', template: 'chat', prompt: 'Hi' });
      await page.goto(`${server.origin}/?${q}`);
      const state = await settle(page, 240_000);
      if (state !== 'ready') throw new Error(`settled in ${state}: ${(await shownErrors(page)).join(' | ')}`);
      const select = page.locator('prompt-editor #thinking');
      await page.locator('model-panel[data-model="tuned"] [data-context]').waitFor({ state: 'attached', timeout: 120_000 });
      expect(await select.inputValue()).toBe('on');
      // the context the page's engine read, against the same template rendered by this process's engine
      const node = createNodeEngine('node');
      const nodeOff = createNodeEngine('node');
      try {
        await node.load(qwen3.folder, { dtype: 'q4' });
        await nodeOff.load(qwen3.folder, { dtype: 'q4', thinking: false });
        const readContext = async () =>
          ((await page.locator('model-panel[data-model="tuned"] [data-context]').getAttribute('data-context')) ?? '').split(',').filter(Boolean).map(Number);
        expect(await readContext()).toEqual(await node.encode('Hi', 'chat'));
        await select.selectOption('off');
        await page.waitForFunction(() => new URL(location.href).searchParams.get('thinking') === 'off', null, { timeout: 30_000 });
        const after = await settle(page, 240_000);
        if (after !== 'ready') throw new Error(`settled in ${after}: ${(await shownErrors(page)).join(' | ')}`);
        const want = await nodeOff.encode('Hi', 'chat');
        // the panel sits inside <next-view>'s shadow root: read it through the locator (which pierces shadow roots)
        await expect.poll(readContext, { timeout: 120_000, interval: 200 }).toEqual(want);
        expect(await nodeOff.decode(want.slice((await node.encode('Hi', 'chat')).length))).toBe('<think>\n\n</think>\n\n');
        expect(await page.locator('prompt-editor #thinking').inputValue()).toBe('off');
      } finally {
        await node.dispose();
        await nodeOff.dispose();
      }
    } finally {
      await context.close();
    }
  });
});
