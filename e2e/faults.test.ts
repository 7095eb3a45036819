/**
 * Broken numbers and GPU failures on the page (issues #15, #16), against the built site: models whose
 * logits are NaN or constant (built at test time by src/engine/test-graphs.ts and served by the test
 * server) show a NumericalError in place of the distribution, with "Try WASM"; a float16 graph forced
 * onto WebGPU without shader-f16 is refused with the reason, and on WASM shows the float32 graph's
 * numbers to float16 precision. On WebGPU (forced, SwiftShader) and WASM.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTestModel } from '../src/engine/test-graphs';
import { expectReady, launchChromium, readPanel } from './lab-page';
import { startServer, type StaticServer } from './server';

let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'wpl-e2e-graphs-'));
  for (const k of ['fp32', 'fp16-cast', 'constant', 'nan-weights'] as const) writeTestModel(k, root);
  server = await startServer(undefined, { '/graphs/': root });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => ['ready', 'error'].includes(document.documentElement.dataset['labState'] ?? ''), null, { timeout: 200_000, polling: 200 });
}

async function panelError(page: Page, side: 'base' | 'tuned') {
  const box = page.locator(`model-panel[data-model="${side}"] .error-box`);
  return { name: await box.getAttribute('data-error'), text: await box.innerText(), rows: await page.locator(`model-panel[data-model="${side}"] token-table tbody tr`).count() };
}

describe.each(['webgpu', 'wasm'] as const)('broken logits on %s', (backend) => {
  it('NaN and constant logits are a NumericalError in place of the distribution, with next steps', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      const q = new URLSearchParams({ backend, base: '/graphs/nan-weights/', tuned: '/graphs/constant/', prompt: 'The jury said' });
      await page.goto(`${server.origin}/?${q}`);
      await settled(page);
      expect(await page.evaluate(() => document.documentElement.dataset['backends'])).toBe(`${backend},${backend}`);
      const nan = await panelError(page, 'base');
      expect(nan.name).toBe('NumericalError');
      expect(nan.text).toMatch(/1 of \d+ logits are NaN/);
      expect(nan.rows).toBe(0);
      const flat = await panelError(page, 'tuned');
      expect(flat.name).toBe('NumericalError');
      expect(flat.text).toMatch(/position \d+.*logits are equal/);
      expect(flat.rows).toBe(0);
      const tryWasm = page.locator('model-panel[data-model="base"] [data-try-wasm]');
      if (backend === 'webgpu') {
        const href = new URL((await tryWasm.getAttribute('href'))!);
        expect(href.searchParams.get('backend')).toBe('wasm');
        expect(href.searchParams.get('prompt')).toBe('The jury said');
      } else expect(await tryWasm.count()).toBe(0);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('a float16 graph on WebGPU without shader-f16 (SwiftShader)', () => {
  it('forced onto WebGPU, it is refused with the reason; on WASM it runs', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    try {
      const q = new URLSearchParams({ backend: 'webgpu', base: '/graphs/fp16-cast/', tuned: '/graphs/fp32/', prompt: 'The jury said' });
      await page.goto(`${server.origin}/?${q}`);
      await settled(page);
      const box = page.locator('model-panel[data-model="base"] .error-box');
      expect(await box.getAttribute('data-error')).toBe('BackendError');
      expect(await box.innerText()).toMatch(/float16.*no shader-f16/);
      await page.goto(`${server.origin}/?${new URLSearchParams({ backend: 'wasm', base: '/graphs/fp16-cast/', tuned: '/graphs/fp32/', prompt: 'The jury said' })}`);
      await expectReady(page);
      const shown = await readPanel(page, 'base');
      expect(shown.backend).toBe('wasm');
      expect(shown.rows.length).toBeGreaterThan(0);
      // Float16 logits (a Float16Array in Chromium, raw bits elsewhere) equal the float32 graph's to
      // float16 precision: the same weights, only cast at the end.
      const full = await readPanel(page, 'tuned');
      // (This graph's top logits are near-ties, so ranks swap after rounding: compare the top values, and
      // the ids both list.)
      expect(shown.rows).toHaveLength(full.rows.length);
      shown.rows.forEach((r, i) => expect(Math.abs(r.logit - full.rows[i]!.logit)).toBeLessThan(4e-3));
      const byId = new Map(full.rows.map((r) => [r.id, r.logit]));
      for (const r of shown.rows) if (byId.has(r.id)) expect(Math.abs(r.logit - byId.get(r.id)!)).toBeLessThan(4e-3);
    } finally {
      await context.close();
    }
  });
});

describe('a model worker that dies', () => {
  it('is found by the heartbeat, restarted, and the next-token distribution computed again', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    try {
      await page.goto(`${server.origin}/?${new URLSearchParams({ backend: 'wasm', prompt: 'The jury said that' })}`);
      await expectReady(page);
      const before = { base: await readPanel(page, 'base'), tuned: await readPanel(page, 'tuned') };
      const workers = page.workers();
      expect(workers.length).toBeGreaterThanOrEqual(2);
      // End every model worker from inside, silently: no error event, no answer to anything after.
      for (const w of workers) await Promise.race([w.evaluate(() => self.close()).catch(() => undefined), new Promise((r) => setTimeout(r, 2_000))]);
      for (const side of ['base', 'tuned'] as const) {
        const line = page.locator(`model-panel[data-model="${side}"] [data-restarted]`);
        await line.waitFor({ timeout: 150_000 });
        expect(await line.innerText()).toMatch(/stopped answering.*restarted/);
      }
      await expectReady(page);
      for (const side of ['base', 'tuned'] as const) {
        const after = await readPanel(page, side);
        expect(after.rows.map((r) => r.id)).toEqual(before[side].rows.map((r) => r.id));
        expect(after.context).toEqual(before[side].context);
      }
    } finally {
      await context.close();
    }
  }, 300_000);
});
