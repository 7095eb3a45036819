/**
 * The temperature-sweep view, end to end on WASM: a small sweep shows both exact curves and both
 * metric series; the exact numbers equal onnxruntime-node + a softmax written here; the sampled
 * completions (from the exported JSON) equal `sampleBatch` in this process with the same seed; a bad
 * regex gives a message and keeps what was typed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEngine } from '../src/engine/engine';
import { sampleBatch, sweepMetrics } from '../src/lab/sweep';
import { expectReady, pairBackends, type Side, entropy64 } from './lab-page';
import { ARTIFACTS as artifacts, useLabSetup } from './lab-setup';
import type { StaticServer } from './server';

const SIDES: Side[] = ['base', 'tuned'];
const PROMPT = 'Pick a random number between 1 and 100.';
const TEMPLATES = { base: 'none', tuned: 'chat' } as const;
const TEMPS = [0.5, 1.5];
const N = 4;
const MAX = 6;
const SEED = 7;

let server: StaticServer;
let browser: Browser;
let ref: Partial<Record<Side, LabEngine>> = {};


function probs64(logits: Float32Array, t: number): number[] {
  let max = -Infinity;
  for (const x of logits) if (x / t > max) max = x / t;
  const w = Array.from(logits, (x) => Math.exp(x / t - max));
  const z = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / z);
}

type Plotted = { label: string; data: { x: number; y: number }[] }[];

async function plotted(page: Page, chart: string): Promise<Plotted> {
  return page.locator(`sweep-view lab-chart[data-chart="${chart}"]`).evaluate((el) => (el as unknown as { plotted: Plotted }).plotted);
}

useLabSetup((s) => ({ server, browser, pair: ref } = s));

async function waitDone(page: Page, view: Locator): Promise<void> {
  await page.waitForFunction(() => {
    const s = document.querySelector('lab-app')?.shadowRoot?.querySelector('sweep-view')?.getAttribute('data-view-state');
    return s === 'done' || s === 'error';
  }, null, { timeout: 180_000, polling: 200 });
  expect(await view.getAttribute('data-view-state'), (await view.locator('[data-error]').allInnerTexts()).join(' ')).toBe('done');
}

describe('temperature sweep view', () => {
  let context: BrowserContext;
  let page: Page;
  let view: Locator;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const q = new URLSearchParams({ backend: 'wasm', view: 'sweep', 'sweep.prompt': PROMPT, 'sweep.temps': TEMPS.join(','), 'sweep.n': String(N), 'sweep.max': String(MAX), 'sweep.seed': String(SEED) });
    await page.goto(`${server.origin}/?${q}`);
    await expectReady(page);
    view = page.locator('sweep-view');
  });

  afterAll(async () => {
    await context?.close();
  });

  it('runs a small sweep: both exact curves and both metric series, equal to an independent computation', async () => {
    {
      await view.locator('button[data-action="run"]').click();
      await waitDone(page, view);

      // Both exact curves and both metric series are plotted.
      const grid = Array.from({ length: 20 }, (_, i) => Math.round((0.1 + i * 0.1) * 1e6) / 1e6);
      const first = await plotted(page, 'entropy-first');
      for (const side of SIDES) {
        const ds = first.find((d) => d.label === side)!;
        expect(ds.data.map((p) => p.x)).toEqual(grid);
      }
      for (const chart of ['mean-entropy', 'logprob']) {
        const ds = await plotted(page, chart);
        for (const side of SIDES) expect(ds.find((d) => d.label === side)!.data.map((p) => p.x)).toEqual(TEMPS);
      }

      // Exact numbers against onnxruntime-node + softmax/entropy written here.
      const firstLogits = {} as Record<Side, Float32Array>;
      for (const side of SIDES) {
        const block = view.locator(`[data-reference-model="${side}"]`);
        const ctx = ((await block.getAttribute('data-context')) ?? '').split(',').map(Number);
        const reference = ((await block.getAttribute('data-reference')) ?? '').split(',').filter(Boolean).map(Number);
        expect(ctx).toEqual(await ref[side]!.encode(PROMPT, TEMPLATES[side]));
        expect(reference.length).toBeGreaterThan(0);
        const { data, dims } = await ref[side]!.score([...ctx, ...reference]);
        const V = dims[1]!;
        const rowAt = (k: number) => data.slice((ctx.length - 1 + k) * V, (ctx.length + k) * V);
        firstLogits[side] = rowAt(0);
        // The reference is the greedy continuation: each token is the arg-max after the ones before.
        reference.forEach((id, k) => {
          const r = rowAt(k);
          const best = r.reduce((b, x, i) => (x > r[b]! ? i : b), 0);
          if (best !== id) expect(r[best]! - r[id]!).toBeLessThan(1e-4);
        });
        const cells = await view.locator('table[data-table="exact"] tbody tr').evaluateAll((trs, side) =>
          trs.map((tr) => {
            const v = (k: string) => Number(tr.querySelector(`[data-key="${side}.${k}"]`)?.getAttribute('data-value'));
            return { t: Number(tr.getAttribute('data-temperature')), h: v('entropy_first'), top1: v('top1_mass'), top5: v('top5_mass'), along: v('entropy_along_mean') };
          }),
        side);
        expect(cells.map((c) => c.t)).toEqual(grid);
        const plottedFirst = first.find((d) => d.label === side)!.data;
        cells.forEach((c, i) => {
          expect(Math.abs(c.h - entropy64(firstLogits[side], c.t)), `${side} H at T=${c.t}`).toBeLessThan(1e-4);
          expect(Math.abs(plottedFirst[i]!.y - c.h)).toBeLessThan(1e-12);
          const p = probs64(firstLogits[side], c.t).sort((a, b) => b - a);
          expect(Math.abs(c.top1 - p[0]!)).toBeLessThan(1e-4);
          expect(Math.abs(c.top5 - p.slice(0, 5).reduce((a, b) => a + b, 0))).toBeLessThan(1e-4);
          const along = reference.map((_, k) => entropy64(rowAt(k), c.t));
          expect(Math.abs(c.along - along.reduce((a, b) => a + b, 0) / along.length)).toBeLessThan(1e-4);
        });
      }

      // "How hot must the tuned model run?" At the first position (a side note) here; over the answers' positions below.
      const answer = view.locator('[data-match-temperature]');
      const firstTarget = Number(await answer.locator('[data-match-first-target]').getAttribute('data-match-first-target'));
      expect(Math.abs(firstTarget - entropy64(firstLogits.base, 1))).toBeLessThan(1e-4);
      expect(await plotted(page, 'entropy-own')).toHaveLength(3);

      // The export: the CLI's shape per model; samples equal sampleBatch here with the same seed.
      const [download] = await Promise.all([page.waitForEvent('download'), view.locator('button[data-action="export-json"]').click()]);
      const json = JSON.parse(readFileSync((await download.path())!, 'utf8'));
      for (const side of SIDES) {
        const exported = json[side];
        expect(exported.context).toEqual(await ref[side]!.encode(PROMPT, TEMPLATES[side]));
        expect(exported.exact.map((e: { temperature: number }) => e.temperature)).toEqual(grid);
        expect(exported.runs.map((r: { temperature: number }) => r.temperature)).toEqual(TEMPS);
        for (let j = 0; j < TEMPS.length; j++) {
          const mine = await sampleBatch(ref[side]!, exported.context, TEMPS[j]!, j, { samples: N, maxTokens: MAX, seed: SEED });
          const run = exported.runs[j];
          expect(run.samples.map((s: { ids: number[] }) => s.ids), `${side} samples at T=${TEMPS[j]}`).toEqual(mine.samples);
          for (let i = 0; i < N; i++) expect(run.samples[i].text).toBe(await ref[side]!.decode(mine.samples[i]!, { skipSpecial: true }));
          const m = sweepMetrics(mine.samples, mine.entropies, mine.logps);
          // The numbers in the table (full precision in data-value) equal the ones computed here.
          const row = view.locator(`table[data-table="sampled"] tr[data-temperature="${TEMPS[j]}"][data-model="${side}"]`);
          for (const k of ['mean_entropy', 'distinct_1', 'distinct_2', 'unique_fraction', 'mean_logprob'] as const) {
            const shown = Number(await row.locator(`[data-key="${side}.${k}"]`).getAttribute('data-value'));
            expect(Math.abs(shown - m[k]), `${side} ${k} at T=${TEMPS[j]}`).toBeLessThan(1e-4);
          }
          // Every completion lands in exactly one answer.
          expect(run.histogram.reduce((s: number, h: { count: number }) => s + h.count, 0)).toBe(N);
        }
      }

      // The matching temperature over the answers' positions: each model's own N answers at T = 1 (the same
      // samples as sampleBatch here), every position's entropy from a teacher-forced pass, averaged.
      const ownRows = {} as Record<Side, Float32Array[]>;
      for (const side of SIDES) {
        const own = await sampleBatch(ref[side]!, json[side].context, 1, -2, { samples: N, maxTokens: MAX, seed: SEED });
        expect(json[side].own_answers.samples).toEqual(own.samples);
        ownRows[side] = [];
        for (const ids of own.samples) {
          const { data, dims } = await ref[side]!.score([...json[side].context, ...ids]);
          const V = dims[1]!;
          ids.forEach((_: number, k: number) => ownRows[side].push(data.slice((json[side].context.length - 1 + k) * V, (json[side].context.length + k) * V)));
        }
      }
      const meanH = (rows: Float32Array[], t: number) => rows.reduce((a, r) => a + entropy64(r, t), 0) / rows.length;
      const target = Number(await answer.getAttribute('data-match-target'));
      expect(Math.abs(target - meanH(ownRows.base, 1))).toBeLessThan(1e-4);
      expect(json.match.positions).toEqual({ base: ownRows.base.length, tuned: ownRows.tuned.length });
      const matchT = await answer.getAttribute('data-match-temperature');
      if (matchT === 'none') {
        expect(target < meanH(ownRows.tuned, 0.1) - 1e-4 || target > meanH(ownRows.tuned, 2) + 1e-4).toBe(true);
      } else {
        expect(Math.abs(meanH(ownRows.tuned, Number(matchT)) - target)).toBeLessThan(1e-3);
      }

      // Samples are shown as text (expandable).
      expect(await view.locator('details[data-samples] .gen').count()).toBe(2 * TEMPS.length * N);

      await page.screenshot({ path: join(artifacts, 'sweep.png'), fullPage: true });

      // A bad regex: a clear message, nothing typed is lost.
      await view.locator('input[type="radio"][value="regex"]').check();
      await view.locator('input[aria-label="answer regex"]').fill('(unclosed');
      await expect.poll(() => view.locator('[data-grouping-error]').innerText()).toMatch(/not a valid regular expression/);
      expect(await view.locator('input[aria-label="answer regex"]').inputValue()).toBe('(unclosed');
      expect(await view.locator('#f-prompt').inputValue()).toBe(PROMPT);
      await view.locator('input[type="radio"][value="words"]').check();
    }
  });

  it('Cancel stops sampling and keeps the batches done so far', async () => {
    await view.locator('#f-temps').fill('0.5, 1, 1.5, 2');
    await view.locator('#f-n').fill('16');
    await view.locator('#f-max').fill('24');
    await view.locator('button[data-action="run"]').click();
    // Cancel once the first sampled batch is in.
    await view.locator('[data-progress]').waitFor();
    await page.waitForFunction(() => {
      const v = document.querySelector('lab-app')?.shadowRoot?.querySelector('sweep-view')?.shadowRoot;
      return (v?.querySelectorAll('table[data-table="sampled"] tbody tr').length ?? 0) >= 1;
    }, null, { timeout: 120_000, polling: 100 });
    await view.locator('[data-progress] button').click();
    await waitDone(page, view);
    const notice = await view.locator('[data-notice]').innerText();
    expect(notice).toMatch(/Cancelled/);
    const kept = await view.locator('table[data-table="sampled"] tbody tr').count();
    expect(kept).toBeGreaterThanOrEqual(1);
    expect(kept).toBeLessThan(8);
    expect(await view.locator('[data-progress]').count()).toBe(0);
    // Nothing is still running in the workers: a new small run completes normally.
    await view.locator('#f-temps').fill('1');
    await view.locator('#f-n').fill('2');
    await view.locator('#f-max').fill('3');
    await view.locator('button[data-action="run"]').click();
    await waitDone(page, view);
    expect(await view.locator('table[data-table="sampled"] tbody tr').count()).toBe(2);
    expect(pageErrors).toEqual([]);
  });
});

describe('temperature sweep view on WebGPU (forced, SwiftShader)', () => {
  it('samples a small batch per model (forks of one prompt sharing one KV block) equal to sampleBatch on onnxruntime-node', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      const T = 0.5;
      const n = 3;
      const max = 3;
      const q = new URLSearchParams({ backend: 'webgpu', view: 'sweep', 'sweep.prompt': PROMPT, 'sweep.temps': String(T), 'sweep.n': String(n), 'sweep.max': String(max), 'sweep.seed': String(SEED) });
      await page.goto(`${server.origin}/?${q}`);
      await expectReady(page);
      expect(await pairBackends(page)).toBe('webgpu,webgpu');
      const view = page.locator('sweep-view');
      await view.locator('button[data-action="run"]').click();
      await waitDone(page, view);
      const [download] = await Promise.all([page.waitForEvent('download'), view.locator('button[data-action="export-json"]').click()]);
      const json = JSON.parse(readFileSync((await download.path())!, 'utf8'));
      for (const side of SIDES) {
        const exported = json[side];
        expect(exported.context).toEqual(await ref[side]!.encode(PROMPT, TEMPLATES[side]));
        const mine = await sampleBatch(ref[side]!, exported.context, T, 0, { samples: n, maxTokens: max, seed: SEED });
        expect(exported.runs[0].samples.map((s: { ids: number[] }) => s.ids), `${side} samples on WebGPU`).toEqual(mine.samples);
        // The exact curve at T = 1 from the CPU's logits, to the 1e-3 WebGPU agrees with it.
        const { data, dims } = await ref[side]!.score(exported.context);
        const first = data.slice((exported.context.length - 1) * dims[1]!, exported.context.length * dims[1]!);
        const at1 = exported.exact.find((e: { temperature: number }) => Math.abs(e.temperature - 1) < 1e-9);
        expect(Math.abs(at1.entropy_first - entropy64(first, 1))).toBeLessThan(2e-3);
      }
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
