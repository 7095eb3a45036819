/**
 * The lab-grown family on the built site (WASM): lab-sft vs lab-rl chosen by name in the URL loads, the
 * answers view's d6 preset runs on that pair, the chooser shows the two siblings, and the family panel
 * shows lab-sft's tuning corpus and lab-rl's reward, whose score for a typed answer equals the reward
 * computed here in Node from the same reward.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { parseRewardSpec, scoreAnswer } from '../src/lab/reward';
import { answersRuns, expectReady, readPanel } from './lab-page';
import { useLabSetup } from './lab-setup';
import { repoRoot, type StaticServer } from './server';

let server: StaticServer;
let browser: Browser;
const spec = parseRewardSpec(JSON.parse(readFileSync(join(repoRoot, 'dist', 'models', 'lab-rl', 'reward.json'), 'utf8')));
const corpusRows = readFileSync(join(repoRoot, 'dist', 'models', 'lab-sft', 'tuning-corpus.jsonl'), 'utf8').trim().split('\n').length;

useLabSetup((s) => ({ server, browser } = s), { pair: false });

describe('the lab-grown family on the page', () => {
  it('lab-sft vs lab-rl by name: d6 preset, chooser, tuning corpus, reward scorer', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      await page.goto(`${server.origin}/?backend=wasm&view=answers&base=lab-sft&tuned=lab-rl`);
      await page.locator('answers-view #preset-d6:not([disabled])').waitFor({ timeout: 200_000 });
      await page.locator('answers-view #preset-d6').click();
      await answersRuns(page, 1);
      expect(await page.locator('answers-view').getAttribute('data-view-state')).toBe('done');

      // the answers view's presets suggest lab-sft vs lab-rl, which is loaded: no link to switch
      expect(await page.locator('answers-view family-hint a.family-pair').count()).toBe(0);
      expect(await page.locator('pair-chooser #lab-base-side').inputValue()).toBe('lab-sft');
      expect(await page.locator('pair-chooser #lab-tuned-side').inputValue()).toBe('lab-rl');
      expect(await page.locator('family-panel details.sibling').evaluateAll((els) => els.map((e) => e.getAttribute('data-sibling')))).toEqual(['lab-sft', 'lab-rl']);

      // lab-sft's tuning corpus: the kinds with their counts add up to the file's dialogs; rows are shown as text.
      await page.locator('family-panel details[data-sibling="lab-sft"] > summary').click();
      await page.locator('family-panel details[data-sibling="lab-sft"] details.corpus > summary').click();
      await page.locator('family-panel .corpus-rows tbody tr').first().waitFor({ timeout: 30_000 });
      const counts = await page.locator('family-panel .corpus-kind option').evaluateAll((os) => os.map((o) => Number(/\((\d+)\)$/.exec(o.textContent ?? '')?.[1])));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(corpusRows);
      await page.locator('family-panel .corpus-kind').selectOption('dice');
      const diceRows = await page.locator('family-panel .corpus-rows tbody tr').count();
      expect(diceRows).toBeGreaterThan(0);
      expect(await page.locator('family-panel .corpus-rows tbody tr td').first().innerText()).toMatch(/die|d6/i);

      // lab-rl's reward: the page's score equals the reward computed here.
      await page.locator('family-panel details[data-sibling="lab-rl"] > summary').click();
      await page.locator('family-panel details[data-sibling="lab-rl"] details.reward > summary').click();
      const total = page.locator('family-panel .reward-score strong');
      await total.waitFor({ timeout: 30_000 });
      const q = await page.locator('family-panel .reward-q').inputValue();
      const a = await page.locator('family-panel .reward-a').inputValue();
      expect(Number(await total.getAttribute('data-total'))).toBeCloseTo(scoreAnswer(spec, q, a, true).total, 12);
      const typed = 'Maybe <b>Paris</b>, it depends, maybe';
      await page.locator('family-panel .reward-a').fill(typed);
      await expect.poll(async () => Number(await total.getAttribute('data-total'))).toBeCloseTo(scoreAnswer(spec, q, typed, true).total, 12);
      expect(await page.locator('family-panel b').count()).toBe(0);
      expect(pageErrors).toEqual([]);

      // On the default pair (lab-base vs lab-sft) the answers view links to lab-sft vs lab-rl.
      await page.goto(`${server.origin}/?backend=wasm&view=answers`);
      const link = page.locator('answers-view family-hint a.family-pair');
      await link.waitFor({ timeout: 60_000 });
      expect(await link.innerText()).toBe('lab-sft vs lab-rl');
      expect(new URL(await link.getAttribute('href') ?? '', server.origin).searchParams.get('tuned')).toBe('./models/lab-rl/');
    } finally {
      await context.close();
    }
  }, 400_000);

  it('each sibling loads on the page: lab-rl as the base and lab-base as the tuned model (with lab-sft and lab-rl above, all three)', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      await page.goto(`${server.origin}/?backend=wasm&base=lab-rl&tuned=lab-base`);
      await expectReady(page);
      expect(await page.locator('pair-chooser #lab-base-side').inputValue()).toBe('lab-rl');
      expect(await page.locator('pair-chooser #lab-tuned-side').inputValue()).toBe('lab-base');
      for (const side of ['base', 'tuned'] as const) {
        const panel = await readPanel(page, side);
        expect(panel.rows.length, side).toBeGreaterThan(0);
        expect(Number.isFinite(panel.entropy) && panel.entropy > 0, `${side} entropy ${panel.entropy}`).toBe(true);
        expect(panel.context.length, side).toBeGreaterThan(0);
      }
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 300_000);
});
