/**
 * The service worker never caches an HTML page in place of a file of the site (a host's SPA fallback or
 * login page served with status 200 for a model file): the install fails, nothing is kept, and the page
 * says it works online only; cached, the page would be served first forever, even after a fix.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './lab-page';
import { repoRoot, startServer, type StaticServer } from './server';

let browser: Browser;
let server: StaticServer;
let site: string;

beforeAll(async () => {
  site = mkdtempSync(join(tmpdir(), 'wpl-site-'));
  cpSync(join(repoRoot, 'dist'), site, { recursive: true });
  writeFileSync(join(site, 'models', 'lab-base', 'config.json'), '<!DOCTYPE html><html><body>Welcome! Please log in.</body></html>');
  server = await startServer(site);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(site, { recursive: true, force: true });
});

describe('the service worker and HTML served with 200', () => {
  it('fails the install and caches nothing when a file of the site is an HTML page', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.origin}/?backend=wasm`);
    await page.waitForFunction(() => document.documentElement.dataset['offlineReady'] !== undefined, null, { timeout: 200_000, polling: 200 });
    expect(await page.evaluate(() => document.documentElement.dataset['offlineReady'])).toBe('false');
    expect(server.requests.filter((r) => r === '/models/lab-base/config.json').length).toBeGreaterThan(0);
    const cached = await page.evaluate(async () => {
      const out: string[] = [];
      for (const key of await caches.keys()) {
        if (!key.startsWith('world-prior-lab-app-')) continue;
        for (const req of await (await caches.open(key)).keys()) out.push(new URL(req.url).pathname);
      }
      return out;
    });
    expect(cached).toEqual([]);
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.active ?? null)).toBeNull();
  });
});
