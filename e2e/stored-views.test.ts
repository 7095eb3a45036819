/**
 * The view contract's `stored` + `readonly` (issue #14), in the built page: a next-token run and a loom
 * path run, computed here by their runners on onnxruntime-node, are handed to a `<next-view readonly>` and
 * an `<explore-view readonly>` with no engines at all (the page's own pair points at a missing folder),
 * and the views render the stored numbers as they are. Model and user text that looks like HTML stays text.
 */
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { LabEngine } from '../src/engine/engine';
import { loomRunner, type LoomSpec } from '../src/lab/experiments/loom';
import { nextTokenRunner, type NextTokenSpec } from '../src/lab/experiments/next-token';
import type { ResultEnvelope, RunRecord, SpecEnvelope } from '../src/lab/experiments/types';
import { useLabSetup } from './lab-setup';
import type { StaticServer } from './server';

let server: StaticServer;
let browser: Browser;
let base: LabEngine;
let tuned: LabEngine;
const PROMPT = 'The <img src=x onerror="alert(1)"> old man';
const ref = (repo: string) => ({ repo, revision: null, dtype: 'fp32' as const, backend: 'node' as const });

function record(spec: SpecEnvelope, result: ResultEnvelope): RunRecord {
  return { id: 'r1', kind: spec.kind, title: 't', notes: '', pinned: false, created: '2026-01-01T00:00:00.000Z', appVersion: '0.1.0', spec, result };
}

useLabSetup((s) => ({ server, browser, pair: { base, tuned } } = s));

/** A page whose pair never loads: nothing the views show can come from an engine. */
async function openPage(): Promise<{ page: Page; dialogs: string[]; errors: string[]; close: () => Promise<void> }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.origin}/?${new URLSearchParams({ base: `${server.origin}/missing-model/`, tuned: `${server.origin}/missing-model/`, backend: 'wasm' })}`);
  await page.waitForFunction(() => customElements.get('next-view') && customElements.get('explore-view'));
  return { page, dialogs, errors, close: () => context.close() };
}

async function mount(page: Page, tag: string, rec: RunRecord): Promise<void> {
  await page.evaluate(
    ([t, r]) => {
      const el = document.createElement(t) as HTMLElement & { readonly: boolean; stored: unknown };
      el.id = 'stored-view';
      el.readonly = true;
      el.stored = r;
      document.body.append(el);
    },
    [tag, rec] as const,
  );
  await page.waitForFunction(() => document.getElementById('stored-view')?.getAttribute('data-view-state') === 'done', null, { timeout: 20_000 });
}

describe('stored runs render without engines (readonly)', () => {
  it('next-view shows a stored next-token result as it was saved', async () => {
    const spec: NextTokenSpec = {
      kind: 'next-token',
      version: 1,
      models: { base: ref('models/lab-base'), tuned: ref('models/lab-sft') },
      prompt: PROMPT,
      seed: 0,
      settings: { template: 'none', k: 6, appended: [{ side: 'tuned', id: (await tuned.encodeContinuation(' <b>'))[0]!, text: ' <b>' }] },
    };
    spec.settings.appended[0]!.text = (await tuned.tokenTexts([spec.settings.appended[0]!.id]))[0]!;
    const result = await nextTokenRunner.run(spec, { engines: { base, tuned } });
    const { page, dialogs, errors, close } = await openPage();
    try {
      await mount(page, 'next-view', record(spec, result));
      const view = page.locator('#stored-view');
      expect(await view.locator('prompt-editor').count()).toBe(0);
      expect(await view.locator('[data-save-run]').count()).toBe(0);
      expect(await view.locator('[data-stored-prompt]').textContent()).toBe(PROMPT);
      for (const side of ['base', 'tuned'] as const) {
        const panel = view.locator(`model-panel[data-model="${side}"]`);
        const rows = await panel.locator('token-table tbody tr').evaluateAll((trs) => trs.map((tr) => ({ id: Number(tr.getAttribute('data-token-id')), prob: Number(tr.getAttribute('data-prob')), logit: Number(tr.getAttribute('data-logit')) })));
        const want = result.data.sides[side]!;
        expect(rows).toEqual(want.next.top.map((t) => ({ id: t.id, prob: t.prob, logit: t.logit })));
        expect(Number(await panel.locator('[data-entropy]').getAttribute('data-entropy'))).toBe(want.next.entropy);
        expect(await panel.locator('[data-context]').getAttribute('data-context')).toBe(want.tokens.map((t) => t.id).join(','));
        expect(await panel.getByRole('button', { name: 'Step' }).count()).toBe(0);
      }
      // Clicking a row of a stored run appends nothing anywhere (no TokenChooseEvent leaves the view).
      await view.locator('model-panel[data-model="base"] token-table tbody tr').first().click();
      expect(await page.locator('img').count()).toBe(0);
      expect(dialogs).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('explore-view shows a stored loom path (per step both models, KL) as it was saved', async () => {
    const prompt = await base.encode(PROMPT, 'none');
    const { data, dims } = await tuned.score(prompt);
    const V = dims[1]!;
    const last = data.subarray((prompt.length - 1) * V, prompt.length * V);
    const top = Array.from(last.keys()).sort((a, b) => last[b]! - last[a]!);
    const spec: LoomSpec = {
      kind: 'loom',
      version: 1,
      models: { base: ref('models/lab-base'), tuned: ref('models/lab-sft') },
      prompt: PROMPT,
      seed: 0,
      settings: { template: 'none', path: [top[0]!, top[3]!], sampling: { temperature: 1, topK: 0, topP: 0.9, minP: 0 }, k: 10, drive: 'tuned' },
    };
    const result = await loomRunner.run(spec, { engines: { base, tuned } });
    const { page, dialogs, errors, close } = await openPage();
    try {
      await mount(page, 'explore-view', record(spec, result));
      const view = page.locator('#stored-view');
      expect(await view.locator('.stage').count()).toBe(0);
      expect(await view.locator('textarea').count()).toBe(0);
      const section = view.locator('[data-path-result]');
      expect(await section.getAttribute('data-path')).toBe(spec.settings.path.join('.'));
      const rows = await section.locator('tbody tr').evaluateAll((trs) =>
        trs.map((tr) => ({
          token: tr.getAttribute('data-token-id'),
          kl: Number(tr.getAttribute('data-kl')),
          pBase: tr.querySelector('[data-model="base"][data-prob]')?.getAttribute('data-prob') ?? '',
          pTuned: tr.querySelector('[data-model="tuned"][data-prob]')?.getAttribute('data-prob') ?? '',
        })),
      );
      expect(rows).toHaveLength(3);
      rows.forEach((r, i) => {
        const st = result.data.steps[i]!;
        expect(r.token).toBe(st.token === null ? '' : String(st.token));
        expect(r.kl).toBe(st.kl_tuned_base);
        expect(r.pBase).toBe(st.sides.base!.chosen ? String(st.sides.base!.chosen.prob) : '');
        expect(r.pTuned).toBe(st.sides.tuned!.chosen ? String(st.sides.tuned!.chosen.prob) : '');
      });
      expect((await section.locator('[data-path-text]').textContent())!.startsWith(PROMPT)).toBe(true);
      expect(Number(await section.locator('[data-saved-logprob][data-model="base"]').getAttribute('data-saved-logprob'))).toBe(result.data.path_logprob.base);
      expect(await page.locator('img').count()).toBe(0);
      expect(dialogs).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
