/**
 * The first lab page, end to end, against the built site (dist/): the lab-grown pair on WebGPU
 * (SwiftShader) and on WASM, the numbers against an independent computation (onnxruntime-node in this
 * process, softmax and entropy computed here in float64), stepping, a broken model folder, cancel,
 * and model or user text that looks like HTML.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { LabEngine } from '../src/engine/engine';
import { expectReady, promptValue, readPanel, settle, type PanelData, type Side } from './lab-page';
import { ARTIFACTS as artifacts, useLabSetup } from './lab-setup';
import type { StaticServer } from './server';

const PROMPT = 'The old man looked at the';
const SIDES: Side[] = ['base', 'tuned'];

let server: StaticServer;
let browser: Browser;
let reference: Partial<Record<Side, LabEngine>> = {};
/** What the WebGPU run showed, for the WASM run to compare with. */
const webgpuShown: Partial<Record<Side, PanelData>> = {};

/** Open a page that records requests outside our server, dialogs and page errors. */
async function openLab(query: string, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const foreign: string[] = [];
  const seen: string[] = [];
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  context.on('request', (r) => {
    const url = r.url();
    seen.push(url);
    if (!url.startsWith(`${server.origin}/`) && !/^(data|blob):/.test(url)) foreign.push(url);
  });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${server.origin}/${query}`);
  return { page, foreign, seen, dialogs, pageErrors, close: () => context.close() };
}

function q(params: Record<string, string>): string {
  return `?${new URLSearchParams(params).toString()}`;
}

/** log-softmax of a logits row in float64, written here independently of src/lab. */
function logSoftmax64(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (const x of logits) if (x > max) max = x;
  let sum = 0;
  for (const x of logits) sum += Math.exp(x - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(logits, (x) => x - lse);
}

/** Next-token logits after `ids` from onnxruntime-node (one fresh forward pass, no KV cache). */
async function referenceLogits(side: Side, ids: number[]): Promise<Float32Array> {
  const engine = reference[side]!;
  const { data, dims } = await engine.score(ids);
  const V = dims[1]!;
  return data.slice((ids.length - 1) * V, ids.length * V);
}

/** Check a panel against onnxruntime-node for the panel's own context. */
async function expectMatchesReference(side: Side, shown: PanelData, logitTol: number) {
  const logits = await referenceLogits(side, shown.context);
  const lp = logSoftmax64(logits);
  const order = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]! || a - b);
  let entropy = 0;
  for (const l of lp) entropy -= Math.exp(l) * l;
  let listed = 0;
  shown.rows.forEach((row, i) => {
    // The same token at each rank, unless two logits are within the tolerance of each other.
    if (row.id !== order[i]) expect(Math.abs(logits[order[i]!]! - logits[row.id]!)).toBeLessThan(logitTol);
    expect(Math.abs(row.logit - logits[row.id]!), `${side} logit of ${row.id}`).toBeLessThan(logitTol);
    expect(Math.abs(row.prob - Math.exp(lp[row.id]!)), `${side} prob of ${row.id}`).toBeLessThan(1e-4);
    listed += Math.exp(lp[row.id]!);
  });
  expect(Math.abs(shown.entropy - entropy), `${side} entropy`).toBeLessThan(1e-4);
  expect(Math.abs(shown.massOutside - (1 - listed)), `${side} mass outside`).toBeLessThan(1e-4);
}

async function panels(page: Page): Promise<Record<Side, PanelData>> {
  return { base: await readPanel(page, 'base'), tuned: await readPanel(page, 'tuned') };
}

/** Every element in the document and in every open shadow root matching `selector`. */
function countDeep(page: Page, selector: string): Promise<number> {
  return page.evaluate((sel) => {
    let n = 0;
    const visit = (root: Document | ShadowRoot) => {
      n += root.querySelectorAll(sel).length;
      for (const el of root.querySelectorAll('*')) if (el.shadowRoot) visit(el.shadowRoot);
    };
    visit(document);
    return n;
  }, selector);
}

useLabSetup((s) => ({ server, browser, pair: reference } = s));

describe('the lab-grown pair', () => {
  it('loads on WebGPU (forced: ?backend=webgpu, SwiftShader) and shows both distributions, fetching nothing from elsewhere', async () => {
    const lab = await openLab(q({ prompt: PROMPT, backend: 'webgpu' }));
    try {
      await expectReady(lab.page);
      const shown = await panels(lab.page);
      for (const side of SIDES) {
        const p = shown[side];
        expect(p.backend).toBe('webgpu');
        expect(p.badge).toMatch(/^WebGPU/);
        expect(p.badge.toLowerCase()).toContain('swiftshader');
        expect(p.rows).toHaveLength(10);
        expect(p.context.length).toBeGreaterThan(0);
        webgpuShown[side] = p;
      }
      expect(await promptValue(lab.page)).toBe(PROMPT);
      // One onnxruntime wasm, from our own server; nothing from a CDN or anywhere else. (The listener
      // sees the workers' requests too: the wasm is fetched by the model workers.)
      expect(lab.seen).toContain(`${server.origin}/ort/ort-wasm-simd-threaded.asyncify.wasm`);
      expect(lab.foreign).toEqual([]);
      const wasm = server.requests.filter((r) => r.endsWith('.wasm'));
      expect(new Set(wasm)).toEqual(new Set(['/ort/ort-wasm-simd-threaded.asyncify.wasm']));
      expect(lab.pageErrors).toEqual([]);
      expect(await lab.page.evaluate(() => crossOriginIsolated)).toBe(true);
      await lab.page.screenshot({ path: join(artifacts, 'lab.png') });
      // The page at a phone's width (one column).
      await lab.page.setViewportSize({ width: 390, height: 844 });
      await lab.page.screenshot({ path: join(artifacts, 'lab-narrow.png'), fullPage: true });
    } finally {
      await lab.close();
    }
  });

  it('auto prefers WASM over a software adapter (SwiftShader) and the badge says why', async () => {
    const lab = await openLab(q({ prompt: PROMPT }));
    try {
      await expectReady(lab.page);
      const shown = await panels(lab.page);
      for (const side of SIDES) {
        expect(shown[side].backend).toBe('wasm');
        expect(shown[side].badge).toMatch(/^WASM/);
        const note = (await lab.page.locator(`model-panel[data-model="${side}"] [data-backend-note]`).textContent()) ?? '';
        expect(note).toMatch(/auto chose WASM.*software renderer.*backend=webgpu/);
        expect(note.toLowerCase()).toContain('swiftshader');
        // The same numbers as WebGPU showed.
        expect(shown[side].rows.map((r) => r.id)).toEqual(webgpuShown[side]!.rows.map((r) => r.id));
      }
    } finally {
      await lab.close();
    }
  });

  it('loads on WASM (?backend=wasm) with the same top tokens and logits within 1e-3 of WebGPU', async () => {
    const lab = await openLab(q({ prompt: PROMPT, backend: 'wasm' }));
    try {
      await expectReady(lab.page);
      const shown = await panels(lab.page);
      for (const side of SIDES) {
        const p = shown[side];
        expect(p.backend).toBe('wasm');
        expect(p.badge).toMatch(/^WASM/);
        const gpu = webgpuShown[side];
        expect(gpu, 'the WebGPU test ran first').toBeDefined();
        expect(p.context).toEqual(gpu!.context);
        expect(p.rows.map((r) => r.id)).toEqual(gpu!.rows.map((r) => r.id));
        p.rows.forEach((r, i) => expect(Math.abs(r.logit - gpu!.rows[i]!.logit)).toBeLessThan(1e-3));
        expect(Math.abs(p.entropy - gpu!.entropy)).toBeLessThan(1e-3);
      }
      expect(lab.foreign).toEqual([]);
    } finally {
      await lab.close();
    }
  });

  it('shows numbers equal to onnxruntime-node + an independent softmax and entropy', async () => {
    const lab = await openLab(q({ prompt: PROMPT, backend: 'wasm', k: '12' }));
    try {
      await expectReady(lab.page);
      const shown = await panels(lab.page);
      for (const side of SIDES) {
        expect(shown[side].rows).toHaveLength(12);
        expect(shown[side].context).toEqual(await reference[side]!.encode(PROMPT, 'none'));
        await expectMatchesReference(side, shown[side], 1e-4);
      }
      // WebGPU (float32 on SwiftShader) agrees with the CPU to 1e-3 in the logits, 1e-4 in probabilities.
      for (const side of SIDES) await expectMatchesReference(side, webgpuShown[side]!, 1e-3);
    } finally {
      await lab.close();
    }
  });

  it('appends a clicked token (and a stepped one) and shows the distribution for the longer context', async () => {
    const lab = await openLab(q({ prompt: PROMPT, backend: 'wasm' }));
    try {
      await expectReady(lab.page);
      const before = await panels(lab.page);
      // Click the second-ranked token of the tuned model.
      const chosen = before.tuned.rows[1]!;
      await lab.page.locator(`model-panel[data-model="tuned"] tbody tr[data-token-id="${chosen.id}"]`).click();
      await expectReady(lab.page);
      const after = await panels(lab.page);
      for (const side of SIDES) {
        // Same tokenizer in the lab pair: both models get the very same id.
        expect(after[side].context).toEqual([...before[side].context, chosen.id]);
        expect(after[side].rows.map((r) => r.logit)).not.toEqual(before[side].rows.map((r) => r.logit));
        await expectMatchesReference(side, after[side], 1e-4);
      }
      await expect.poll(() => lab.page.locator('prompt-editor [data-chip]').allTextContents()).toEqual([chosen.text]);

      // Keyboard: focus the base model's top row and press Enter; then the Step button.
      const top = after.base.rows[0]!;
      await lab.page.locator(`model-panel[data-model="base"] tbody tr[data-token-id="${top.id}"]`).focus();
      await lab.page.keyboard.press('Enter');
      await expectReady(lab.page);
      const afterKey = await panels(lab.page);
      expect(afterKey.base.context).toEqual([...after.base.context, top.id]);
      const tunedTop = afterKey.tuned.rows[0]!;
      await lab.page.locator('model-panel[data-model="tuned"]').getByRole('button', { name: 'Step' }).click();
      await expectReady(lab.page);
      const stepped = await panels(lab.page);
      for (const side of SIDES) {
        expect(stepped[side].context).toEqual([...afterKey[side].context, tunedTop.id]);
        await expectMatchesReference(side, stepped[side], 1e-4);
      }

      // Undo removes the last token; the distribution is the earlier one again.
      await lab.page.getByRole('button', { name: 'Undo' }).click();
      await expectReady(lab.page);
      const undone = await panels(lab.page);
      expect(undone.base.context).toEqual(afterKey.base.context);
      await expectMatchesReference('base', undone.base, 1e-4);
      await lab.page.getByRole('button', { name: 'Clear' }).click();
      await expectReady(lab.page);
      expect((await panels(lab.page)).base.context).toEqual(before.base.context);
      expect(await promptValue(lab.page)).toBe(PROMPT);
    } finally {
      await lab.close();
    }
  });

  it('recomputes when the prompt, the template or k changes, and keeps the URL in step', async () => {
    const lab = await openLab(q({ prompt: PROMPT, backend: 'wasm' }));
    try {
      await expectReady(lab.page);
      const text = 'She said that';
      await lab.page.locator('prompt-editor textarea').fill(text);
      await expectReady(lab.page);
      const shown = await panels(lab.page);
      expect(shown.base.context).toEqual(await reference.base!.encode(text, 'none'));
      await expectMatchesReference('base', shown.base, 1e-4);

      await lab.page.locator('prompt-editor select').selectOption('chat');
      await expectReady(lab.page);
      const chat = await panels(lab.page);
      expect(chat.tuned.context).toEqual(await reference.tuned!.encode(text, 'chat'));
      await expectMatchesReference('tuned', chat.tuned, 1e-4);

      await lab.page.locator('prompt-editor input[type=number]').fill('5');
      await lab.page.locator('prompt-editor input[type=number]').press('Enter');
      await expectReady(lab.page);
      expect((await readPanel(lab.page, 'base')).rows).toHaveLength(5);

      const url = new URL(lab.page.url());
      expect(url.searchParams.get('prompt')).toBe(text);
      expect(url.searchParams.get('template')).toBe('chat');
      expect(url.searchParams.get('k')).toBe('5');
      expect(url.searchParams.get('backend')).toBe('wasm');
    } finally {
      await lab.close();
    }
  });
});

describe('errors and hostile text', () => {
  it('reports a broken model folder by file, keeps the prompt and the other model', async () => {
    const prompt = 'A prompt the user typed, <kept> as it was';
    const lab = await openLab(q({ base: `${server.origin}/fixtures/broken-model/`, prompt, backend: 'wasm' }));
    try {
      expect(await settle(lab.page)).toBe('error');
      const box = lab.page.locator('model-panel[data-model="base"] .error-box');
      await expect.poll(() => box.textContent()).toContain('ModelFileError');
      const text = (await box.innerText()).replace(/\s+/g, ' ');
      expect(text).toContain('ModelFileError: onnx/model.onnx: is an HTML page, not an ONNX model');
      expect(await lab.page.evaluate(() => document.documentElement.dataset['labState'])).toBe('error');
      expect(await promptValue(lab.page)).toBe(prompt);
      // The tuned model is unaffected: it loads and shows its distribution.
      await lab.page.locator('model-panel[data-model="tuned"] tbody tr').first().waitFor({ timeout: 200_000 });
      const tuned = await readPanel(lab.page, 'tuned');
      expect(tuned.rows).toHaveLength(10);
      expect(await promptValue(lab.page)).toBe(prompt);
    } finally {
      await lab.close();
    }
  });

  it('cancels a slow load, ends in "cancelled" with a Retry that loads the model', async () => {
    const lab = await openLab(q({ base: './slow/models/lab-base/', prompt: PROMPT, backend: 'wasm' }));
    try {
      const base = lab.page.locator('model-panel[data-model="base"]');
      await base.locator('[data-progress-bytes]').waitFor();
      await expect.poll(async () => Number(await base.locator('[data-progress-bytes]').getAttribute('data-progress-bytes')), { timeout: 60_000 }).toBeGreaterThan(0);
      await base.getByRole('button', { name: 'Cancel' }).click();
      const cancelled = base.locator('[data-status="cancelled"]');
      await cancelled.waitFor();
      expect(await cancelled.innerText()).toMatch(/cancelled/i);
      expect(await settle(lab.page)).toBe('error');
      expect(await promptValue(lab.page)).toBe(PROMPT);
      await base.getByRole('button', { name: 'Retry' }).click();
      await expectReady(lab.page);
      expect((await readPanel(lab.page, 'base')).rows).toHaveLength(10);
    } finally {
      await lab.close();
    }
  });

  it('shows a prompt with <script> and <img onerror> as text: no alert, no injected element', async () => {
    const prompt = '<script>alert(1)</script>';
    const lab = await openLab(q({ prompt, backend: 'wasm' }));
    try {
      await expectReady(lab.page);
      const scripts = await countDeep(lab.page, 'script');
      expect(await promptValue(lab.page)).toBe(prompt);
      // The context as the model reads it is shown token by token, as text.
      const ctx = lab.page.locator('model-panel[data-model="base"] [data-context] code');
      expect((await ctx.allTextContents()).join('')).toBe(prompt);

      const typed = 'x <img src=x onerror="alert(2)"> <i data-injected>bold</i>';
      await lab.page.locator('prompt-editor textarea').fill(typed);
      await expectReady(lab.page);
      expect((await ctx.allTextContents()).join('')).toBe(typed.replaceAll(' ', '␣'));
      expect(await countDeep(lab.page, 'img')).toBe(0);
      expect(await countDeep(lab.page, 'i, [data-injected]')).toBe(0);
      expect(await countDeep(lab.page, 'script')).toBe(scripts);
      // Append a token that looks like markup: it shows literally as a chip.
      const lt = lab.page.locator('model-panel[data-model="base"] tbody tr').first();
      await lt.click();
      await expectReady(lab.page);
      expect(await countDeep(lab.page, 'img')).toBe(0);
      expect(lab.dialogs).toEqual([]);
      expect(lab.pageErrors).toEqual([]);
    } finally {
      await lab.close();
    }
  });
});
