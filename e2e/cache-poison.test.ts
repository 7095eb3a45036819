/**
 * The browser's model cache (Cache API) is never poisoned by an HTML page served with status 200: the
 * load fails naming the file, nothing is stored for it, Retry works once the hub is fixed, and a copy
 * poisoned earlier is listed as damaged by the cache manager (which verifies what it lists). And a hub
 * that stops answering: the page says which file it is waiting for, then reports a StalledDownloadError;
 * a full quota (CDP Storage.overrideQuotaForOrigin): the pair runs from memory with a note.
 */
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServer, type HubServer } from './hub-server';
import { launchChromium, refreshCacheList, settle } from './lab-page';
import { startServer, type StaticServer } from './server';

let browser: Browser;
let server: StaticServer;
let hub: HubServer;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  server = await startServer();
  hub = await startHubServer({ 'lab/lab-base': resolve('models/lab-base'), 'lab/lab-tuned': resolve('models/lab-sft') });
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
});
afterAll(async () => {
  await browser?.close();
  await server?.close().catch(() => {});
  await hub?.close().catch(() => {});
});

async function cacheFiles(): Promise<{ key: string; damaged: string; files: { file: string; problem: string }[] }[]> {
  await page.locator('button[data-view="models"]').click();
  await refreshCacheList(page);
  return page.locator('tr[data-cache-key]').evaluateAll((trs) =>
    trs.map((tr) => ({
      key: tr.getAttribute('data-cache-key')!,
      damaged: tr.getAttribute('data-damaged') ?? '',
      files: [...tr.querySelectorAll('[data-file]')].map((li) => ({ file: li.getAttribute('data-file')!, problem: li.getAttribute('data-problem') ?? '' })),
    })),
  );
}

describe('the browser model cache and HTML served with 200', () => {
  it('refuses the page, stores nothing for it, loads on Retry once the hub is fixed, and lists an earlier poisoned copy as damaged', async () => {
    hub.faults.set('lab/lab-base/onnx/model.onnx', 'html');
    await page.goto(`${server.origin}/?view=models&backend=wasm`);
    await page.locator('#hub-endpoint').fill(hub.endpoint);
    await page.locator('button[data-save-endpoint]').click();
    await page.locator('pair-chooser #base').fill('lab/lab-base');
    await page.locator('pair-chooser #tuned').fill('lab/lab-tuned');
    await page.locator('pair-chooser button[type="submit"]').click();
    expect(await settle(page)).toBe('error');
    let cached = await cacheFiles();
    const base = cached.find((c) => c.key === 'lab/lab-base@main');
    expect(base?.files.map((f) => f.file) ?? []).not.toContain('onnx/model.onnx');
    await page.locator('button[data-view="next"]').click();
    const error = await page.locator('model-panel[data-model="base"] .error-box').innerText();
    expect(error).toMatch(/onnx\/model\.onnx: is an HTML page, not an ONNX model; nothing was cached/);

    // The hub is fixed: Retry loads the model (nothing stale is served from the cache).
    hub.faults.clear();
    await page.locator('model-panel[data-model="base"] button', { hasText: 'Retry' }).click();
    expect(await settle(page)).toBe('ready');
    cached = await cacheFiles();
    expect(cached.find((c) => c.key === 'lab/lab-base@main')).toMatchObject({ damaged: '0' });

    // A copy poisoned by an older version (an HTML page stored with a matching size record).
    const html = '<!DOCTYPE html><html><body>Please log in</body></html>';
    await page.evaluate(async (body) => {
      const cache = await caches.open('world-prior-lab-models-v1');
      const url = `https://model-cache.invalid/${encodeURIComponent('lab/lab-tuned@main')}/onnx/model.onnx`;
      await cache.put(url, new Response(body, { headers: { 'x-wpl-meta': JSON.stringify({ size: body.length, storedAt: Date.now() }) } }));
    }, html);
    cached = await cacheFiles();
    const tuned = cached.find((c) => c.key === 'lab/lab-tuned@main')!;
    expect(tuned.damaged).toBe('1');
    expect(tuned.files.find((f) => f.file === 'onnx/model.onnx')!.problem).toMatch(/HTML page, not an ONNX model/);
    expect(await page.locator('tr[data-cache-key="lab/lab-tuned@main"]').innerText()).toMatch(/1 damaged/);
  });

  it('a hub that never answers for the weights: "waiting for onnx/model.onnx…", then a StalledDownloadError after 30 s', async () => {
    hub.faults.set('lab/lab-tuned/onnx/model.onnx', 'hang');
    const p = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await p.goto(`${server.origin}/?view=models&backend=wasm`);
    await p.locator('#hub-endpoint').fill(hub.endpoint);
    await p.locator('button[data-save-endpoint]').click();
    await p.locator('pair-chooser #base').fill('lab/lab-base');
    await p.locator('pair-chooser #tuned').fill('lab/lab-tuned@other');
    await p.locator('pair-chooser button[type="submit"]').click();
    await p.locator('button[data-view="next"]').click();
    await p.locator('model-panel[data-model="tuned"] [data-waiting-for="onnx/model.onnx"]').waitFor({ timeout: 60_000 });
    const t0 = Date.now();
    expect(await settle(p, 120_000)).toBe('error');
    const text = await p.locator('model-panel[data-model="tuned"] .error-box').innerText();
    expect(text).toMatch(/StalledDownloadError/);
    expect(text).toMatch(/onnx\/model\.onnx: the download stalled: no data for 30 s after 0 bytes\..*Retry/);
    expect(Date.now() - t0).toBeLessThan(60_000);
    hub.faults.clear();
  });

  it('a full storage quota while caching: the pair still loads and runs from memory, with the storage figures shown', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await ctx.newPage();
    // 2 MB for this origin: the weights (13 MB each) cannot be stored.
    const cdp = await ctx.newCDPSession(p);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: server.origin, quotaSize: 2 * 1024 * 1024 });
    await p.goto(`${server.origin}/?view=models&backend=wasm`);
    await p.locator('#hub-endpoint').fill(hub.endpoint);
    await p.locator('button[data-save-endpoint]').click();
    await p.locator('pair-chooser #base').fill('lab/lab-base@quota');
    await p.locator('pair-chooser #tuned').fill('lab/lab-tuned@quota');
    await p.locator('pair-chooser button[type="submit"]').click();
    await p.locator('button[data-view="next"]').click();
    expect(await settle(p)).toBe('ready');
    const note = await p.locator('model-panel[data-model="base"] [data-load-note]').innerText();
    expect(note).toMatch(/Not stored for next time: .*onnx\/model\.onnx .* because the storage quota is full \(storage: [\d.]+ MB used of [\d.]+ [MG]B\)\. The model runs from memory/);
    // (The figures are the browser's own estimate, which the quota override does not change.)
    // The numbers are there (the model runs).
    expect(await p.locator('model-panel[data-model="base"] token-table tbody tr').count()).toBeGreaterThan(0);
    await ctx.close();
  });
});
