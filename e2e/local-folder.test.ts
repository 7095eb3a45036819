/**
 * A model folder chosen on the page (never uploaded) is checked, then loaded into a model worker as the
 * base model; it shows the same numbers as the served lab-grown model. After a reload the folder is gone
 * and the page says so instead of failing obscurely.
 */
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { readPanel, settle } from './lab-page';
import { useLabSetup } from './lab-setup';
import type { StaticServer } from './server';

let browser: Browser;
let server: StaticServer;

useLabSetup((s) => ({ server, browser } = s), { pair: false });

describe('a local model folder', () => {
  it('is checked, loaded as the base model, and matches the served copy', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.origin}/?backend=wasm`);
    expect(await settle(page)).toBe('ready');
    const served = await readPanel(page, 'base');
    await page.goto(`${server.origin}/?backend=wasm&view=models`);
    expect(await settle(page)).toBe('ready');
    await page.locator('models-view [data-folder-input]').setInputFiles(resolve('dist/models/lab-base'));
    await page.waitForSelector('models-view [data-check-state="ok"]', { timeout: 60_000 });
    await page.locator('models-view [data-load-checked="base"]').click();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('base') === 'local:lab-base', null, { timeout: 30_000 });
    expect(await settle(page)).toBe('ready');
    await page.locator('lab-app #tab-next').click();
    expect(await settle(page)).toBe('ready');
    const local = await readPanel(page, 'base');
    expect(local.rows.map((r) => r.id)).toEqual(served.rows.map((r) => r.id));
    local.rows.forEach((r, i) => expect(Math.abs(r.logit - served.rows[i]!.logit)).toBeLessThan(1e-4));
    // After a reload the files are gone: a clear message, not a fetch of "local:lab-base".
    await page.reload();
    expect(await settle(page)).toBe('error');
    const text = (await page.locator('model-panel[data-model="base"] .error-box').allInnerTexts()).join(' ');
    expect(text).toMatch(/no longer available: choose it again in the Models tab/);
    await page.close();
  });
});
