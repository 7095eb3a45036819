/**
 * The step-through explorer (`?view=explore`), end to end on the built site with the WASM backend:
 * keyboard stepping, forcing an alternative, backtracking, branching, switching branches, reopening
 * the link, the numbers against onnxruntime-node in this process (softmax, processed distribution and
 * path log-probabilities computed here), and model text that looks like HTML.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { LabEngine } from '../src/engine/engine';
import { expectReady, pairBackends, type Side } from './lab-page';
import { ARTIFACTS as artifacts, useLabSetup } from './lab-setup';
import type { StaticServer } from './server';

const PROMPT = 'The old man looked at the';
const SIDES: Side[] = ['base', 'tuned'];
/** Sampling settings in the link; the test recomputes the processed distribution with them. */
const T = 0.7;
const TOP_K = 20;

let server: StaticServer;
let browser: Browser;
let reference: Partial<Record<Side, LabEngine>> = {};

interface Column {
  context: number[];
  entropy: number;
  massOutside: number;
  rows: { id: number; rank: number; prob: number; logprob: number; processed: number; text: string }[];
}

interface Shown {
  path: number[];
  node: number;
  columns: Partial<Record<Side, Column>>;
  pathLogprob: Partial<Record<Side, number>>;
}

/** log-softmax in float64, written here independently of src/lab. */
function logSoftmax64(logits: ArrayLike<number>, t = 1): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]! / t);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! / t - max);
  const lse = max + Math.log(sum);
  return Float64Array.from({ length: logits.length }, (_, i) => logits[i]! / t - lse);
}

async function referenceRows(side: Side, ids: number[]): Promise<Float32Array> {
  const { data, dims } = await reference[side]!.score(ids);
  return data;
  void dims;
}

function rowOf(data: Float32Array, i: number, V: number): Float32Array {
  return data.subarray(i * V, (i + 1) * V);
}

async function view(page: Page): Promise<Shown> {
  const stage = page.locator('explore-view .stage');
  const path = ((await stage.getAttribute('data-path')) ?? '').split('.').filter(Boolean).map(Number);
  const node = Number(await stage.getAttribute('data-node'));
  const columns: Shown['columns'] = {};
  const pathLogprob: Shown['pathLogprob'] = {};
  for (const side of SIDES) {
    const col = page.locator(`explore-view section.model[data-model="${side}"]`);
    if ((await col.count()) === 0) continue;
    const rows = await col.locator('table.dist tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({
        id: Number(tr.getAttribute('data-token-id')),
        rank: Number(tr.getAttribute('data-rank')),
        prob: Number(tr.getAttribute('data-prob')),
        logprob: Number(tr.getAttribute('data-logprob')),
        processed: Number(tr.getAttribute('data-processed-prob')),
        text: tr.querySelector('td.token')?.textContent ?? '',
      })),
    );
    columns[side] = {
      context: ((await col.getAttribute('data-context')) ?? '').split(',').filter(Boolean).map(Number),
      entropy: Number(await col.getAttribute('data-entropy')),
      massOutside: Number(await col.getAttribute('data-mass-outside')),
      rows,
    };
    pathLogprob[side] = Number(await page.locator(`explore-view [data-path-logprob][data-model="${side}"]`).getAttribute('data-path-logprob'));
  }
  return { path, node, columns, pathLogprob };
}

/** Wait until the explorer is idle with a path of `length` tokens (any length when omitted). */
async function idle(page: Page, length?: number): Promise<Shown> {
  await page.waitForFunction(
    (n) => {
      const v = document.querySelector('lab-app')?.shadowRoot?.querySelector('explore-view') as HTMLElement | null;
      const stage = v?.shadowRoot?.querySelector('.stage') as HTMLElement | null;
      if (!v || !stage || v.dataset['viewState'] !== 'done' || stage.dataset['busy'] !== '0') return false;
      const path = (stage.dataset['path'] ?? '').split('.').filter(Boolean);
      return n === null || path.length === n;
    },
    length ?? null,
    { timeout: 60_000, polling: 100 },
  );
  return view(page);
}

async function press(page: Page, key: string, length: number): Promise<Shown> {
  await page.keyboard.press(key);
  return idle(page, length);
}

/** Every shown number against onnxruntime-node for the shown context (one scoring pass per model). */
async function expectMatchesReference(shown: Shown, tol = 1e-4): Promise<void> {
  for (const side of SIDES) {
    const col = shown.columns[side]!;
    const data = await referenceRows(side, col.context);
    const V = data.length / col.context.length;
    const logits = rowOf(data, col.context.length - 1, V);
    const lp = logSoftmax64(logits);
    let h = 0;
    for (const l of lp) h -= Math.exp(l) * l;
    expect(Math.abs(col.entropy - h), `${side} entropy`).toBeLessThan(tol);
    // Processed: softmax at T, keep the top-k, renormalise.
    const lpT = logSoftmax64(logits, T);
    const order = Array.from(lpT.keys()).sort((a, b) => lpT[b]! - lpT[a]!);
    const kept = new Set(order.slice(0, TOP_K));
    let keptMass = 0;
    for (const id of kept) keptMass += Math.exp(lpT[id]!);
    let listed = 0;
    col.rows.forEach((r, i) => {
      const rank = 1 + Array.from(logits).filter((x) => x > logits[r.id]!).length;
      expect(r.rank).toBe(i + 1);
      expect(Math.abs(rank - r.rank), `${side} rank of ${r.id}`).toBeLessThanOrEqual(1); // ties within float noise
      expect(Math.abs(r.prob - Math.exp(lp[r.id]!)), `${side} prob of ${r.id}`).toBeLessThan(tol);
      expect(Math.abs(r.logprob - lp[r.id]!), `${side} logprob of ${r.id}`).toBeLessThan(tol);
      const processed = kept.has(r.id) ? Math.exp(lpT[r.id]!) / keptMass : 0;
      expect(Math.abs(r.processed - processed), `${side} processed prob of ${r.id}`).toBeLessThan(tol);
      listed += Math.exp(lp[r.id]!);
    });
    expect(Math.abs(col.massOutside - (1 - listed)), `${side} mass outside`).toBeLessThan(tol);
    // The path's log-probability = sum of the edge log-probabilities, from one teacher-forced pass.
    const P = col.context.length - shown.path.length;
    let pathLp = 0;
    shown.path.forEach((id, j) => (pathLp += logSoftmax64(rowOf(data, P - 1 + j, V))[id]!));
    expect(Math.abs(shown.pathLogprob[side]! - pathLp), `${side} path log-probability`).toBeLessThan(tol);
  }
}

useLabSetup((s) => ({ server, browser, pair: reference } = s));

describe('the explorer (loom)', () => {
  it('steps, forces, backtracks, branches and switches with the keyboard; a reload finds the same branch; numbers match onnxruntime-node', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      const q = new URLSearchParams({ backend: 'wasm', view: 'explore', 'explore.prompt': PROMPT, 'explore.t': String(T), 'explore.topk': String(TOP_K), 'explore.seed': '3' });
      await page.goto(`${server.origin}/?${q}`);
      await expectReady(page);
      let shown = await idle(page, 0);
      const prompt = await reference.tuned!.encode(PROMPT, 'none');
      expect(shown.columns.tuned!.context).toEqual(prompt);
      expect(shown.columns.base!.context).toEqual(prompt);

      await page.locator('explore-view .stage').focus();
      shown = await press(page, 's', 1);
      shown = await press(page, 'ArrowRight', 2);
      expect(shown.columns.tuned!.context).toEqual([...prompt, ...shown.path]);
      await expectMatchesReference(shown);

      // Force the tuned model's rank-2 token, back, branch with rank 3, switch back to the first branch.
      const second = shown.columns.tuned!.rows[1]!.id;
      const third = shown.columns.tuned!.rows[2]!.id;
      const stem = shown.path;
      shown = await press(page, '2', 3);
      expect(shown.path).toEqual([...stem, second]);
      const forcedNode = shown.node;
      shown = await press(page, 'ArrowLeft', 2);
      expect(shown.path).toEqual(stem);
      shown = await press(page, '3', 3);
      expect(shown.path).toEqual([...stem, third]);
      // The loom: the stem, then two branches.
      expect(await page.locator('explore-view .tree li').count()).toBe(3);
      shown = await press(page, 'ArrowUp', 3);
      expect(shown.path).toEqual([...stem, second]);
      expect(shown.node).toBe(forcedNode);
      shown = await press(page, 'ArrowDown', 3);
      expect(shown.path).toEqual([...stem, third]);
      shown = await press(page, 's', 4);
      await expectMatchesReference(shown);
      // The popover of a token lists the alternatives at that position.
      await page.locator(`explore-view .text .tok[data-node]`).nth(2).hover();
      await expect(page.locator('explore-view .pop').count()).resolves.toBe(1);
      await page.screenshot({ path: join(artifacts, 'explore.png') });
      await page.mouse.move(0, 0);
      await page.screenshot({ path: join(artifacts, 'explore-full.png'), fullPage: true });

      // The link reopens the same branch (the path is in the URL as token ids).
      const url = page.url();
      expect(new URL(url).searchParams.get('explore.path')).toBe(shown.path.join('.'));
      await page.reload();
      await expectReady(page);
      const again = await idle(page, 4);
      expect(again.path).toEqual(shown.path);
      await expectMatchesReference(again);

      // "Save this path": the path as a loom run (per step, both models), numbers from onnxruntime-node here.
      const runs: unknown[] = [];
      await page.exposeFunction('__runFinished', (kind: string) => void runs.push(kind));
      await page.evaluate(() => document.querySelector('lab-app')!.shadowRoot!.querySelector('explore-view')!.addEventListener('run-finished', (e) => (window as unknown as { __runFinished(k: string): void }).__runFinished((e as Event & { result: { kind: string } }).result.kind)));
      await page.locator('explore-view [data-save-path]').click();
      const saved = page.locator('explore-view [data-path-result]');
      await saved.waitFor({ timeout: 60_000 });
      expect(await saved.getAttribute('data-path')).toBe(again.path.join('.'));
      const steps = await saved.locator('tbody tr').evaluateAll((trs) =>
        trs.map((tr) => ({
          kl: Number(tr.getAttribute('data-kl')),
          p: Object.fromEntries([...tr.querySelectorAll('[data-model][data-prob]')].map((td) => [td.getAttribute('data-model'), td.getAttribute('data-prob')])),
        })),
      );
      expect(steps).toHaveLength(again.path.length + 1);
      const full = [...prompt, ...again.path];
      const lps: Partial<Record<Side, Float64Array[]>> = {};
      for (const side of SIDES) {
        const data = await referenceRows(side, full);
        const V = data.length / full.length;
        lps[side] = steps.map((_, i) => logSoftmax64(rowOf(data, prompt.length - 1 + i, V)));
      }
      steps.forEach((st, i) => {
        for (const side of SIDES) {
          if (i < again.path.length) expect(Math.abs(Number(st.p[side]) - Math.exp(lps[side]![i]![again.path[i]!]!)), `step ${i} ${side} p`).toBeLessThan(1e-4);
          else expect(st.p[side]).toBe('');
        }
        const t = lps.tuned![i]!;
        const b = lps.base![i]!;
        let kl = 0;
        for (let j = 0; j < t.length; j++) kl += Math.exp(t[j]!) * (t[j]! - b[j]!);
        expect(Math.abs(st.kl - kl), `step ${i} KL`).toBeLessThan(1e-4);
      });
      await expect.poll(() => runs).toEqual(['loom']);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('on WebGPU (forced, SwiftShader): steps, forces and branches; numbers match onnxruntime-node to 2e-3', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      const q = new URLSearchParams({ backend: 'webgpu', view: 'explore', 'explore.prompt': PROMPT, 'explore.t': String(T), 'explore.topk': String(TOP_K), 'explore.seed': '3' });
      await page.goto(`${server.origin}/?${q}`);
      await expectReady(page);
      expect(await pairBackends(page)).toBe('webgpu,webgpu');
      let shown = await idle(page, 0);
      await page.locator('explore-view .stage').focus();
      shown = await press(page, 's', 1);
      await expectMatchesReference(shown, 2e-3);
      const stem = shown.path;
      const second = shown.columns.tuned!.rows[1]!.id;
      shown = await press(page, '2', 2);
      expect(shown.path).toEqual([...stem, second]);
      shown = await press(page, 'ArrowLeft', 1);
      shown = await press(page, '3', 2);
      expect(await page.locator('explore-view .tree li').count()).toBe(3);
      await expectMatchesReference(shown, 2e-3);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows model and typed text like <script> as text; autoplay streams and stops', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    try {
      await page.goto(`${server.origin}/?backend=wasm&view=explore&explore.models=tuned`);
      await expectReady(page);
      await idle(page, 0);
      expect(await page.locator('explore-view section.model').count()).toBe(1);
      const hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>';
      const ids = await reference.tuned!.encodeContinuation(hostile);
      await page.locator('explore-view input[name="insert"]').fill(hostile);
      await page.locator('explore-view input[name="insert"]').press('Enter');
      const shown = await idle(page, ids.length);
      expect(shown.path).toEqual(ids);
      expect(await page.locator('explore-view .text').textContent()).toContain(hostile);
      const injected = await page.evaluate(() => {
        const v = document.querySelector('lab-app')!.shadowRoot!.querySelector('explore-view')!.shadowRoot!;
        return v.querySelectorAll('script, img').length;
      });
      expect(injected).toBe(0);
      // A vocabulary search finds '<' tokens and shows them as text with their probability and rank.
      await page.locator('explore-view input[name="query"]').fill('<');
      await page.locator('explore-view [data-hit]').first().waitFor();
      expect(await page.locator('explore-view [data-hit] code').first().textContent()).toContain('<');

      // Autoplay 40 tokens, Stop early or let it finish: the path grows, then the view is idle again.
      await page.locator('explore-view input[name="autoN"]').fill('40');
      await page.locator('explore-view input[name="autoN"]').dispatchEvent('change');
      await page.locator('explore-view [data-play]').click();
      await page.waitForFunction(
        (n) => {
          const stage = document.querySelector('lab-app')?.shadowRoot?.querySelector('explore-view')?.shadowRoot?.querySelector('.stage') as HTMLElement | null;
          return (stage?.dataset['path'] ?? '').split('.').length > n + 2;
        },
        ids.length,
        { timeout: 60_000, polling: 50 },
      );
      const stop = page.locator('explore-view [data-stop]');
      if (await stop.count()) await stop.click();
      const after = await idle(page);
      expect(after.path.length).toBeGreaterThan(ids.length + 2);
      expect(after.path.length).toBeLessThanOrEqual(ids.length + 40);
      expect(after.path.slice(0, ids.length)).toEqual(ids);
      expect(dialogs).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
