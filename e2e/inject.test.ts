/**
 * The injection view, end to end on WASM: the wedding-toast preset on both models shows both traces;
 * every trace value (full precision in data-value and in the exported JSON) equals `injectTrace` with
 * onnxruntime-node in this process; an empty injection gives KL 0; a small heatmap equals
 * `recoveryHeatmap` here.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEngine } from '../src/engine/engine';
import { createNodeEngine } from '../src/engine/node';
import { INJECT_PRESETS, injectTrace, recoveryHeatmap, sampledTraces } from '../src/lab/inject';
import { expectReady, launchChromium, type Side } from './lab-page';
import { repoRoot, startServer, type StaticServer } from './server';

const SIDES: Side[] = ['base', 'tuned'];
const WEDDING = INJECT_PRESETS.find((p) => p.id === 'wedding')!;
const STEPS = 8;
const artifacts = join(repoRoot, 'e2e', '.artifacts');

let server: StaticServer;
let browser: Browser;
const ref: Partial<Record<Side, LabEngine>> = {};

type Plotted = { label: string; data: { x: number; y: number }[] }[];

async function waitDone(page: Page, view: Locator): Promise<void> {
  await page.waitForFunction(() => {
    const s = document.querySelector('lab-app')?.shadowRoot?.querySelector('inject-view')?.getAttribute('data-view-state');
    return s === 'done' || s === 'error';
  }, null, { timeout: 120_000, polling: 200 });
  expect(await view.getAttribute('data-view-state'), (await view.locator('[data-error]').allInnerTexts()).join(' ')).toBe('done');
}

async function shownTrace(view: Locator, side: Side) {
  return view.locator('table[data-table="trace"] tbody tr').evaluateAll((trs, side) =>
    trs.map((tr) => {
      const v = (k: string) => Number(tr.querySelector(`[data-key="${side}.${k}"]`)?.getAttribute('data-value'));
      return { step: Number(tr.getAttribute('data-step')), kl: v('kl'), logp: v('logp_clean_next'), pEnd: v('p_end') };
    }),
  side);
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  server = await startServer();
  browser = await launchChromium();
  for (const side of SIDES) {
    ref[side] = createNodeEngine('node');
    await ref[side]!.load(join(repoRoot, 'dist', 'models', side === 'base' ? 'lab-base' : 'lab-sft'));
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  for (const side of SIDES) await ref[side]?.dispose();
});

describe('injection view', () => {
  let context: BrowserContext;
  let page: Page;
  let view: Locator;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const q = new URLSearchParams({ backend: 'wasm', view: 'inject', 'inject.steps': String(STEPS), 'inject.prompt': 'something else', 'inject.hk': '2, 6', 'inject.htexts': ' You are a murderer.\n' });
    await page.goto(`${server.origin}/?${q}`);
    await expectReady(page);
    view = page.locator('inject-view');
  });

  afterAll(async () => {
    await context?.close();
  });

  it('runs the wedding-toast preset on both models; traces equal injectTrace with onnxruntime-node', async () => {
    await view.locator('#f-preset').selectOption('wedding');
    expect(await view.locator('#f-prompt').inputValue()).toBe(WEDDING.prompt);
    await view.locator('button[data-action="run"]').click();
    await waitDone(page, view);

    // Both traces on one chart, with the threshold.
    const kl = await view.locator('lab-chart[data-chart="kl"]').evaluate((el) => (el as unknown as { plotted: Plotted }).plotted);
    for (const side of SIDES) expect(kl.find((d) => d.label === side)!.data).toHaveLength(STEPS);
    expect(kl.some((d) => d.label.startsWith('threshold'))).toBe(true);

    const [download] = await Promise.all([page.waitForEvent('download'), view.locator('button[data-action="export-json"]').click()]);
    const json = JSON.parse(readFileSync((await download.path())!, 'utf8'));

    for (const side of SIDES) {
      const ctx = await ref[side]!.encode(WEDDING.prompt, WEDDING.template);
      const mine = await injectTrace(ref[side]!, ctx, { afterTokens: WEDDING.afterTokens, injection: WEDDING.injection, steps: STEPS, threshold: 0.1 });
      const block = view.locator(`[data-inject-model="${side}"]`);
      expect(((await block.getAttribute('data-context')) ?? '').split(',').map(Number)).toEqual(ctx);
      const shown = await shownTrace(view, side);
      expect(shown).toHaveLength(STEPS);
      shown.forEach((p, t) => {
        expect(Math.abs(p.kl - mine.trace[t]!.kl), `${side} KL at ${t}`).toBeLessThan(1e-4);
        expect(Math.abs(p.logp - mine.trace[t]!.logp_clean_next), `${side} log p at ${t}`).toBeLessThan(1e-4);
        expect(Math.abs(p.pEnd - mine.trace[t]!.p_end), `${side} p(end) at ${t}`).toBeLessThan(1e-4);
      });
      expect(await block.getAttribute('data-recovery')).toBe(mine.recovery_step === null ? 'none' : String(mine.recovery_step));
      // The export has the CLI's shape and the same numbers.
      const e = json[side];
      expect(e.after_tokens).toBe(WEDDING.afterTokens);
      expect(e.clean.continuation).toEqual(mine.clean.continuation);
      expect(e.injected.context).toEqual(mine.injected.context);
      expect(e.injected.continuation).toEqual(mine.injected.continuation);
      e.trace.forEach((p: { kl: number }, t: number) => expect(Math.abs(p.kl - mine.trace[t]!.kl)).toBeLessThan(1e-4));
      // The injection is highlighted inside the injected run's text.
      expect((await block.locator('[data-injected] mark').innerText()).trim()).toBe(WEDDING.injection.trim());
      expect(await block.locator('.tokens button').count()).toBe(WEDDING.afterTokens + STEPS);
    }
    await page.screenshot({ path: join(artifacts, 'inject.png'), fullPage: true });
  });

  it('a small heatmap equals recoveryHeatmap here', async () => {
    await view.locator('button[data-action="heatmap"]').click();
    await page.waitForFunction(() => {
      const v = document.querySelector('lab-app')?.shadowRoot?.querySelector('inject-view')?.shadowRoot;
      return !!v?.querySelector('table[data-heatmap="tuned"]') || !!v?.querySelector('[data-heat-error]');
    }, null, { timeout: 120_000, polling: 200 });
    for (const side of SIDES) {
      const ctx = await ref[side]!.encode(WEDDING.prompt, WEDDING.template);
      const mine = await recoveryHeatmap(ref[side]!, ctx, [2, 6], [' You are a murderer.'], { steps: STEPS, threshold: 0.1 });
      const cells = await view.locator(`table[data-heatmap="${side}"] td.cell`).evaluateAll((tds) => tds.map((td) => ({ rec: td.getAttribute('data-recovery'), kl: Number(td.getAttribute('data-mean-kl')) })));
      expect(cells).toHaveLength(2);
      cells.forEach((c, j) => {
        expect(c.rec).toBe(mine.recovery[0]![j] === null ? 'none' : String(mine.recovery[0]![j]));
        expect(Math.abs(c.kl - mine.mean_kl[0]![j]!)).toBeLessThan(1e-4);
      });
    }
    await page.screenshot({ path: join(artifacts, 'inject-heatmap.png'), fullPage: true });
  });

  it('an empty injection gives KL 0 at every step, recovered at step 0', async () => {
    await view.locator('#f-text').fill('');
    await view.locator('button[data-action="run"]').click();
    await waitDone(page, view);
    for (const side of SIDES) {
      const shown = await shownTrace(view, side);
      for (const p of shown) expect(Math.abs(p.kl)).toBeLessThan(1e-9);
      expect(await view.locator(`[data-inject-model="${side}"]`).getAttribute('data-recovery')).toBe('0');
    }
  });

  it('sampled mode: mean and spread over runs equal sampledTraces here', async () => {
    await view.locator('#f-text').fill(WEDDING.injection);
    await view.locator('#f-mode').selectOption('sampled');
    await view.locator('#f-runs').fill('2');
    await view.locator('#f-seed').fill('3');
    await view.locator('button[data-action="run"]').click();
    await waitDone(page, view);
    const band = await view.locator('lab-chart[data-chart="kl"]').evaluate((el) => (el as unknown as { plotted: Plotted }).plotted);
    for (const side of SIDES) {
      expect(band.map((d) => d.label)).toEqual(expect.arrayContaining([`${side} mean`, `${side} min–max`]));
      const ctx = await ref[side]!.encode(WEDDING.prompt, WEDDING.template);
      const mine = await sampledTraces(ref[side]!, ctx, { afterTokens: WEDDING.afterTokens, injection: WEDDING.injection, steps: STEPS, threshold: 0.1, seed: 3, runs: 2 });
      const shown = await view.locator('table[data-table="trace"] tbody tr').evaluateAll((trs, side) =>
        trs.map((tr) => ['kl_mean', 'kl_min', 'kl_max'].map((k) => Number(tr.querySelector(`[data-key="${side}.${k}"]`)?.getAttribute('data-value')))),
      side);
      shown.forEach(([mean, min, max], t) => {
        expect(Math.abs(mean! - mine.band[t]!.mean)).toBeLessThan(1e-4);
        expect(Math.abs(min! - mine.band[t]!.min)).toBeLessThan(1e-4);
        expect(Math.abs(max! - mine.band[t]!.max)).toBeLessThan(1e-4);
      });
    }
    await page.screenshot({ path: join(artifacts, 'inject-sampled.png'), fullPage: true });
    await view.locator('#f-mode').selectOption('greedy');
  });

  it('bad input gives a clear message and loses nothing typed', async () => {
    await view.locator('#f-k').fill('-3');
    await view.locator('button[data-action="run"]').click();
    await expect.poll(() => view.locator('[data-error]').innerText()).toMatch(/injection point K/);
    expect(await view.locator('#f-prompt').inputValue()).toBe(WEDDING.prompt);
    expect(pageErrors).toEqual([]);
  });
});
