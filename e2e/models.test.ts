/**
 * The Models tab against the built site and a stand-in hub (e2e/hub-server.ts) serving the lab-grown
 * folders as `lab/lab-base` and `lab/lab-tuned`: the catalog with the variant chosen for this device
 * (compared with fitVariant in Node), "Check" before any download (OK, a missing ONNX file, an HTML page
 * instead of config.json), a hub pair downloading with per-file progress (sizes compared with the files
 * on disk), the cache manager (sizes compared with the files on disk, Delete), and Cancel during a slow
 * download leaving nothing of that file in the cache.
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG } from '../src/engine/catalog';
import { fitVariant } from '../src/lab/device-fit';
import { startHubServer, type HubServer } from './hub-server';
import { launchChromium, settle, refreshCacheList } from './lab-page';
import { startServer, type StaticServer } from './server';

let browser: Browser;
let server: StaticServer;
let hub: HubServer;
let context: BrowserContext;
let page: Page;

const LAB_BASE = resolve('models/lab-base');
const LAB_TUNED = resolve('models/lab-sft');

beforeAll(async () => {
  browser = await launchChromium();
  server = await startServer();
  hub = await startHubServer({ 'lab/lab-base': LAB_BASE, 'lab/lab-tuned': LAB_TUNED, 'lab/no-onnx': LAB_BASE, 'lab/html-config': LAB_BASE });
  hub.faults.set('lab/no-onnx/onnx/model.onnx', 'missing');
  hub.faults.set('lab/html-config/config.json', 'html');
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
});
afterAll(async () => {
  await browser?.close();
  await server?.close().catch(() => {});
  await hub?.close().catch(() => {});
});

async function check(input: string): Promise<{ state: string; text: string }> {
  await page.locator('#check-input').fill(input);
  await page.locator('button[data-check]').click();
  await page.waitForFunction(
    () => {
      const el = document.querySelector('lab-app')?.shadowRoot?.querySelector('models-view')?.shadowRoot?.querySelector('.check-result');
      const s = el?.getAttribute('data-check-state');
      return s === 'ok' || s === 'error';
    },
    null,
    { timeout: 60_000, polling: 100 },
  );
  const el = page.locator('.check-result');
  return { state: (await el.getAttribute('data-check-state')) ?? '', text: await el.innerText() };
}

/** Wait until a download row of `side`'s ONNX file is part-way, and return its numbers. */
async function midDownload(side: 'base' | 'tuned'): Promise<{ loaded: number; total: number }> {
  const row = page.locator(`tr[data-download-file="onnx/model.onnx"][data-side="${side}"]`);
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await page.waitForTimeout(50)) {
    if (!(await row.count())) continue;
    const loaded = Number(await row.getAttribute('data-loaded'));
    const total = Number(await row.getAttribute('data-total'));
    if (loaded > 0 && total > 0 && loaded < total) return { loaded, total };
  }
  throw new Error(`no part-way download of ${side}'s onnx/model.onnx was seen`);
}

async function cacheRows(): Promise<Map<string, Map<string, number>>> {
  await refreshCacheList(page);
  const rows = await page.locator('tr[data-cache-key]').evaluateAll((trs) =>
    trs.map((tr) => ({
      key: tr.getAttribute('data-cache-key')!,
      files: [...tr.querySelectorAll('[data-file]')].map((li) => [li.getAttribute('data-file')!, Number(li.getAttribute('data-size'))] as const),
    })),
  );
  return new Map(rows.map((r) => [r.key, new Map(r.files)]));
}

async function loadPairFromChooser(base: string, tuned: string): Promise<void> {
  await page.locator('pair-chooser #base').fill(base);
  await page.locator('pair-chooser #tuned').fill(tuned);
  await page.locator('pair-chooser button[type="submit"]').click();
}

describe('Models tab', () => {
  it('lists the catalog with the variant chosen for this device, and checks models before any download', async () => {
    await page.goto(`${server.origin}/?view=models&backend=wasm`);
    await page.locator('article[data-pair-id]').first().waitFor({ timeout: 60_000 });
    const ids = await page.locator('article[data-pair-id]').evaluateAll((as) => as.map((a) => a.getAttribute('data-pair-id')));
    expect(ids).toEqual(CATALOG.map((p) => p.id));
    expect(await page.locator('article[data-pair-id="lab"]').innerText()).toContain('always available');
    // The device is WASM here (?backend=wasm): every choice is the one fitVariant makes for it.
    await page.locator('[data-device-backend="wasm"]').waitFor({ timeout: 30_000 });
    const device = { backend: 'wasm' as const, shaderF16: false, maxBufferSize: 0, budgetBytes: 1000e6 };
    for (const pair of CATALOG) {
      for (const m of [pair.base, pair.tuned]) {
        if (!m) continue;
        const box = page.locator(`article[data-pair-id="${pair.id}"] .model[data-repo="${m.repo}"]`);
        expect(await box.getAttribute('data-fit-dtype'), m.repo).toBe(fitVariant(m, device).dtype ?? '');
        const sizes = await box.locator('tr[data-variant]').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-variant'), Number(tr.getAttribute('data-bytes'))]));
        expect(Object.fromEntries(sizes)).toEqual(Object.fromEntries(m.variants.map((v) => [v.dtype, v.files.reduce((s, f) => s + f.bytes, 0)])));
      }
    }
    const qwen = await page.locator('article[data-pair-id="qwen2.5-0.5b"] .model[data-repo="onnx-community/Qwen2.5-0.5B-Instruct"]').innerText();
    expect(qwen).toContain('float16 weights run poorly on the WASM backend');
    expect(qwen).toContain('1.99 GB is over the 1.00 GB budget');

    // Hub endpoint: saved in localStorage, shown as active.
    await page.locator('#hub-endpoint').fill(hub.endpoint);
    await page.locator('button[data-save-endpoint]').click();
    expect(await page.locator('[data-active-endpoint]').getAttribute('data-active-endpoint')).toBe(hub.endpoint);
    expect(await page.evaluate(() => localStorage.getItem('world-prior-lab.hub-endpoint'))).toBe(hub.endpoint);

    const ok = await check('lab/lab-base');
    expect(ok.state, ok.text).toBe('ok');
    expect(ok.text).toContain('OK for the lab');
    expect(ok.text).toContain(`${statSync(join(LAB_BASE, 'onnx/model.onnx')).size.toLocaleString('en-US')} bytes`);
    const missing = await check('lab/no-onnx');
    expect(missing.state).toBe('error');
    expect(missing.text).toContain('lacks the ONNX file for fp32');
    const htmlPage = await check('lab/html-config');
    expect(htmlPage.state).toBe('error');
    expect(htmlPage.text).toContain('config.json: is an HTML page, not JSON');
    // a catalog model's Check asks the active endpoint (the stand-in hub does not hold it)
    await page.locator('button[data-check-model="HuggingFaceTB/SmolLM2-135M-Instruct"]').click();
    await page.waitForFunction(() => document.querySelector('lab-app')?.shadowRoot?.querySelector('models-view')?.shadowRoot?.querySelector('.check-result')?.getAttribute('data-check-state') === 'error', null, { timeout: 30_000 });
    expect(await page.locator('#check-input').inputValue()).toBe('HuggingFaceTB/SmolLM2-135M-Instruct@45dead349c328fe92a861c5162de28c8c86754e1');
    expect(await page.locator('.check-result').innerText()).toContain('config.json: is missing (HTTP 404');
    // nothing large was asked for with GET: the model files of the checked repos are not in the cache
    expect([...(await cacheRows()).keys()].filter((k) => k.startsWith('lab/'))).toEqual([]);
  });

  it('on WebGPU (forced, SwiftShader): variants are chosen for this adapter; under auto, for WASM (a software adapter)', async () => {
    await page.goto(`${server.origin}/?view=models&backend=webgpu&models.budget=1000`);
    await page.locator('[data-device-backend="webgpu"]').waitFor({ timeout: 60_000 });
    const gpu = await page.evaluate(async () => {
      const a = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
      return { shaderF16: a!.features.has('shader-f16'), maxBufferSize: a!.limits.maxBufferSize };
    });
    const device = { backend: 'webgpu' as const, ...gpu, budgetBytes: 1000e6 };
    for (const pair of CATALOG) {
      for (const m of [pair.base, pair.tuned]) {
        if (!m) continue;
        const box = page.locator(`article[data-pair-id="${pair.id}"] .model[data-repo="${m.repo}"]`);
        expect(await box.getAttribute('data-fit-dtype'), m.repo).toBe(fitVariant(m, device).dtype ?? '');
      }
    }
    await page.goto(`${server.origin}/?view=models&models.budget=1000`);
    await page.locator('[data-device-backend="wasm"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-device-backend]').innerText()).toMatch(/auto skips a software adapter/);
  });

  it('downloads a hub pair with per-file progress, lists it in the cache with the right sizes, deletes it, and cancels cleanly', async () => {
    hub.faults.set('lab/lab-base/onnx/model.onnx', 'slow');
    hub.faults.set('lab/lab-tuned/onnx/model.onnx', 'slow');
    await loadPairFromChooser('lab/lab-base', 'lab/lab-tuned');
    const mid = await midDownload('base');
    expect(mid.total).toBe(statSync(join(LAB_BASE, 'onnx/model.onnx')).size);
    await page.locator('[data-eta]:not([data-eta=""])').first().waitFor({ timeout: 30_000 });
    expect(await settle(page)).toBe('ready');
    // every file's size on the page is the size on disk
    const rows = await page.locator('tr[data-download-file]').evaluateAll((trs) =>
      trs.map((tr) => ({ side: tr.getAttribute('data-side')!, file: tr.getAttribute('data-download-file')!, loaded: Number(tr.getAttribute('data-loaded')), total: Number(tr.getAttribute('data-total')) })),
    );
    expect(rows.map((r) => r.file)).toContain('onnx/model.onnx');
    let sum = 0;
    for (const r of rows) {
      const size = statSync(join(r.side === 'base' ? LAB_BASE : LAB_TUNED, r.file)).size;
      expect(r, r.file).toEqual({ ...r, loaded: size, total: size });
      sum += size;
    }
    const totalRow = page.locator('tr[data-download-total]');
    expect(Number(await totalRow.getAttribute('data-total'))).toBe(sum);
    expect(Number(await totalRow.getAttribute('data-loaded'))).toBe(sum);

    // the cache manager lists both models with the sizes of the files on disk
    let cached = await cacheRows();
    for (const [key, dir] of [['lab/lab-base@main', LAB_BASE], ['lab/lab-tuned@main', LAB_TUNED]] as const) {
      const files = cached.get(key);
      expect(files, key).toBeDefined();
      expect([...files!.keys()]).toEqual(expect.arrayContaining(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']));
      for (const [file, size] of files!) expect(size, `${key} ${file}`).toBe(statSync(join(dir, file)).size);
      const shown = Number(await page.locator(`tr[data-cache-key="${key}"]`).getAttribute('data-bytes'));
      expect(shown).toBe([...files!.values()].reduce((s, n) => s + n, 0));
    }
    await page.locator('tr[data-cache-key] details').first().evaluate((d) => ((d as HTMLDetailsElement).open = true));
    await page.screenshot({ path: 'e2e/.artifacts/models.png', fullPage: true });

    // Delete removes it (and only it)
    await page.locator('button[data-delete-key="lab/lab-base@main"]').click();
    await page.locator('tr[data-cache-key="lab/lab-base@main"]').waitFor({ state: 'detached', timeout: 10_000 });
    cached = await cacheRows();
    expect(cached.has('lab/lab-base@main')).toBe(false);
    expect(cached.has('lab/lab-tuned@main')).toBe(true);

    // Cancel during a slow download: nothing of that file is stored
    await page.locator('pair-chooser button[type="submit"]').click();
    await midDownload('base');
    await page.locator('button[data-cancel-downloads]').click();
    await page.locator('section[data-downloads="done"]').waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => document.documentElement.dataset['labState'])).toBe('error');
    cached = await cacheRows();
    expect(cached.get('lab/lab-base@main')?.has('onnx/model.onnx') ?? false).toBe(false);
    expect(cached.get('lab/lab-tuned@main')?.has('onnx/model.onnx')).toBe(true);
    await context.close();
  });
});
