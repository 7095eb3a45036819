/**
 * Hub models in the browser and the offline site: the built site loads hub ids from a local stand-in of
 * the hub (download with progress, stored in the verified Cache API store), then, with both servers
 * gone, a reload still opens the lab through the service worker, reaches `data-lab-state=ready` and
 * shows logits, for the lab-grown pair and for the cached hub models.
 */
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServer, type HubServer } from './hub-server';
import { launchChromium, readPanel, settle } from './lab-page';
import { startServer, type StaticServer } from './server';

let browser: Browser;
let server: StaticServer;
let hub: HubServer;

beforeAll(async () => {
  browser = await launchChromium();
  hub = await startHubServer({ 'lab/lab-base': resolve('models/lab-base'), 'lab/lab-tuned': resolve('models/lab-sft') });
});
afterAll(async () => {
  await browser?.close();
  await server?.close().catch(() => {});
  await hub?.close().catch(() => {});
});

describe('offline static site', () => {
  it('loads hub ids from the hub, then reloads with the servers gone and still runs both the pair and the cached hub models', async () => {
    server = await startServer();
    const port = Number(new URL(server.origin).port);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const hubQuery = `?backend=wasm&base=lab/lab-base&tuned=lab/lab-tuned&hub=${encodeURIComponent(hub.endpoint)}`;
    // 1. The lab-grown pair, and the service worker caches the site.
    await page.goto(`${server.origin}/?backend=wasm`);
    expect(await settle(page)).toBe('ready');
    await page.waitForFunction(() => document.documentElement.dataset['offlineReady'] === 'true', null, { timeout: 200_000 });
    const pairRows = (await readPanel(page, 'tuned')).rows;
    expect(pairRows.length).toBeGreaterThan(0);
    // 2. Hub ids through the hub's URL layout; the page shows the same numbers as the local pair.
    await page.goto(`${server.origin}/${hubQuery}`);
    expect(await settle(page)).toBe('ready');
    expect(hub.requests).toEqual(expect.arrayContaining(['lab/lab-base/onnx/model.onnx', 'lab/lab-tuned/onnx/model.onnx']));
    const hubRows = (await readPanel(page, 'tuned')).rows;
    expect(hubRows.map((r) => r.id)).toEqual(pairRows.map((r) => r.id));
    // 3. Everything gone: the static server and the hub.
    await server.close();
    await hub.close();
    await page.goto(`http://127.0.0.1:${port}/?backend=wasm`);
    expect(await settle(page)).toBe('ready');
    const offlineRows = (await readPanel(page, 'tuned')).rows;
    expect(offlineRows.map((r) => r.logit)).toEqual(pairRows.map((r) => r.logit));
    await page.goto(`http://127.0.0.1:${port}/${hubQuery}`);
    expect(await settle(page)).toBe('ready');
    expect((await readPanel(page, 'base')).rows.length).toBeGreaterThan(0);
    await context.close();
  });
});
