/**
 * Helpers for driving the lab page with playwright-core and the system Chromium (never downloaded).
 * WebGPU runs on SwiftShader in headless Chromium with --enable-unsafe-webgpu.
 */
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--enable-unsafe-webgpu',
      '--enable-features=Vulkan',
      '--use-angle=swiftshader',
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

export type Side = 'base' | 'tuned';

export interface Row {
  id: number;
  logit: number;
  prob: number;
  text: string;
}

export interface PanelData {
  backend: string | null;
  badge: string;
  rows: Row[];
  entropy: number;
  massOutside: number;
  /** Token ids of the context the distribution is for. */
  context: number[];
}

export type LabState = 'loading' | 'ready' | 'error';

/** Wait until the page leaves `loading`; returns the state it settled in. */
export async function settle(page: Page, timeout = 200_000): Promise<LabState> {
  await page.waitForFunction(() => {
    const s = document.documentElement.dataset['labState'];
    return s === 'ready' || s === 'error';
  }, null, { timeout, polling: 100 });
  return (await page.evaluate(() => document.documentElement.dataset['labState'])) as LabState;
}

/** Error texts shown on the page (both panels), for assertion messages. */
export async function shownErrors(page: Page): Promise<string[]> {
  return page.locator('model-panel .error-box').allInnerTexts();
}

export async function expectReady(page: Page): Promise<void> {
  const state = await settle(page);
  if (state !== 'ready') throw new Error(`the page settled in "${state}": ${(await shownErrors(page)).join(' | ')}`);
}

export async function readPanel(page: Page, side: Side): Promise<PanelData> {
  const panel = page.locator(`model-panel[data-model="${side}"]`);
  const rows = await panel.locator('token-table tbody tr').evaluateAll((trs) =>
    trs.map((tr) => ({
      id: Number(tr.getAttribute('data-token-id')),
      logit: Number(tr.getAttribute('data-logit')),
      prob: Number(tr.getAttribute('data-prob')),
      text: tr.querySelector('td.token')?.textContent ?? '',
    })),
  );
  const entropy = Number(await panel.locator('[data-entropy]').getAttribute('data-entropy'));
  const massOutside = Number(await panel.locator('[data-mass-outside]').getAttribute('data-mass-outside'));
  const context = ((await panel.locator('[data-context]').getAttribute('data-context')) ?? '').split(',').filter(Boolean).map(Number);
  const badge = (await panel.locator('[data-badge]').textContent()) ?? '';
  return { backend: await panel.getAttribute('data-backend'), badge, rows, entropy, massOutside, context };
}

/** The prompt textarea's current value. */
export function promptValue(page: Page): Promise<string> {
  return page.locator('prompt-editor textarea').inputValue();
}

/** The backends the pair runs on, as the page reports them (`data-backends` on <html>: `base,tuned`). */
export async function pairBackends(page: Page): Promise<string> {
  return page.evaluate(() => document.documentElement.dataset['backends'] ?? '');
}

/** Wait until the answers view has finished `runs` scoring runs (or shows an error); returns its state. */
export async function answersRuns(page: Page, runs: number, timeout = 230_000): Promise<string | null> {
  await page.waitForFunction(
    (want) => {
      const el = document.querySelector('lab-app')?.shadowRoot?.querySelector('answers-view');
      return el?.getAttribute('data-runs') === want || el?.getAttribute('data-view-state') === 'error';
    },
    String(runs),
    { timeout, polling: 100 },
  );
  return page.locator('answers-view').getAttribute('data-view-state');
}

/** Click the Models tab's cache Refresh and wait for the listing it starts (it verifies every file, slow
 *  on a busy machine): every listing in flight has ended and at least one more has finished. */
export async function refreshCacheList(page: Page): Promise<void> {
  const section = page.locator('models-view section[data-cache-listings]');
  const before = Number(await section.getAttribute('data-cache-listings'));
  await page.locator('button[data-refresh-cache]').click();
  await page.waitForFunction(
    (b) => {
      const el = document.querySelector('lab-app')?.shadowRoot?.querySelector('models-view')?.shadowRoot?.querySelector('section[data-cache-listings]');
      return !!el && el.getAttribute('data-cache-busy') === '0' && Number(el.getAttribute('data-cache-listings')) > b;
    },
    before,
    { timeout: 60_000, polling: 100 },
  );
}

/** Entropy (nats) of softmax(logits / t), float64, written here independently of src/lab. */
export function entropy64(logits: Float32Array, t: number): number {
  let max = -Infinity;
  for (const x of logits) if (x / t > max) max = x / t;
  let z = 0;
  for (const x of logits) z += Math.exp(x / t - max);
  let h = 0;
  for (const x of logits) {
    const p = Math.exp(x / t - max) / z;
    if (p > 0) h -= p * Math.log(p);
  }
  return h;
}
