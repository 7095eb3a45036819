/**
 * Compare and sweep as experiments-as-data (issue #14), in the browser on WASM: a finished run dispatches
 * `run-finished` with a spec and a result that the kind's strict validators accept (and equal the runner
 * on onnxruntime-node for that spec); a `readonly` view given that run as `.stored` renders the same
 * numbers with no engines at all.
 */
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { LabEngine } from '../src/engine/engine';
import { compareRunner } from '../src/lab/experiments/compare';
import { sweepRunner } from '../src/lab/experiments/sweep';
import { expectReady } from './lab-page';
import { useLabSetup } from './lab-setup';
import type { StaticServer } from './server';

let server: StaticServer;
let browser: Browser;
let base: LabEngine;
let tuned: LabEngine;

useLabSetup((s) => ({ server, browser, pair: { base, tuned } } = s));

/** Collect every run-finished event's spec and result (plain JSON) on the page. */
async function captureRuns(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    window.__runs = [];
    document.addEventListener('run-finished', (e) => window.__runs.push(JSON.parse(JSON.stringify({ spec: e.spec, result: e.result }))));
  })()`);
}

async function runs(page: Page): Promise<{ spec: unknown; result: unknown }[]> {
  return (await page.evaluate('window.__runs')) as { spec: unknown; result: unknown }[];
}

async function waitState(page: Page, tag: string): Promise<string> {
  await page.waitForFunction(
    (t) => {
      const s = document.querySelector('lab-app')?.shadowRoot?.querySelector(t)?.getAttribute('data-view-state');
      return s === 'done' || s === 'error';
    },
    tag,
    { timeout: 200_000, polling: 100 },
  );
  return (await page.locator(tag).getAttribute('data-view-state'))!;
}

/** Mount a readonly `<tag>` outside the app (no engines) showing the stored run. */
async function mountStored(page: Page, tag: string, run: { spec: unknown; result: unknown }): Promise<void> {
  await page.evaluate(
    ([t, r]) => {
      const el = document.createElement(t) as HTMLElement & Record<string, unknown>;
      el.id = 'stored-view';
      el.setAttribute('readonly', '');
      el.stored = { id: 'e2e', kind: (r as { spec: { kind: string } }).spec.kind, title: 't', notes: '', pinned: false, created: new Date().toISOString(), appVersion: 'e2e', ...(r as object) };
      document.body.appendChild(el);
    },
    [tag, run] as const,
  );
}

/** Every data-value / data-base / data-tuned / data-key number under `selector`, in document order. */
async function numbers(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).evaluateAll((els) =>
    els.map((e) => ['data-value', 'data-base', 'data-tuned', 'data-key', 'data-kl', 'data-logp-base', 'data-logp-tuned', 'data-rank-base', 'data-class'].map((a) => e.getAttribute(a) ?? '').join('|')),
  );
}

describe('runs as data: compare', () => {
  it('run-finished carries a spec and result that validate and equal the runner; a readonly stored view shows the same numbers', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      const q = new URLSearchParams({ backend: 'wasm', view: 'compare', 'compare.prompt': 'Are bugs real?', 'compare.source': 'typed', 'compare.response': ' Yes, they are.', 'compare.samples': '2', 'compare.max': '4' });
      await page.goto(`${server.origin}/?${q}`);
      await expectReady(page);
      await page.locator('compare-view #run:not([disabled])').waitFor({ timeout: 200_000 });
      await captureRuns(page);
      await page.locator('compare-view #run').click();
      expect(await waitState(page, 'compare-view')).toBe('done');
      const [run] = await runs(page);
      expect(run).toBeDefined();
      const spec = compareRunner.validateSpec(run!.spec);
      const result = compareRunner.validateResult(run!.result);
      expect(spec.models.base).toEqual({ repo: './models/lab-base/', revision: null, dtype: 'fp32', backend: 'wasm' });
      expect(spec.settings).toMatchObject({ response_source: 'typed', response: ' Yes, they are.', samples: 2, max_tokens: 4, templates: { base: 'urial', tuned: 'chat' } });
      // The same spec through the runner on onnxruntime-node.
      const mine = await compareRunner.run(spec, { engines: { base, tuned } });
      expect(result.data.response_tokens).toEqual(mine.data.response_tokens);
      expect(Math.abs(result.data.summary.mean_kl - mine.data.summary.mean_kl)).toBeLessThan(1e-4);
      expect(result.data.summary.shifted).toBe(mine.data.summary.shifted);
      expect(Math.abs(result.data.summary.controls.shifted_on_neutral_text - mine.data.summary.controls.shifted_on_neutral_text)).toBeLessThan(1e-9);

      // A readonly view with the stored run: no engines, no form, the same numbers.
      await mountStored(page, 'compare-view', run!);
      const stored = page.locator('#stored-view');
      expect(await stored.getAttribute('data-view-state')).toBe('done');
      expect(await stored.locator('#run').count()).toBe(0);
      expect(await stored.locator('[data-stored]').count()).toBe(0);
      const live = await numbers(page, 'lab-app compare-view [data-summary], lab-app compare-view [data-control], lab-app compare-view #positions tbody tr');
      const shown = await numbers(page, '#stored-view [data-summary], #stored-view [data-control], #stored-view #positions tbody tr');
      expect(shown.length).toBeGreaterThan(10);
      expect(shown).toEqual(live);
      expect(Number(await stored.locator('[data-summary="mean_kl"]').getAttribute('data-value'))).toBe(result.data.summary.mean_kl);
      expect(await stored.locator('.strip .tok').count()).toBe(result.data.positions.length);
      // A malformed stored run: a clear error, nothing rendered.
      await page.evaluate(`(() => { const v = document.getElementById('stored-view'); const r = v.stored; v.stored = { ...r, result: { ...r.result, version: 99 } }; })()`);
      await expect.poll(() => stored.getAttribute('data-view-state')).toBe('error');
      expect(await stored.locator('[data-error]').innerText()).toMatch(/newer lab/);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('runs as data: sweep', () => {
  it('run-finished carries a spec and result that validate and equal the runner; a readonly stored view shows the same numbers', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      const q = new URLSearchParams({ backend: 'wasm', view: 'sweep', 'sweep.prompt': 'Pick a random number between 1 and 100.', 'sweep.grid': '0.5, 1, 2', 'sweep.temps': '1', 'sweep.n': '2', 'sweep.max': '3', 'sweep.seed': '5' });
      await page.goto(`${server.origin}/?${q}`);
      await expectReady(page);
      await captureRuns(page);
      await page.locator('sweep-view button[data-action="run"]').click();
      expect(await waitState(page, 'sweep-view')).toBe('done');
      const [run] = await runs(page);
      const spec = sweepRunner.validateSpec(run!.spec);
      const result = sweepRunner.validateResult(run!.result);
      expect(spec.settings).toMatchObject({ sides: ['base', 'tuned'], grid: [0.5, 1, 2], temperatures: [1], samples: 2, max_tokens: 3, grouping: { by: 'auto' } });
      expect(spec.seed).toBe(5);
      const mine = await sweepRunner.run(spec, { engines: { base, tuned } });
      for (const side of ['base', 'tuned'] as const) {
        expect(result.data[side]!.context).toEqual(mine.data[side]!.context);
        expect(result.data[side]!.runs.map((r) => r.samples)).toEqual(mine.data[side]!.runs.map((r) => r.samples));
        expect(result.data[side]!.own_answers!.samples).toEqual(mine.data[side]!.own_answers!.samples);
        result.data[side]!.exact.forEach((p, i) => expect(Math.abs(p.entropy_first - mine.data[side]!.exact[i]!.entropy_first)).toBeLessThan(1e-4));
      }

      await mountStored(page, 'sweep-view', run!);
      const stored = page.locator('#stored-view');
      expect(await stored.getAttribute('data-view-state')).toBe('done');
      expect(await stored.locator('button[data-action="run"]').count()).toBe(0);
      const live = await numbers(page, 'lab-app sweep-view table.data td[data-key], lab-app sweep-view [data-match-temperature], lab-app sweep-view [data-match-first-temperature]');
      const shown = await numbers(page, '#stored-view table.data td[data-key], #stored-view [data-match-temperature], #stored-view [data-match-first-temperature]');
      expect(shown.length).toBeGreaterThan(10);
      expect(shown).toEqual(live);
      expect(await stored.locator('[data-match-temperature]').getAttribute('data-match-target')).toBe(String(result.data.match!.base_entropy_at_T1));
      expect(await stored.locator('details[data-samples] .gen').count()).toBe(4);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
