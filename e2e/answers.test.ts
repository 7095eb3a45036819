/**
 * The answers view (issue 7), end to end on the built site with the WASM backend: the d6 preset scores
 * on both models; every probability the page holds (data-* attributes, full precision) equals
 * `scoreAnswers` + `answersAt` run in this process on onnxruntime-node with the same inputs; moving the
 * temperature slider re-tempers to `answersAt(scores, T)` without scoring again.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { LabEngine } from '../src/engine/engine';
import { ANSWER_PRESETS, answersAt, findFrame, freeAnswers, normalizedStats, parseChoices, scoreAnswers, type AnswerScores } from '../src/lab/answers';
import { answersRunner, SLIDER_TEMPERATURES } from '../src/lab/experiments/answers';
import { answersRuns, pairBackends } from './lab-page';
import { ARTIFACTS as artifacts, useLabSetup } from './lab-setup';
import type { StaticServer } from './server';

type Side = 'base' | 'tuned';
const SIDES: Side[] = ['base', 'tuned'];

let server: StaticServer;
let browser: Browser;
let engines: Partial<Record<Side, LabEngine>> = {};
/** How the views read the prompt by default: base plain, tuned in its chat template. */
const templates = { base: 'none', tuned: 'chat' } as const;

interface ShownRow {
  candidate: string;
  prob: Record<Side, number>;
  share: Record<Side, number>;
}

async function readRows(page: Page): Promise<ShownRow[]> {
  return page.locator('answers-view #candidates tbody tr').evaluateAll((trs) =>
    trs.map((tr) => {
      const d = (k: string) => Number(tr.getAttribute(`data-${k}`));
      return {
        candidate: tr.getAttribute('data-candidate') ?? '',
        prob: { base: d('prob-base'), tuned: d('prob-tuned') },
        share: { base: d('share-base'), tuned: d('share-tuned') },
      };
    }),
  );
}

async function readStat(page: Page, stat: string, side: Side): Promise<number> {
  return Number(await page.locator(`answers-view [data-stat="${stat}"][data-side="${side}"]`).getAttribute('data-value'));
}

/** Page numbers against the reference distribution at temperature t. */
/** The reference for a preset, computed here on onnxruntime-node: base reads the prompt plain, tuned in its
 *  chat template, each model's frame as the preset says (typed, or its own opener found greedily, found here
 *  again and checked against the frame the page shows). */
async function presetScores(page: Page, preset: (typeof ANSWER_PRESETS)[number]): Promise<Record<Side, AnswerScores>> {
  const choices = parseChoices(preset.choices);
  const scores = {} as Record<Side, AnswerScores>;
  for (const side of SIDES) {
    const e = engines[side]!;
    const ctx = await e.encode(preset.prompt, templates[side]);
    const want = preset.frames[side];
    const frame = want === 'auto' ? (await findFrame(e, ctx, choices, { prefix: preset.prefix, suffix: preset.suffix })).frame : want ? await e.encodeContinuation(want) : [];
    const shownIds = ((await page.locator(`answers-view [data-frame-side="${side}"]`).getAttribute('data-frame-ids')) ?? '').split(',').filter(Boolean).map(Number);
    expect(shownIds, `${side} frame (${preset.id})`).toEqual(frame);
    scores[side] = await scoreAnswers(e, ctx, choices, { prefix: preset.prefix, suffix: preset.suffix, frame });
  }
  return scores;
}

async function expectMatches(page: Page, scores: Record<Side, AnswerScores>, t: number, TOL = 1e-4): Promise<void> {
  const rows = await readRows(page);
  for (const side of SIDES) {
    const ref = answersAt(scores[side], t);
    expect(rows).toHaveLength(ref.choices.length);
    const byText = new Map(ref.choices.map((c) => [c.text, c]));
    // Shares computed here independently: p_i / Σ p.
    const total = ref.choices.reduce((s, c) => s + c.prob, 0);
    for (const row of rows) {
      const c = byText.get(row.candidate)!;
      expect(c, row.candidate).toBeDefined();
      expect(Math.abs(row.prob[side] - c.prob), `${side} p(${row.candidate}) at T=${t}`).toBeLessThan(TOL);
      expect(Math.abs(row.share[side] - c.prob / total), `${side} share(${row.candidate}) at T=${t}`).toBeLessThan(TOL);
    }
    expect(Math.abs((await readStat(page, 'mass', side)) - ref.mass)).toBeLessThan(TOL);
    const stats = normalizedStats(ref.choices);
    expect(Math.abs((await readStat(page, 'entropy', side)) - stats.entropy)).toBeLessThan(TOL);
    expect(Math.abs((await readStat(page, 'kl_uniform', side)) - stats.kl_uniform)).toBeLessThan(TOL);
    expect(Math.abs((await readStat(page, 'chi2', side)) - stats.chi2)).toBeLessThan(TOL);
    expect(Math.abs((await readStat(page, 'top1', side)) - stats.top1.prob)).toBeLessThan(TOL);
  }
}

useLabSetup((s) => ({ server, browser, pair: engines } = s));

describe('answers view', () => {
  it('scores the d6 preset on both models, matches scoreAnswers + answersAt, and re-tempers without scoring again', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      await page.goto(`${server.origin}/?backend=wasm&view=answers`);
      // Every finished run is announced with its spec and result (the app saves them to the library).
      await page.evaluate(() => {
        const w = window as unknown as { finished: unknown[] };
        w.finished = [];
        document.addEventListener('run-finished', (e) => w.finished.push(JSON.parse(JSON.stringify({ spec: (e as unknown as { spec: unknown }).spec, result: (e as unknown as { result: unknown }).result }))));
      });
      const view = page.locator('lab-app answers-view'); // the app's view (a stored read-only one is added beside it below)
      await page.locator('answers-view #preset-d6:not([disabled])').waitFor({ timeout: 200_000 });
      const t0 = Date.now();
      await page.locator('answers-view #preset-d6').click();
      await answersRuns(page, 1);
      console.log(`d6 scored in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      expect(await view.getAttribute('data-view-state')).toBe('done');

      // The reference: the same inputs in this process (base reads the prompt plain, tuned in its chat template),
      // each model's frame as the preset says: typed, or its own opener found greedily (found here again).
      const d6 = ANSWER_PRESETS.find((p) => p.id === 'd6')!;
      const scores = await presetScores(page, d6);
      await expectMatches(page, scores, 1);
      // Below 50% covered mass a model gets a clear warning; at or above, none.
      for (const side of SIDES) {
        const mass = answersAt(scores[side], 1).mass;
        expect(await page.locator(`answers-view [data-low-mass="${side}"]`).count(), `${side} low-mass warning at mass ${mass}`).toBe(mass < 0.5 ? 1 : 0);
      }
      // The published rows sit beside the lab models' raw probabilities of the same answers.
      const published = await page.locator('answers-view #published tr[data-published-row]').evaluateAll((trs) =>
        trs.map((tr) => ({ model: tr.getAttribute('data-published-row'), lab: Number(tr.querySelector('[data-lab-prob]')?.getAttribute('data-lab-prob')) })),
      );
      expect(published.map((r) => r.model)).toEqual(d6.published!.rows.map((r) => r.model));
      d6.published!.rows.forEach((row, i) => {
        const side: Side = row.model === 'davinci' ? 'base' : 'tuned';
        const want = answersAt(scores[side], 1).choices.find((c) => c.text === row.answer)!.prob;
        expect(Math.abs(published[i]!.lab - want)).toBeLessThan(1e-4);
      });

      // The slider re-tempers exactly, with no new scoring run.
      for (const t of [0.5, 2.25]) {
        await page.locator('answers-view #temperature').fill(String(t));
        await page.waitForFunction((want) => document.querySelector('lab-app')?.shadowRoot?.querySelector('answers-view')?.getAttribute('data-temperature') === want, String(t));
        await expectMatches(page, scores, t);
      }
      expect(await view.getAttribute('data-runs')).toBe('1');
      await page.locator('answers-view #temperature').fill('1');
      await page.screenshot({ path: join(artifacts, 'answers.png'), fullPage: true });

      // The run-finished event carries a spec and a result that validate; the spec says what ran.
      const finished = (await page.evaluate(() => (window as unknown as { finished: { spec: unknown; result: unknown }[] }).finished)).at(-1)!;
      const spec = answersRunner.validateSpec(finished.spec);
      expect(answersRunner.validateResult(finished.result)).toEqual(finished.result);
      expect(spec.prompt).toBe(d6.prompt);
      expect(spec.settings).toMatchObject({ sides: ['base', 'tuned'], choices: d6.choices, prefix: d6.prefix, preset: 'd6', temperature: 1, temperatures: SLIDER_TEMPERATURES });
      expect(spec.models.base!.backend).toBe('wasm');

      // A read-only view given the stored run shows the same numbers with no engines, at T = 1 and re-tempered.
      const before = await readRows(page);
      await page.evaluate((run) => {
        const el = document.createElement('answers-view') as HTMLElement & { stored: unknown; readonly: boolean };
        el.id = 'stored-answers';
        el.readonly = true;
        el.stored = { id: 'r1', kind: 'answers', title: 't', notes: '', pinned: false, created: new Date().toISOString(), appVersion: '0', ...run };
        document.body.append(el);
      }, finished);
      const stored = page.locator('#stored-answers');
      await stored.locator('#candidates').waitFor({ state: 'attached' });
      expect(await stored.locator('#run').count()).toBe(0);
      expect(await stored.locator('#prompt').count()).toBe(0);
      const storedRows = await stored.locator('#candidates tbody tr').evaluateAll((trs) =>
        trs.map((tr) => ({ candidate: tr.getAttribute('data-candidate'), pb: tr.getAttribute('data-prob-base'), pt: tr.getAttribute('data-prob-tuned'), sb: tr.getAttribute('data-share-base'), st: tr.getAttribute('data-share-tuned') })),
      );
      expect(storedRows.map((r) => ({ candidate: r.candidate!, prob: { base: Number(r.pb), tuned: Number(r.pt) }, share: { base: Number(r.sb), tuned: Number(r.st) } }))).toEqual(before);
      for (const side of SIDES) {
        for (const stat of ['mass', 'entropy', 'kl_uniform', 'chi2', 'top1']) {
          expect(await stored.locator(`[data-stat="${stat}"][data-side="${side}"]`).getAttribute('data-value')).toBe(await view.locator(`[data-stat="${stat}"][data-side="${side}"]`).getAttribute('data-value'));
        }
      }
      await stored.locator('#temperature').fill('2.25');
      await page.waitForFunction(() => document.getElementById('stored-answers')?.getAttribute('data-temperature') === '2.25');
      for (const side of SIDES) {
        const ref = answersAt(scores[side], 2.25);
        expect(Math.abs(Number(await stored.locator(`[data-stat="mass"][data-side="${side}"]`).getAttribute('data-value')) - ref.mass)).toBeLessThan(1e-4);
      }
      await page.evaluate(() => document.getElementById('stored-answers')?.remove());

      // A bad candidate list is reported and loses nothing typed.
      await page.locator('answers-view #choices').fill('6..1');
      await page.locator('answers-view #run').click();
      await expect.poll(() => view.getAttribute('data-view-state')).toBe('error');
      expect(await page.locator('answers-view .error-box').innerText()).toMatch(/empty range/);
      expect(await page.locator('answers-view #choices').inputValue()).toBe('6..1');

      // Overlapping candidates are explained, and one click on the terminators makes them exclusive.
      const waitRuns = (n: number) => answersRuns(page, n, 200_000);
      await page.locator('answers-view #choices').fill('Yes\nYes, it is\nNo');
      await page.locator('answers-view #run').click();
      await waitRuns(2);
      expect(await view.getAttribute('data-view-state')).toBe('done');
      await page.locator('answers-view #warnings').screenshot({ path: join(artifacts, 'answers-warnings.png') });
      expect(await page.locator('answers-view #warnings').innerText()).toMatch(/"Yes" is also the start of "Yes, it is"/);
      await page.locator('answers-view #exclusive').click();
      expect(await page.locator('answers-view #suffix-tuned').inputValue()).toBe('<|im_end|>');
      expect(await page.locator('answers-view #suffix-base').inputValue()).toBe('\\n');
      await page.locator('answers-view #run').click();
      await waitRuns(3);
      expect(await view.getAttribute('data-view-state')).toBe('done');
      expect(await page.locator('answers-view #warnings').count()).toBe(0);

      // Candidates no model would write: the low-mass warning names each model and its covered mass.
      await page.locator('answers-view #choices').fill('Zqxv\nVqzx');
      await page.locator('answers-view #run').click();
      await waitRuns(4);
      for (const side of SIDES) {
        const item = page.locator(`answers-view [data-low-mass="${side}"]`);
        expect(await item.count()).toBe(1);
        expect(Math.abs(Number(await item.getAttribute('data-value')) - (await readStat(page, 'mass', side)))).toBeLessThan(1e-12);
      }
      expect(await page.locator('answers-view #low-mass').innerText()).toMatch(/Low mass/);
      await page.locator('answers-view #low-mass').screenshot({ path: join(artifacts, 'answers-low-mass.png') });

      // Free answers: N samples per model, classified; the counts equal freeAnswers() here (same seed, T = 1).
      await page.locator('answers-view #choices').fill('1..100');
      await page.locator('answers-view #run').click();
      await waitRuns(5);
      await page.locator('answers-view #free-n').fill('4');
      await page.locator('answers-view #free-n').dispatchEvent('change');
      await page.locator('answers-view #free-run').click();
      await page.locator('answers-view #free-table').waitFor({ timeout: 120_000 });
      for (const side of SIDES) {
        const e = engines[side]!;
        const mine = await freeAnswers(e, await e.encode(d6.prompt, templates[side]), parseChoices('1..100'), { samples: 4, maxTokens: 24, seed: 0, temperature: 1, regex: /(\d+)/u });
        const other = Number(await page.locator('answers-view #free-table tr[data-free-other]').getAttribute(`data-${side}`));
        expect(other, `${side} other`).toBe(mine.other);
        for (const c of mine.counts.filter((x) => x.count > 0)) {
          expect(Number(await page.locator(`answers-view #free-table tr[data-free="${c.text}"]`).getAttribute(`data-${side}`))).toBe(c.count);
        }
      }
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 420_000); // five scoring runs (each re-tempered at the slider's 59 positions) and free answers

  it('on WebGPU (SwiftShader), candidates no model would write get the low-mass warning', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      const q = new URLSearchParams({ backend: 'webgpu', view: 'answers', 'answers.prompt': 'Pick one.', 'answers.choices': 'Zqxv\nVqzx', 'answers.prefix': ' ' });
      await page.goto(`${server.origin}/?${q}`);
      const view = page.locator('answers-view');
      await page.locator('answers-view #run:not([disabled])').waitFor({ timeout: 200_000 });
      await page.locator('answers-view #run').click();
      await answersRuns(page, 1);
      expect(await view.getAttribute('data-view-state')).toBe('done');
      for (const side of SIDES) {
        const e = engines[side]!;
        const ref = answersAt(await scoreAnswers(e, await e.encode('Pick one.', side === 'base' ? 'none' : 'chat'), ['Zqxv', 'Vqzx'], { prefix: ' ' }));
        expect(ref.mass).toBeLessThan(0.5);
        const item = page.locator(`answers-view [data-low-mass="${side}"]`);
        expect(await item.count()).toBe(1);
        expect(Math.abs(Number(await item.getAttribute('data-value')) - ref.mass)).toBeLessThan(1e-3 * ref.mass + 1e-9);
      }
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('on WebGPU (forced, SwiftShader): the d6 and "Are bugs real?" presets score and match onnxruntime-node to 2e-3', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      await page.goto(`${server.origin}/?backend=webgpu&view=answers`);
      const view = page.locator('answers-view');
      await page.locator('answers-view #preset-d6:not([disabled])').waitFor({ timeout: 200_000 });
      expect(await pairBackends(page)).toBe('webgpu,webgpu');
      let runs = 0;
      for (const id of ['d6', 'bugs']) {
        await page.locator(`answers-view #preset-${id}`).click();
        runs++;
        await answersRuns(page, runs);
        expect(await view.getAttribute('data-view-state'), (await page.locator('answers-view .error-box').allInnerTexts()).join(' ')).toBe('done');
        const scores = await presetScores(page, ANSWER_PRESETS.find((p) => p.id === id)!);
        await expectMatches(page, scores, 1, 2e-3);
      }
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
