/**
 * Frictions a student met, on the built site (WASM, the fastest backend here; the WebGPU runs of each
 * view are in the views' own tests): the page under a strict Content-Security-Policy, a
 * `?base=javascript:…` link, editing the Next-token prompt after appending tokens, one prompt across the
 * tabs, split UTF-8 characters in the Explore text, and the recovery heatmap at 1280 px.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectReady, launchChromium, promptValue, readPanel, settle } from './lab-page';
import { repoRoot, startServer, type StaticServer } from './server';

/** The policy the README documents for hosting the lab (see "Content-Security-Policy"). */
export const STRICT_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self' https://huggingface.co https://*.huggingface.co https://*.hf.co",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const artifacts = join(repoRoot, 'e2e', '.artifacts');
let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  server = await startServer();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface Opened {
  page: Page;
  context: BrowserContext;
  violations: string[];
  dialogs: string[];
  pageErrors: string[];
}

async function open(query: string, options: { csp?: boolean; width?: number } = {}): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: 900 } });
  const page = await context.newPage();
  const violations: string[] = [];
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  if (options.csp) {
    // Serve every response of our server with the strict policy (the page and its workers).
    await context.route(`${server.origin}/**`, async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': STRICT_CSP } });
    });
    await context.exposeBinding('__cspViolation', (_src, v: string) => void violations.push(v));
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) =>
        (window as unknown as { __cspViolation(v: string): void }).__cspViolation(`${e.violatedDirective}: ${e.blockedURI} ${e.sample}`),
      );
    });
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
  }
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${server.origin}/${query}`);
  return { page, context, violations, dialogs, pageErrors };
}

describe('frictions', () => {
  it('renders styled and runs under a strict CSP (no inline styles or scripts needed)', async () => {
    const { page, context, violations, pageErrors } = await open('?backend=wasm', { csp: true });
    try {
      await expectReady(page);
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(bg).not.toBe('rgba(0, 0, 0, 0)'); // the page's colours arrived
      // The probability bars (inline widths through the CSSOM) are drawn.
      const widths = await page.locator('model-panel[data-model="base"] token-table .bar-fill').evaluateAll((els) => els.map((e) => (e as HTMLElement).getBoundingClientRect().width));
      expect(widths.length).toBeGreaterThan(0);
      // Each bar's width is its probability of the track (the CSSOM width arrived): compare with the numbers.
      const rows = await page.locator('model-panel[data-model="base"] token-table [data-prob]').evaluateAll((els) =>
        els.map((e) => ({ p: Number(e.getAttribute('data-prob')), fill: e.querySelector('.bar-fill')!.getBoundingClientRect().width, track: e.querySelector('.bar-track')!.getBoundingClientRect().width })),
      );
      expect(Math.max(...widths)).toBeGreaterThan(1);
      for (const r of rows) expect(Math.abs(r.fill / r.track - r.p)).toBeLessThan(0.02);
      // Explore too (its colours and layout use inline styles).
      await page.locator('button[data-view="explore"]').click();
      await expect.poll(() => page.locator('explore-view [data-text] .prompt').textContent(), { timeout: 120_000 }).toBe('The old man looked at the');
      await page.screenshot({ path: join(artifacts, 'csp.png'), fullPage: true });
      // Every other tab renders under the policy too.
      for (const view of ['compare', 'sweep', 'inject', 'answers', 'library', 'models']) {
        await page.locator(`button[data-view="${view}"]`).click();
        await page.locator(`${view}-view`).waitFor();
        await page.waitForTimeout(500);
      }
      expect([...new Set(violations)].slice(0, 8), `${violations.length} violations`).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('?base=javascript:… gives a plain message naming it, no TypeError and no dialog', async () => {
    const { page, context, dialogs } = await open(`?${new URLSearchParams({ base: 'javascript:alert(document.domain)', backend: 'wasm' })}`);
    try {
      expect(await settle(page)).toBe('error');
      const text = await page.locator('model-panel[data-model="base"] .error-box').innerText();
      expect(text).toMatch(/javascript:alert\(document\.domain\): is not a model location: "javascript:" addresses cannot be loaded\. Give an http\(s\) URL/);
      expect(text).not.toMatch(/TypeError|Failed to construct/);
      expect(dialogs).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('editing the Next-token prompt sets the appended tokens aside (restorable) and every tab opens on the prompt typed last', async () => {
    const { page, context } = await open('?backend=wasm');
    try {
      await expectReady(page);
      const before = await readPanel(page, 'base');
      await page.locator('model-panel[data-model="base"] token-table tbody tr').first().click();
      await expectReady(page);
      expect(await page.locator('prompt-editor [data-chip]').count()).toBe(1);
      const withToken = (await readPanel(page, 'base')).context;
      expect(withToken).toEqual([...before.context, before.rows[0]!.id]);
      // Edit the prompt: the appended token no longer follows the new text.
      await page.locator('prompt-editor textarea').fill('Le café est');
      await expectReady(page);
      expect(await page.locator('prompt-editor [data-chip]').count()).toBe(0);
      await expect.poll(() => page.locator('prompt-editor [data-dropped]').count()).toBe(1);
      // One click restores the old prompt and its token.
      await page.locator('prompt-editor button[data-restore]').click();
      await expectReady(page);
      expect(await promptValue(page)).toBe('The old man looked at the');
      expect((await readPanel(page, 'base')).context).toEqual(withToken);
      // The prompt typed last opens in every tab.
      await page.locator('prompt-editor textarea').fill('Le café est');
      await expectReady(page);
      await page.locator('button[data-view="compare"]').click();
      await expect.poll(() => page.locator('compare-view textarea#prompt').inputValue()).toBe('Le café est');
      await page.locator('button[data-view="sweep"]').click();
      await expect.poll(() => page.locator('sweep-view #f-prompt').inputValue()).toBe('Le café est');
      await page.locator('sweep-view #f-prompt').fill('Pick a number: ');
      await page.locator('button[data-view="answers"]').click();
      await expect.poll(() => page.locator('answers-view textarea').first().inputValue()).toBe('Pick a number: ');
      await page.locator('button[data-view="next"]').click();
      await expect.poll(() => promptValue(page)).toBe('Pick a number: ');
      await expectReady(page);
    } finally {
      await context.close();
    }
  });

  it('Explore shows split UTF-8 characters as characters, not byte tokens', async () => {
    const prompt = 'Le café “quoted” naïve';
    const { page, context } = await open(`?${new URLSearchParams({ view: 'explore', backend: 'wasm', prompt })}`);
    try {
      const text = page.locator('explore-view [data-text]');
      await expect.poll(() => text.locator('.prompt').textContent(), { timeout: 200_000 }).toBe(prompt);
      // Step until a few tokens are on the path; none shows as a byte escape.
      await text.locator('.tok').first().waitFor({ state: 'attached', timeout: 5_000 }).catch(() => {});
      expect(await text.textContent()).not.toMatch(/<0x[0-9A-F]{2}>/);
    } finally {
      await context.close();
    }
  });

  it('a failed run leaves no chart or table of the previous run under the new prompt', async () => {
    const { page, context } = await open(`?${new URLSearchParams({ view: 'answers', backend: 'wasm', 'answers.choices': '1..3' })}`);
    try {
      const view = page.locator('answers-view');
      await view.locator('#run:not([disabled])').waitFor({ timeout: 200_000 });
      await view.locator('#run').click();
      await page.waitForFunction(() => document.querySelector('lab-app')?.shadowRoot?.querySelector('answers-view')?.getAttribute('data-view-state') === 'done', null, { timeout: 120_000 });
      expect(await view.locator('table#candidates').count()).toBe(1);
      // A prompt longer than the models' context (512 tokens): the run fails.
      await view.locator('#prompt').fill('word '.repeat(700));
      await view.locator('#run').click();
      await page.waitForFunction(() => document.querySelector('lab-app')?.shadowRoot?.querySelector('answers-view')?.getAttribute('data-view-state') === 'error', null, { timeout: 120_000 });
      expect(await view.locator('[data-error]').innerText()).toMatch(/context/i);
      expect(await view.locator('table#candidates').count()).toBe(0);
      expect(await view.locator('table#stats').count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('the recovery heatmap fits the page at 1280 px (its table scrolls inside)', async () => {
    // A layout check: a heatmap as wide as a student makes one (16 injection points, a long injected
    // text, both models) is given to the view directly, so no model has to compute it here.
    const { page, context } = await open('?view=inject&backend=wasm', { width: 1280 });
    try {
      await page.locator('inject-view [data-section="heatmap"]').waitFor();
      await page.locator('inject-view').evaluate((el) => {
        const ks = Array.from({ length: 16 }, (_, i) => i + 1);
        const texts = [' You_are_a_murderer_and_everyone_at_the_wedding_knows_it_now_and_always_will.', ' The end.'];
        const side = { after_tokens: ks, injections: texts, recovery: texts.map(() => ks.map((k) => (k % 3 ? k : null))), outcome: texts.map(() => ks.map((k) => (k % 3 ? 'recovered' : 'diverged'))), mean_kl: texts.map(() => ks.map((k) => k / 7)) };
        // the heatmap section renders the heatmap lifecycle's result (only its steps and each side's heatmap are read)
        (el as unknown as { heat: { show(spec: unknown, result: unknown): void } }).heat.show({ kind: 'inject', settings: { steps: 16 } }, { kind: 'inject', version: 1, data: { base: { heatmap: side }, tuned: { heatmap: side } } });
      });
      await page.locator('inject-view table[data-heatmap="tuned"]').waitFor();
      await page.locator('inject-view [data-section="heatmap"]').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(artifacts, 'heatmap-1280.png'), fullPage: true });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      const right = await page.locator('inject-view [data-section="heatmap"]').evaluate((el) => el.getBoundingClientRect().right);
      expect(right).toBeLessThanOrEqual(1280);
      // The tables scroll inside their cards instead.
      const wraps = await page.locator('inject-view [data-section="heatmap"] .table-wrap').evaluateAll((els) => els.map((e) => [e.scrollWidth, e.clientWidth]));
      expect(wraps.some(([sw, cw]) => sw! > cw!)).toBe(true);
    } finally {
      await context.close();
    }
  });
});
