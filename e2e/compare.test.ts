/**
 * The compare view (issue 4), end to end on the built site with the WASM backend: the preset
 * "Are bugs real?" (the tuned model answers greedily, the base reads URIAL's frame) runs; every
 * per-position number the page holds (data-* attributes and the JSON export) equals `compare()` run in
 * this process on onnxruntime-node with the same inputs; the class counts agree with the token strip;
 * the hover/focus alternatives are each model's true top 5; a hostile typed response renders as text.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { LabEngine } from '../src/engine/engine';
import { compare, neutralControls, type CompareResult } from '../src/lab/compare';
import { visibleToken } from '../src/lab/tokens';
import { pairBackends } from './lab-page';
import { ARTIFACTS as artifacts, useLabSetup } from './lab-setup';
import type { StaticServer } from './server';

const TOL = 1e-4;

let server: StaticServer;
let browser: Browser;
let base: LabEngine;
let tuned: LabEngine;

interface ShownPosition {
  pos: number;
  id: number;
  logp_base: number;
  logp_tuned: number;
  rank_base: number;
  rank_tuned: number;
  kl: number;
  entropy_base: number;
  entropy_tuned: number;
  class: string;
  kl_sharpened: number;
}

async function readPositions(page: Page): Promise<ShownPosition[]> {
  return page.locator('compare-view #positions tbody tr').evaluateAll((trs) =>
    trs.map((tr) => {
      const d = (k: string) => Number(tr.getAttribute(`data-${k}`));
      return {
        pos: d('pos'),
        id: d('token-id'),
        logp_base: d('logp-base'),
        logp_tuned: d('logp-tuned'),
        rank_base: d('rank-base'),
        rank_tuned: d('rank-tuned'),
        kl: d('kl'),
        entropy_base: d('entropy-base'),
        entropy_tuned: d('entropy-tuned'),
        class: tr.getAttribute('data-class') ?? '',
        kl_sharpened: d('kl-sharpened'),
      };
    }),
  );
}

async function waitDone(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const s = document.querySelector('lab-app')?.shadowRoot?.querySelector('compare-view')?.getAttribute('data-view-state');
      return s === 'done' || s === 'error';
    },
    null,
    { timeout: 200_000, polling: 100 },
  );
  const state = await page.locator('compare-view').getAttribute('data-view-state');
  if (state !== 'done') throw new Error(`compare settled in ${state}: ${(await page.locator('compare-view .error-box').allInnerTexts()).join(' | ')}`);
}

/** Start the next run and wait until it is done (the state goes through `running`). */
async function runAndWait(page: Page, button: string): Promise<void> {
  await page.locator('compare-view').evaluate((el) => el.setAttribute('data-view-state', 'idle'));
  await page.locator(`compare-view ${button}`).click();
  await waitDone(page);
}

useLabSetup((s) => ({ server, browser, pair: { base, tuned } } = s));

describe('compare view', () => {
  it('runs the "Are bugs real?" preset and matches compare() in this process; hostile text stays text', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const dialogs: string[] = [];
    const pageErrors: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      await page.goto(`${server.origin}/?backend=wasm&view=compare`);
      await page.locator('compare-view #preset-bugs:not([disabled])').waitFor({ timeout: 200_000 });
      const t0 = Date.now();
      await runAndWait(page, '#preset-bugs');
      console.log(`preset ran in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

      // The exported JSON (the CLI's shape).
      const href = await page.locator('compare-view #export-json').getAttribute('href');
      expect(href).toMatch(/^blob:/);
      const json = JSON.parse(await page.evaluate(async (u) => (await fetch(u)).text(), href!)) as ReturnType<typeof import('../src/lab/compare').compareJson>;
      const ids = json.response_tokens.map((t) => t.id);
      expect(ids.length).toBeGreaterThan(0);

      // The reference: the same computation in this process, on the response the page scored.
      const ref: CompareResult = await compare({ base, tuned, prompt: 'Are bugs real?', responseIds: ids, baseTemplate: 'urial', tunedTemplate: 'chat', samples: 0 });
      expect(json.contexts).toEqual(ref.contexts);
      // The context texts are shown exactly (the attribute holds the raw text).
      const ctxTexts = await page.locator('compare-view pre.ctx').evaluateAll((els) => els.map((e) => e.getAttribute('data-context-text')));
      expect(ctxTexts).toEqual([ref.context_texts.base, ref.context_texts.tuned]);

      const shown = await readPositions(page);
      expect(shown).toHaveLength(ref.positions.length);
      shown.forEach((s, k) => {
        const r = ref.positions[k]!;
        const j = json.positions[k]!;
        expect(s.id).toBe(r.id);
        expect(s.rank_tuned, 'the tuned model answered greedily: every token is its top 1').toBe(1);
        for (const [a, b, what] of [
          [s.logp_base, r.logp_base, 'logp_base'],
          [s.logp_tuned, r.logp_tuned, 'logp_tuned'],
          [s.kl, r.kl_tuned_base, 'KL'],
          [s.entropy_base, r.entropy_base, 'H base'],
          [s.entropy_tuned, r.entropy_tuned, 'H tuned'],
          [j.logp_base, r.logp_base, 'json logp_base'],
          [j.kl_tuned_base, r.kl_tuned_base, 'json KL'],
        ] as const) {
          expect(Math.abs(a - b), `${what} at ${k}`).toBeLessThan(TOL);
        }
        expect(Math.abs(s.kl_sharpened - r.kl_tuned_sharpened), `KL to base^γ at ${k}`).toBeLessThan(1e-3);
        expect(s.rank_base).toBe(r.rank_base);
        expect(s.class).toBe(r.class);
        expect(j.class).toBe(r.class);
      });
      const sum = json.summary;
      for (const key of ['unshifted', 'marginal', 'shifted', 'mean_kl', 'mean_kl_sharpened'] as const) {
        expect(Math.abs(sum[key] - ref.summary[key]), key).toBeLessThan(TOL);
      }
      // exp(mean entropy) can be large: compare it relatively.
      for (const key of ['branching_factor_base', 'branching_factor_tuned'] as const) {
        expect(Math.abs(sum[key] - ref.summary[key]) / ref.summary[key], key).toBeLessThan(TOL);
      }
      expect(Math.abs(sum.gamma - ref.summary.gamma) / ref.summary.gamma).toBeLessThan(1e-2);

      // Class counts: the strip, the table and the summary agree.
      const strip = await page.locator('compare-view .strip .tok').evaluateAll((els) => els.map((e) => e.getAttribute('data-class')));
      expect(strip).toEqual(shown.map((s) => s.class));
      // The tuned end-of-turn token is shown but not classed: the classes count the other tokens only.
      const countedFlags = await page.locator('compare-view .strip .tok').evaluateAll((els) => els.map((e) => e.getAttribute('data-counted') === '1'));
      const eos = new Set((await tuned.info()).eosTokenIds);
      expect(countedFlags).toEqual(ids.map((id) => !eos.has(id)));
      const classed = strip.filter((_, i) => countedFlags[i]);
      const n = classed.length;
      for (const c of ['unshifted', 'marginal', 'shifted'] as const) {
        const fromStrip = classed.filter((x) => x === c).length;
        const summaryValue = Number(await page.locator(`compare-view [data-summary="${c}"]`).getAttribute('data-value'));
        expect(summaryValue * n).toBeCloseTo(fromStrip, 9);
      }
      const shiftedTotal = await page.locator('compare-view #shifted tbody tr').evaluateAll((trs) => trs.reduce((s, tr) => s + Number(tr.getAttribute('data-count')), 0));
      expect(shiftedTotal).toBe(classed.filter((x) => x === 'shifted').length);

      // The controls (noise floor on held-out human text) sit beside the tuned answer's figures, and equal
      // neutralControls() here; the on-policy branching factors equal the ones from the page's own samples.
      const controls = await neutralControls(base, tuned);
      for (const key of ['unshifted_on_neutral_text', 'marginal_on_neutral_text', 'shifted_on_neutral_text', 'mean_kl_on_neutral_text'] as const) {
        const shownControl = Number(await page.locator(`compare-view [data-control="${key}"]`).getAttribute('data-value'));
        expect(Math.abs(shownControl - controls[key]), key).toBeLessThan(TOL);
        expect(Math.abs(json.summary.controls[key] - controls[key]), `json ${key}`).toBeLessThan(TOL);
      }
      const bfShown = page.locator('compare-view [data-summary="bf_on_policy"]');
      const bfBase = Number(await bfShown.getAttribute('data-base'));
      const bfTuned = Number(await bfShown.getAttribute('data-tuned'));
      const onPolicy = await compare({ base, tuned, prompt: 'Are bugs real?', responseIds: ids, baseTemplate: 'urial', tunedTemplate: 'chat', samples: 16, seed: 0, maxTokens: Number(await page.locator('compare-view #max-tokens').inputValue()) });
      expect(Math.abs(bfBase - onPolicy.summary.bf_on_policy_base!) / onPolicy.summary.bf_on_policy_base!).toBeLessThan(1e-3);
      expect(Math.abs(bfTuned - onPolicy.summary.bf_on_policy_tuned!) / onPolicy.summary.bf_on_policy_tuned!).toBeLessThan(1e-3);
      expect(Math.abs(json.summary.bf_nudged_base! - onPolicy.summary.bf_nudged_base!) / onPolicy.summary.bf_nudged_base!).toBeLessThan(1e-3);

      // Focusing a token shows both models' top 5 there.
      const k = Math.min(1, n - 1);
      await page.locator(`compare-view .strip .tok[data-pos="${k}"]`).focus();
      for (const side of ['base', 'tuned'] as const) {
        const alts = await page.locator(`compare-view table[data-alternatives="${side}"] tr`).evaluateAll((trs) =>
          trs.map((tr) => ({ id: Number(tr.getAttribute('data-token-id')), prob: Number(tr.getAttribute('data-prob')) })),
        );
        const want = side === 'base' ? ref.positions[k]!.top_base : ref.positions[k]!.top_tuned;
        expect(alts).toHaveLength(5);
        alts.forEach((a, i) => expect(Math.abs(a.prob - want[i]!.prob), `${side} alternative ${i}`).toBeLessThan(TOL));
      }
      await page.screenshot({ path: join(artifacts, 'compare.png'), fullPage: true });
      await page.locator('compare-view #strip-card').screenshot({ path: join(artifacts, 'compare-strip.png') });

      // A hostile typed response is text, not markup.
      const hostile = '<img src=x onerror=alert(1)>';
      await page.locator('compare-view input[name="source"][value="typed"]').check();
      await page.locator('compare-view #response').fill(hostile);
      await runAndWait(page, '#run');
      const stripText = await page.locator('compare-view .strip').evaluate((el) => Array.from(el.querySelectorAll('.tok'), (t) => t.textContent).join(''));
      const hostileIds = await tuned.encodeContinuation(hostile);
      const texts = await tuned.tokenTexts(hostileIds);
      expect(stripText).toBe(texts.map(visibleToken).join(''));
      expect(await page.locator('compare-view img').count()).toBe(0);
      expect(dialogs).toEqual([]);
      expect(pageErrors).toEqual([]);
      // The typed response survives in the URL, so a link reopens the experiment.
      expect(new URL(page.url()).searchParams.get('compare.response')).toBe(hostile);
    } finally {
      await context.close();
    }
  });

  it('on WebGPU (SwiftShader), a short typed response shows the noise floor and the on-policy branching factors', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      const q = new URLSearchParams({ backend: 'webgpu', view: 'compare', 'compare.prompt': 'Are bugs real?', 'compare.source': 'typed', 'compare.response': ' Yes.', 'compare.samples': '2', 'compare.max': '4' });
      await page.goto(`${server.origin}/?${q}`);
      await page.locator('compare-view #run:not([disabled])').waitFor({ timeout: 200_000 });
      expect(await pairBackends(page)).toBe('webgpu,webgpu');
      await runAndWait(page, '#run');
      const controls = await neutralControls(base, tuned);
      for (const key of ['shifted_on_neutral_text', 'mean_kl_on_neutral_text'] as const) {
        const shown = Number(await page.locator(`compare-view [data-control="${key}"]`).getAttribute('data-value'));
        expect(Math.abs(shown - controls[key]), key).toBeLessThan(1e-3);
      }
      const bf = page.locator('compare-view [data-summary="bf_on_policy"]');
      for (const side of ['base', 'tuned'] as const) expect(Number(await bf.getAttribute(`data-${side}`))).toBeGreaterThanOrEqual(1);
      expect(Number(await page.locator('compare-view [data-summary="bf_nudged_base"]').getAttribute('data-value'))).toBeGreaterThanOrEqual(1);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 420_000); // SwiftShader on a loaded machine: the load and the run took 205 s alone once
});
