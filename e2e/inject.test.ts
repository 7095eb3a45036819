/**
 * The injection view, end to end on WASM: the wedding-toast preset on both models shows both traces;
 * every trace value (same-offset and aligned KL, offset, log p, p(end); full precision in data-value and in
 * the exported JSON), each run's outcome and the aligned token diff equal `injectTrace` with
 * onnxruntime-node in this process; an empty injection gives KL 0 and recovery at step 0; sampled mode's
 * bands (with the no-injection band) equal `sampledTraces`; a small heatmap equals `recoveryHeatmap`
 * here. A small run with `?backend=webgpu` (SwiftShader) shows the same trace and diff, as text.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEngine } from '../src/engine/engine';
import { injectRunner } from '../src/lab/experiments/inject';
import { continuationDiff, INJECT_PRESETS, injectTrace, recoveryHeatmap, sampledTraces, stopIdsFor, type InjectResult } from '../src/lab/inject';
import { expectReady, pairBackends, type Side } from './lab-page';
import { ARTIFACTS as artifacts, useLabSetup } from './lab-setup';
import type { StaticServer } from './server';

const SIDES: Side[] = ['base', 'tuned'];
const WEDDING = INJECT_PRESETS.find((p) => p.id === 'wedding')!;
const STEPS = 8;

let server: StaticServer;
let browser: Browser;
let ref: Partial<Record<Side, LabEngine>> = {};

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
      const v = (k: string) => {
        const a = tr.querySelector(`[data-key="${side}.${k}"]`)?.getAttribute('data-value');
        return a === '' || a === undefined || a === null ? null : Number(a);
      };
      return { step: Number(tr.getAttribute('data-step')), kl: v('kl'), klAligned: v('kl_aligned'), offset: v('aligned_offset'), logp: v('logp_clean_next'), pEnd: v('p_end') };
    }),
  side);
}

function near(a: number | null | undefined, b: number | null, tol: number, what: string) {
  if (b === null) return expect(a ?? null, what).toBeNull();
  expect(Math.abs(a! - b), what).toBeLessThan(tol);
}

/** The trace table of one model equals a reference result. */
async function expectTrace(view: Locator, side: Side, mine: InjectResult, tol: number) {
  const shown = (await shownTrace(view, side)).filter((p) => p.pEnd !== null);
  expect(shown).toHaveLength(mine.trace.length);
  shown.forEach((p, t) => {
    const m = mine.trace[t]!;
    near(p.kl, m.kl, tol, `${side} KL at ${t}`);
    near(p.klAligned, m.kl_aligned, tol, `${side} aligned KL at ${t}`);
    expect(p.offset, `${side} offset at ${t}`).toBe(m.aligned_offset);
    near(p.logp, m.logp_clean_next, tol, `${side} log p at ${t}`);
    near(p.pEnd, m.p_end, tol, `${side} p(end) at ${t}`);
  });
  const block = view.locator(`[data-inject-model="${side}"]`);
  expect(await block.getAttribute('data-outcome')).toBe(mine.outcome);
  expect(await block.getAttribute('data-recovery')).toBe(mine.recovery_step === null ? 'none' : String(mine.recovery_step));
  expect(await block.getAttribute('data-recovery-offset')).toBe(mine.recovery_offset === null ? 'none' : String(mine.recovery_offset));
  expect(await block.getAttribute('data-ended')).toBe(mine.ended_step === null ? 'none' : String(mine.ended_step));
}

/** The aligned diff shown for one model equals continuationDiff of a reference result, token texts included. */
async function expectDiff(view: Locator, side: Side, engine: LabEngine, mine: InjectResult) {
  const cols = await view.locator(`[data-inject-model="${side}"] [data-diff] .col`).evaluateAll((els) =>
    els.map((el) => ({ op: el.getAttribute('data-op'), clean: el.querySelector('[data-clean]')!.textContent, injected: el.querySelector('[data-injected-token]')!.textContent })),
  );
  const K = mine.after_tokens;
  const injection = mine.injected.context.slice(mine.clean.context.length + K);
  const cleanTexts = await engine.tokenTexts(mine.clean.continuation);
  const injTexts = await engine.tokenTexts(mine.injected.continuation);
  const { visibleToken } = await import('../src/lab/tokens');
  const expected = [
    ...(await engine.tokenTexts(injection)).map((t) => ({ op: 'injection', clean: '', injected: visibleToken(t) })),
    ...continuationDiff(mine).map((d) => ({ op: d.op, clean: d.op === 'injected' ? '' : visibleToken(cleanTexts[K + d.clean]!), injected: d.op === 'clean' ? '' : visibleToken(injTexts[d.injected]!) })),
  ];
  expect(cols).toEqual(expected);
  return cols;
}

useLabSetup((s) => ({ server, browser, pair: ref } = s));

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
    view = page.locator('lab-app inject-view'); // the app's view (a stored read-only one is added beside it below)
  });

  afterAll(async () => {
    await context?.close();
  });

  it('runs the wedding-toast preset on both models; traces equal injectTrace with onnxruntime-node', async () => {
    // Every finished run is announced with its spec and result (the app saves them to the library).
    await page.evaluate(() => {
      const w = window as unknown as { finished: unknown[] };
      w.finished = [];
      document.addEventListener('run-finished', (e) => w.finished.push(JSON.parse(JSON.stringify({ spec: (e as unknown as { spec: unknown }).spec, result: (e as unknown as { result: unknown }).result }))));
    });
    await view.locator('#f-preset').selectOption('wedding');
    expect(await view.locator('#f-prompt').inputValue()).toBe(WEDDING.prompt);
    await view.locator('button[data-action="run"]').click();
    await waitDone(page, view);

    // Both traces on one chart, with the threshold.
    const kl = await view.locator('lab-chart[data-chart="kl"]').evaluate((el) => (el as unknown as { plotted: Plotted }).plotted);

    const [download] = await Promise.all([page.waitForEvent('download'), view.locator('button[data-action="export-json"]').click()]);
    const json = JSON.parse(readFileSync((await download.path())!, 'utf8'));

    for (const side of SIDES) {
      const ctx = await ref[side]!.encode(WEDDING.prompt, WEDDING.template);
      const mine = await injectTrace(ref[side]!, ctx, { afterTokens: WEDDING.afterTokens, injection: WEDDING.injection, steps: STEPS, stopIds: await stopIdsFor(ref[side]!, WEDDING.template) });
      const block = view.locator(`[data-inject-model="${side}"]`);
      expect(((await block.getAttribute('data-context')) ?? '').split(',').map(Number)).toEqual(ctx);
      await expectTrace(view, side, mine, 1e-4);
      expect(Math.abs(Number(await block.getAttribute('data-threshold')) - mine.threshold.effective)).toBeLessThan(1e-6);
      await expectDiff(view, side, ref[side]!, mine);
      // Both KLs and the model's threshold τ on one chart.
      const plotted = (label: string) => kl.find((d) => d.label.startsWith(label))?.data as { x: number; y: number }[];
      expect(plotted(`${side} aligned`).map((p) => p.x)).toEqual(mine.trace.filter((p) => p.kl_aligned !== null).map((p) => p.step));
      expect(plotted(`${side} same offset`).map((p) => p.x)).toEqual(mine.trace.filter((p) => p.kl !== null).map((p) => p.step));
      expect(Math.abs(plotted(`${side} threshold`)[0]!.y - mine.threshold.effective)).toBeLessThan(1e-6);
      // The export is the run ({spec, result}); each side's data has the CLI's shape and the same numbers.
      const e = json.result.data[side];
      expect(e.after_tokens).toBe(WEDDING.afterTokens);
      expect(e.clean.continuation).toEqual(mine.clean.continuation);
      expect(e.injected.context).toEqual(mine.injected.context);
      expect(e.injected.continuation).toEqual(mine.injected.continuation);
      expect([e.outcome, e.ended_step, e.recovery_step, e.recovery_offset, e.window]).toEqual([mine.outcome, mine.ended_step, mine.recovery_step, mine.recovery_offset, 8]);
      e.trace.forEach((p: { kl_aligned: number | null; aligned_offset: number | null }, t: number) => {
        near(p.kl_aligned, mine.trace[t]!.kl_aligned, 1e-4, `${side} exported aligned KL at ${t}`);
        expect(p.aligned_offset).toBe(mine.trace[t]!.aligned_offset);
      });
      // The injection is highlighted inside the injected run's text.
      expect((await block.locator('[data-injected] mark').innerText()).trim()).toBe(WEDDING.injection.trim());
      expect(await block.locator('.tokens button').count()).toBe(mine.clean.continuation.length);
    }
    await page.screenshot({ path: join(artifacts, 'inject.png'), fullPage: true });

    // The run-finished event carries a spec and a result that validate, and are what the export holds.
    const finished = (await page.evaluate(() => (window as unknown as { finished: { spec: unknown; result: unknown }[] }).finished)).at(-1)!;
    const spec = injectRunner.validateSpec(finished.spec);
    expect(injectRunner.validateResult(finished.result)).toEqual(finished.result);
    expect(finished).toEqual(json);
    expect(spec.settings).toMatchObject({ sides: ['base', 'tuned'], after_tokens: WEDDING.afterTokens, injection: WEDDING.injection, steps: STEPS, mode: 'greedy' });
    expect(spec.models.tuned!.repo).toMatch(/lab-sft/);
    expect(spec.models.base!.backend).toBe('wasm');

    // A read-only view given the stored run shows the same numbers with no engines (no form, no run button).
    const live = { base: await shownTrace(view, 'base'), tuned: await shownTrace(view, 'tuned') };
    await page.evaluate((run) => {
      const el = document.createElement('inject-view') as HTMLElement & { stored: unknown; readonly: boolean };
      el.id = 'stored-inject';
      el.readonly = true;
      el.stored = { id: 'r1', kind: 'inject', title: 't', notes: '', pinned: false, created: new Date().toISOString(), appVersion: '0', ...run };
      document.body.append(el);
    }, finished);
    const stored = page.locator('#stored-inject');
    await stored.locator('table[data-table="trace"]').waitFor({ state: 'attached' });
    expect(await stored.locator('button[data-action="run"]').count()).toBe(0);
    expect(await stored.locator('#f-prompt').count()).toBe(0);
    for (const side of SIDES) {
      expect(await shownTrace(stored, side)).toEqual(live[side]);
      for (const a of ['data-outcome', 'data-recovery', 'data-recovery-offset', 'data-ended', 'data-threshold', 'data-context']) {
        expect(await stored.locator(`[data-inject-model="${side}"]`).getAttribute(a)).toBe(await view.locator(`[data-inject-model="${side}"]`).getAttribute(a));
      }
      expect(await stored.locator(`[data-inject-model="${side}"] [data-diff]`).innerText()).toBe(await view.locator(`[data-inject-model="${side}"] [data-diff]`).innerText());
    }
    await page.evaluate(() => document.getElementById('stored-inject')?.remove());
  });

  it('a small heatmap equals recoveryHeatmap here', async () => {
    await view.locator('button[data-action="heatmap"]').click();
    await page.waitForFunction(() => {
      const v = document.querySelector('lab-app')?.shadowRoot?.querySelector('inject-view')?.shadowRoot;
      return !!v?.querySelector('table[data-heatmap="tuned"]') || !!v?.querySelector('[data-heat-error]');
    }, null, { timeout: 120_000, polling: 200 });
    for (const side of SIDES) {
      const ctx = await ref[side]!.encode(WEDDING.prompt, WEDDING.template);
      const mine = await recoveryHeatmap(ref[side]!, ctx, [2, 6], [' You are a murderer.'], { steps: STEPS, threshold: 0.1, stopIds: await stopIdsFor(ref[side]!, WEDDING.template) });
      const cells = await view.locator(`table[data-heatmap="${side}"] td.cell`).evaluateAll((tds) => tds.map((td) => ({ rec: td.getAttribute('data-recovery'), outcome: td.getAttribute('data-outcome'), kl: Number(td.getAttribute('data-mean-kl')) })));
      expect(cells).toHaveLength(2);
      cells.forEach((c, j) => {
        expect(c.rec).toBe(mine.recovery[0]![j] === null ? 'none' : String(mine.recovery[0]![j]));
        expect(c.outcome).toBe(mine.outcome[0]![j]);
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
      const shown = (await shownTrace(view, side)).filter((p) => p.pEnd !== null);
      expect(shown.length).toBeGreaterThan(0);
      for (const p of shown) expect([p.kl, p.klAligned, p.offset]).toEqual([0, 0, 0]);
      const block = view.locator(`[data-inject-model="${side}"]`);
      expect(await block.getAttribute('data-recovery')).toBe('0');
      expect(await block.getAttribute('data-outcome')).toBe('recovered');
      // the diff: every column is the same token on both sides
      const ops = await block.locator('[data-diff] .col').evaluateAll((els) => els.map((el) => el.getAttribute('data-op')));
      expect(ops.length).toBe(shown.length);
      expect(new Set(ops)).toEqual(new Set(['same']));
    }
  });

  it('sampled mode: mean and spread over runs equal sampledTraces here', async () => {
    await view.locator('#f-text').fill(WEDDING.injection);
    await view.locator('#f-mode').selectOption('sampled');
    // K = 4: lab-sft's sampled toasts can close the turn before the preset's K = 12 (those seeds are left out)
    await view.locator('#f-k').fill('4');
    await view.locator('#f-runs').fill('2');
    await view.locator('#f-seed').fill('3');
    await view.locator('button[data-action="run"]').click();
    await waitDone(page, view);
    const band = await view.locator('lab-chart[data-chart="kl"]').evaluate((el) => (el as unknown as { plotted: Plotted }).plotted);
    for (const side of SIDES) {
      const ctx = await ref[side]!.encode(WEDDING.prompt, WEDDING.template);
      const mine = await sampledTraces(ref[side]!, ctx, { afterTokens: 4, injection: WEDDING.injection, steps: STEPS, seed: 3, runs: 2, stopIds: await stopIdsFor(ref[side]!, WEDDING.template) });
      expect(band.map((d) => d.label)).toEqual(expect.arrayContaining([`${side} mean aligned`, `${side} min–max`, `${side} no-injection min–max`]));
      const shown = await view.locator('table[data-table="trace"] tbody tr').evaluateAll((trs, side) =>
        trs.map((tr) =>
          ['kl_mean', 'kl_min', 'kl_max', 'control_mean', 'control_min', 'control_max'].map((k) => {
            const a = tr.querySelector(`[data-key="${side}.${k}"]`)?.getAttribute('data-value');
            return a ? Number(a) : null;
          }),
        ),
      side);
      const at = <T extends { step: number }>(xs: T[], t: number) => xs.find((x) => x.step === t) ?? null;
      shown.forEach(([mean, min, max, cMean, cMin, cMax], t) => {
        const b = at(mine.band, t);
        const c = at(mine.control_band, t);
        near(mean, b?.mean ?? null, 1e-4, `${side} mean at ${t}`);
        near(min, b?.min ?? null, 1e-4, `${side} min at ${t}`);
        near(max, b?.max ?? null, 1e-4, `${side} max at ${t}`);
        near(cMean, c?.mean ?? null, 1e-4, `${side} control mean at ${t}`);
        near(cMin, c?.min ?? null, 1e-4, `${side} control min at ${t}`);
        near(cMax, c?.max ?? null, 1e-4, `${side} control max at ${t}`);
      });
      const skipped = view.locator(`[data-inject-model="${side}"] [data-skipped]`);
      expect((await skipped.count()) ? Number(await skipped.getAttribute('data-skipped')) : 0).toBe(mine.skipped.length);
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

describe('injection view on WebGPU (SwiftShader)', () => {
  it('shows the same trace, outcome and aligned diff as onnxruntime-node; the text stays text', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      const injection = ' <b>bold</b> murderer.';
      const q = new URLSearchParams({ backend: 'webgpu', view: 'inject', 'inject.models': 'tuned', 'inject.steps': '4', 'inject.k': '6', 'inject.text': injection });
      await page.goto(`${server.origin}/?${q}`);
      await expectReady(page);
      expect(await pairBackends(page)).toBe('webgpu,webgpu');
      const view = page.locator('inject-view');
      await view.locator('button[data-action="run"]').click();
      await waitDone(page, view);
      const ctx = await ref.tuned!.encode(WEDDING.prompt, WEDDING.template);
      const mine = await injectTrace(ref.tuned!, ctx, { afterTokens: 6, injection, steps: 4, stopIds: await stopIdsFor(ref.tuned!, 'chat') });
      // WebGPU float32 kernels differ from the CPU's: a looser tolerance, same tokens
      await expectTrace(view, 'tuned', mine, 1e-3);
      const cols = await expectDiff(view, 'tuned', ref.tuned!, mine);
      expect(cols.some((c) => c.op === 'injection' && c.injected!.includes('<'))).toBe(true);
      const diff = view.locator('[data-inject-model="tuned"] [data-diff]');
      expect(await diff.locator('b').count()).toBe(0);
      expect(await diff.innerText()).toContain('<');
      expect(await view.locator('[data-inject-model="tuned"] [data-injected] mark b').count()).toBe(0);
      expect(pageErrors).toEqual([]);
      await page.screenshot({ path: join(artifacts, 'inject-webgpu.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });
});
