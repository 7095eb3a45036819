/**
 * The views' templates follow the loaded pair (issue #13), end to end on the built site.
 *
 * WASM: on the default pair (lab-base vs lab-sft) compare starts on URIAL for the base (a link's
 * `compare.baseTemplate` wins), sweep and answers on none / chat; a template chosen in the select goes in
 * the URL, and the family link to another pair leaves it behind; loading lab-sft vs lab-rl in the chooser
 * moves every side whose model changed to that model's default (chat on both sides: both are chat-tuned),
 * in the view on screen and, through the URL, in the others. Then, on
 * lab-sft vs lab-rl, on WASM and on forced WebGPU: the compare, sweep and answers selects show chat on both
 * sides with the reason beside them, and one run of each gives the headline numbers that onnxruntime-node
 * computes here with the library functions (compare(), the tempered entropy of the first distribution,
 * scoreAnswers + answersAt) in the chat template on both sides — as `lab compare --base models/lab-sft
 * --tuned models/lab-rl` reads them.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEngine } from '../src/engine/engine';
import { createNodeEngine } from '../src/engine/node';
import { ANSWER_PRESETS, answersAt, findFrame, normalizedStats, parseChoices, scoreAnswers } from '../src/lab/answers';
import { compare } from '../src/lab/compare';
import { presetFrame } from '../src/lab/templates';
import { answersRuns, expectReady, launchChromium, pairBackends, type Side, entropy64 } from './lab-page';
import { repoRoot, startServer, type StaticServer } from './server';

const SIDES: Side[] = ['base', 'tuned'];
const SWEEP_PROMPT = 'Pick a random number between 1 and 100.';
const COMPARE_MAX = 12;

let server: StaticServer;
let browser: Browser;
/** lab-sft (base) and lab-rl (tuned) on onnxruntime-node. */
const ref = {} as Record<Side, LabEngine>;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  ref.base = createNodeEngine('node');
  ref.tuned = createNodeEngine('node');
  await ref.base.load(join(repoRoot, 'dist', 'models', 'lab-sft'));
  await ref.tuned.load(join(repoRoot, 'dist', 'models', 'lab-rl'));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  for (const side of SIDES) await ref[side]?.dispose();
});


const param = (page: Page, key: string) => new URL(page.url()).searchParams.get(key);

async function tab(page: Page, view: string): Promise<void> {
  await page.locator(`#tab-${view}`).click();
  await page.locator(`lab-app ${view}-view`).waitFor({ state: 'attached' });
}

/** The template selects of a view: [base, tuned]. */
const SELECTS: Record<string, [string, string]> = {
  compare: ['#base-template', '#tuned-template'],
  sweep: ['#f-tb', '#f-tt'],
  answers: ['#template-base', '#template-tuned'],
};

async function selects(page: Page, view: string): Promise<[string, string]> {
  const [b, t] = SELECTS[view]!;
  return [await page.locator(`${view}-view ${b}`).inputValue(), await page.locator(`${view}-view ${t}`).inputValue()];
}

async function hint(page: Page, view: string, side: Side): Promise<string> {
  return (await page.locator(`${view}-view [data-template-hint="${side}"]`).innerText()).trim();
}

/** Wait until a view's selects show `want` and its hints say why (the defaults are worked out from the engines). */
async function expectTemplates(page: Page, view: string, want: [string, string], hints: [RegExp, RegExp]): Promise<void> {
  await expect.poll(async () => [...(await selects(page, view)), await hint(page, view, 'base'), await hint(page, view, 'tuned')].join(' | '), { timeout: 200_000, interval: 250 }).toMatch(
    new RegExp(`^${want[0]} \\| ${want[1]} \\| .*${hints[0].source}.* \\| .*${hints[1].source}`),
  );
}

async function waitState(page: Page, view: string): Promise<void> {
  await page.waitForFunction(
    (v) => {
      const s = document.querySelector('lab-app')?.shadowRoot?.querySelector(`${v}-view`)?.getAttribute('data-view-state');
      return s === 'done' || s === 'error';
    },
    view,
    { timeout: 230_000, polling: 200 },
  );
  const state = await page.locator(`lab-app ${view}-view`).getAttribute('data-view-state');
  if (state !== 'done') throw new Error(`${view} settled in ${state}: ${(await page.locator(`${view}-view .error-box, ${view}-view [data-error]`).allInnerTexts()).join(' | ')}`);
}

const SFT_RL_HINTS: [RegExp, RegExp] = [/lab-sft is chat-tuned: it reads its chat template on the base side too/, /lab-rl is chat-tuned: it reads its chat template/];

/** On lab-sft vs lab-rl (already loaded, compare tab open): every view reads chat on both sides, and one run
 *  of compare, sweep and answers equals the library's computation here in the chat template. */
async function checkSftVsRl(page: Page, tol: number, sameGreedy: boolean): Promise<void> {
  // compare: the "Are bugs real?" preset (the tuned model answers greedily)
  await expectTemplates(page, 'compare', ['chat', 'chat'], SFT_RL_HINTS);
  await page.locator('compare-view #preset-bugs:not([disabled])').waitFor({ timeout: 200_000 });
  await page.locator('compare-view').evaluate((el) => el.setAttribute('data-view-state', 'idle'));
  await page.locator('compare-view #preset-bugs').click();
  await waitState(page, 'compare');
  expect(await selects(page, 'compare')).toEqual(['chat', 'chat']);
  const href = await page.locator('compare-view #export-json').getAttribute('href');
  const json = JSON.parse(await page.evaluate(async (u) => (await fetch(u)).text(), href!)) as Awaited<ReturnType<typeof compare>>;
  expect(json.templates).toEqual({ base: 'chat', tuned: 'chat' });
  const ids = json.response_tokens.map((t) => t.id);
  expect(ids.length).toBeGreaterThan(0);
  if (sameGreedy) {
    // the whole run here, greedy answer included, with the templates the CLI picks for this pair
    const mine = await compare({ base: ref.base, tuned: ref.tuned, prompt: 'Are bugs real?', baseTemplate: 'chat', tunedTemplate: 'chat', maxTokens: COMPARE_MAX, samples: 0 });
    expect(ids, 'greedy answer of lab-rl').toEqual(mine.response_tokens.map((t) => t.id));
  }
  const mine = await compare({ base: ref.base, tuned: ref.tuned, prompt: 'Are bugs real?', responseIds: ids, baseTemplate: 'chat', tunedTemplate: 'chat', samples: 0 });
  expect(json.contexts).toEqual(mine.contexts);
  for (const key of ['unshifted', 'marginal', 'shifted', 'mean_kl'] as const) {
    const shown = Number(await page.locator(`compare-view [data-summary="${key}"]`).getAttribute('data-value'));
    expect(Math.abs(shown - mine.summary[key]), `compare ${key}`).toBeLessThan(tol);
  }
  const bf = page.locator('compare-view [data-summary="branching"]');
  for (const side of SIDES) {
    const want = side === 'base' ? mine.summary.branching_factor_base : mine.summary.branching_factor_tuned;
    expect(Math.abs(Number(await bf.getAttribute(`data-${side}`)) - want) / want, `compare branching factor ${side}`).toBeLessThan(tol);
  }

  // sweep: the exact curves (no sampling)
  await tab(page, 'sweep');
  await expectTemplates(page, 'sweep', ['chat', 'chat'], SFT_RL_HINTS);
  const sweep = page.locator('sweep-view');
  await sweep.locator('button[data-action="exact"]:not([disabled])').waitFor({ timeout: 60_000 });
  await sweep.evaluate((el) => el.setAttribute('data-view-state', 'idle'));
  await sweep.locator('button[data-action="exact"]').click();
  await waitState(page, 'sweep');
  type Plotted = { label: string; data: { x: number; y: number }[] }[];
  const first = await page.locator('sweep-view lab-chart[data-chart="entropy-first"]').evaluate((el) => (el as unknown as { plotted: Plotted }).plotted);
  for (const side of SIDES) {
    const ctx = ((await sweep.locator(`[data-reference-model="${side}"]`).getAttribute('data-context')) ?? '').split(',').map(Number);
    expect(ctx, `sweep ${side} context`).toEqual(await ref[side].encode(SWEEP_PROMPT, 'chat'));
    const { data, dims } = await ref[side].score(ctx);
    const V = dims[1]!;
    const logits = data.slice((ctx.length - 1) * V, ctx.length * V);
    const points = first.find((d) => d.label === side)!.data;
    for (const t of [0.5, 1, 2]) {
      const p = points.find((q) => Math.abs(q.x - t) < 1e-9)!;
      expect(Math.abs(p.y - entropy64(logits, t)), `sweep ${side} H(T=${t})`).toBeLessThan(tol * 10);
    }
  }

  // answers: the d6 preset (each side's frame for its template: a chat-tuned base gets the tuned side's)
  await tab(page, 'answers');
  await expectTemplates(page, 'answers', ['chat', 'chat'], SFT_RL_HINTS);
  const runs = Number((await page.locator('lab-app answers-view').getAttribute('data-runs')) ?? '0');
  await page.locator('answers-view #preset-d6:not([disabled])').waitFor({ timeout: 60_000 });
  await page.locator('answers-view #preset-d6').click();
  expect(await answersRuns(page, runs + 1)).toBe('done');
  expect(await selects(page, 'answers')).toEqual(['chat', 'chat']);
  const d6 = ANSWER_PRESETS.find((p) => p.id === 'd6')!;
  const choices = parseChoices(d6.choices);
  const rows = await page.locator('answers-view #candidates tbody tr').evaluateAll((trs) =>
    trs.map((tr) => ({ candidate: tr.getAttribute('data-candidate') ?? '', base: Number(tr.getAttribute('data-prob-base')), tuned: Number(tr.getAttribute('data-prob-tuned')) })),
  );
  for (const side of SIDES) {
    const e = ref[side];
    const ctx = await e.encode(d6.prompt, 'chat');
    const want = presetFrame(d6.frames, side, 'chat');
    expect(want, 'a chat-tuned side gets the own-opener frame').toBe('auto');
    const frame = (await findFrame(e, ctx, choices, { prefix: d6.prefix, suffix: d6.suffix })).frame;
    const shownIds = ((await page.locator(`answers-view [data-frame-side="${side}"]`).getAttribute('data-frame-ids')) ?? '').split(',').filter(Boolean).map(Number);
    expect(shownIds, `answers ${side} frame`).toEqual(frame);
    const at = answersAt(await scoreAnswers(e, ctx, choices, { prefix: d6.prefix, suffix: d6.suffix, frame }), 1);
    expect(rows).toHaveLength(at.choices.length);
    for (const c of at.choices) expect(Math.abs(rows.find((r) => r.candidate === c.text)![side] - c.prob), `answers ${side} p(${c.text})`).toBeLessThan(tol);
    const stats = normalizedStats(at.choices);
    const stat = async (k: string) => Number(await page.locator(`answers-view [data-stat="${k}"][data-side="${side}"]`).getAttribute('data-value'));
    expect(Math.abs((await stat('mass')) - at.mass), `answers ${side} mass`).toBeLessThan(tol);
    expect(Math.abs((await stat('entropy')) - stats.entropy), `answers ${side} entropy`).toBeLessThan(tol);
  }
}

describe('templates follow the loaded pair', () => {
  it('WASM: the default pair starts on urial/none (a link wins), a choice goes in the URL, loading lab-sft vs lab-rl moves both sides to chat; the runs match the library', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      // A link's template wins over the model's default; the other side follows the model.
      const q = new URLSearchParams({ backend: 'wasm', view: 'compare', 'compare.baseTemplate': 'none', 'compare.samples': '0', 'compare.max': String(COMPARE_MAX) });
      await page.goto(`${server.origin}/?${q}`);
      await expectReady(page);
      await expectTemplates(page, 'compare', ['none', 'chat'], [/Set by the link \(the default is urial: lab-base is pre-trained only/, /Default: lab-sft is chat-tuned/]);
      // The user's choice: back to the default value, and one on the tuned side; both go in the URL.
      await page.locator('compare-view #base-template').selectOption('urial');
      await page.locator('compare-view #tuned-template').selectOption('none');
      await expect.poll(() => [param(page, 'compare.baseTemplate'), param(page, 'compare.tunedTemplate')]).toEqual(['urial', 'none']);
      expect(await hint(page, 'compare', 'base')).toMatch(/^Chosen here \(also the default\)/);

      // The other views on the default pair: base plain text, tuned chat.
      await tab(page, 'sweep');
      await expectTemplates(page, 'sweep', ['none', 'chat'], [/Default: lab-base is pre-trained only \(not chat-tuned\): it reads the prompt as plain text/, /Default: lab-sft is chat-tuned/]);
      await tab(page, 'answers');
      await expectTemplates(page, 'answers', ['none', 'chat'], [/lab-base is pre-trained only/, /lab-sft is chat-tuned/]);
      // Back on compare, the choices are read from the URL.
      await tab(page, 'compare');
      await expectTemplates(page, 'compare', ['urial', 'none'], [/Set by the link/, /Set by the link/]);

      // A choice in answers; the family link to lab-sft vs lab-rl leaves the template choices behind.
      await tab(page, 'answers');
      await page.locator('answers-view #template-base').selectOption('chat');
      await expect.poll(() => param(page, 'answers.templateBase')).toBe('chat');
      await tab(page, 'compare');
      await tab(page, 'answers'); // the link is made when the view renders: now with the choice in the URL
      await expectTemplates(page, 'answers', ['chat', 'chat'], [/Set by the link/, /lab-sft is chat-tuned/]);
      const link = new URL((await page.locator('answers-view family-hint a.family-pair').getAttribute('href')) ?? '', server.origin).searchParams;
      expect([link.get('base'), link.get('tuned')]).toEqual(['./models/lab-sft/', './models/lab-rl/']);
      expect(['answers.templateBase', 'compare.baseTemplate', 'compare.tunedTemplate'].map((k) => link.get(k))).toEqual([null, null, null]);
      expect(link.get('compare.samples')).toBe('0');

      // lab-sft vs lab-rl in the chooser, from the sweep tab: both sides' models change, so the sweep view
      // moves both sides to their new defaults, and the other views' choices leave the URL.
      await tab(page, 'sweep');
      await page.locator('pair-chooser #lab-base-side').selectOption('lab-sft');
      await page.locator('pair-chooser #lab-tuned-side').selectOption('lab-rl');
      await page.locator('pair-chooser button[type="submit"]').click();
      await expectTemplates(page, 'sweep', ['chat', 'chat'], SFT_RL_HINTS);
      expect(['compare.baseTemplate', 'compare.tunedTemplate', 'answers.templateBase', 'sweep.tb', 'sweep.tt'].map((k) => param(page, k))).toEqual([null, null, null, null, null]);
      await expectReady(page);
      expect(await pairBackends(page)).toBe('wasm,wasm');

      await tab(page, 'compare');
      await checkSftVsRl(page, 1e-4, true);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 900_000);

  it('WebGPU (forced): lab-sft vs lab-rl by link reads chat on both sides in every view; the runs match the library', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      const q = new URLSearchParams({ backend: 'webgpu', base: 'lab-sft', tuned: 'lab-rl', view: 'compare', 'compare.samples': '0', 'compare.max': String(COMPARE_MAX) });
      await page.goto(`${server.origin}/?${q}`);
      await expectReady(page);
      expect(await pairBackends(page)).toBe('webgpu,webgpu');
      await checkSftVsRl(page, 2e-3, false);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 900_000);
});
