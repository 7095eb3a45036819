/**
 * The run library in Chromium with the real IndexedDB (issue #14): import a run file → listed; rename,
 * notes, pin and delete persist across a reload; export → import round-trips to identical data; bad files
 * are refused with the reason and nothing is written; two pages of one origin saving at once lose nothing;
 * a full quota and a missing IndexedDB give a clear message and the page keeps working; a share link
 * fills the view. With a model (WASM and forced WebGPU): a finished sweep is saved, reopens without
 * recomputing, opens side by side, and each chart downloads as a PNG.
 *
 * The IndexedDB contents are read here with the raw IndexedDB API, not through the lab's code.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../src/lab/experiments/types';
import { sampleRecord, sampleResult, sampleSpec } from '../src/lab/library/fixtures';
import { RUNNERS } from '../src/lab/experiments/registry';
import { EXPORT_FORMAT, exportText } from '../src/lab/library/records';
import { specLink } from '../src/lab/library/share';
import { pairBackends, settle, shownErrors } from './lab-page';
import { useLabSetup } from './lab-setup';
import type { StaticServer } from './server';

let server: StaticServer;
let browser: Browser;

useLabSetup((s) => ({ server, browser } = s), { pair: false });

/** Every value in the library's object store, read with the raw IndexedDB API, sorted by id. */
async function stored(page: Page): Promise<RunRecord[]> {
  return page.evaluate(
    () =>
      new Promise<RunRecord[]>((resolve, reject) => {
        const req = indexedDB.open('world-prior-lab-library');
        req.onupgradeneeded = () => req.result.createObjectStore('runs');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const all = db.transaction('runs', 'readonly').objectStore('runs').getAll();
          all.onsuccess = () => {
            db.close();
            resolve((all.result as RunRecord[]).sort((a, b) => (a.id < b.id ? -1 : 1)));
          };
          all.onerror = () => reject(all.error);
        };
      }),
  );
}

async function openLibrary(page: Page, query = 'view=library&backend=wasm'): Promise<void> {
  await page.goto(`${server.origin}/?${query}`);
  await page.waitForFunction(() => document.querySelector('lab-app')?.shadowRoot?.querySelector('library-view')?.getAttribute('data-library-state') === 'ready', null, { timeout: 60_000, polling: 100 });
}

async function listedIds(page: Page): Promise<string[]> {
  return page.locator('library-view li[data-run-id]').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-run-id') ?? ''));
}

/** Import through the file picker; waits for the import to settle; returns its state. */
async function importText(page: Page, name: string, text: string): Promise<string | null> {
  const view = page.locator('library-view');
  await view.evaluate((el) => el.removeAttribute('data-import-state'));
  await page.locator('library-view input[data-import]').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text, 'utf8') });
  await page.waitForFunction(() => !!document.querySelector('lab-app')?.shadowRoot?.querySelector('library-view')?.getAttribute('data-import-state'), null, { timeout: 30_000, polling: 50 });
  return view.getAttribute('data-import-state');
}

/** Dispatch a finished run on the app, as a view does (RunFinishedEvent: type `run-finished`, spec, result). */
async function finishRun(page: Page, spec: unknown, result: unknown): Promise<void> {
  await page.evaluate(
    ([spec, result]) => {
      const app = document.querySelector('lab-app')!;
      const view = app.shadowRoot!.querySelector("section[role='tabpanel']")!;
      view.dispatchEvent(Object.assign(new Event('run-finished', { bubbles: true, composed: true }), { spec, result }));
    },
    [spec, result] as const,
  );
}

async function newPage(context: BrowserContext, errors: string[]): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  return page;
}

describe('library (real IndexedDB, no model needed)', () => {
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await newPage(context, errors);
    await openLibrary(page);
  });

  afterAll(async () => {
    await context?.close();
  });

  it('imports a run file (picker) and a dropped file: listed, stored exactly as in the file', async () => {
    const runs = [sampleRecord('imp-1', { title: 'Bugs <b>not bold</b>', notes: 'line 1\nline 2' }), sampleRecord('imp-2', { kind: 'sweep', spec: sampleSpec('sweep'), result: sampleResult('sweep', 2) })];
    expect(await importText(page, 'two.json', exportText(runs))).toBe('imported');
    expect((await listedIds(page)).sort()).toEqual(['imp-1', 'imp-2']);
    expect(await stored(page)).toEqual(runs);
    // Titles and notes are text, never HTML.
    const li = page.locator('library-view li[data-run-id="imp-1"]');
    expect(await li.locator('[data-title]').innerText()).toBe('Bugs <b>not bold</b>');
    expect(await li.locator('b').count()).toBe(0);
    expect(await li.locator('[data-notes-text]').innerText()).toBe('line 1\nline 2');

    // Drop a bare record (one run) on the card.
    const dropped = sampleRecord('imp-3', { kind: 'answers', spec: sampleSpec('answers'), result: sampleResult('answers') });
    await page.locator('library-view').evaluate((el) => el.removeAttribute('data-import-state'));
    await page.locator('library-view [data-drop]').evaluate((el, text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'one.json', { type: 'application/json' }));
      el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, JSON.stringify(dropped));
    await page.waitForFunction(() => document.querySelector('lab-app')?.shadowRoot?.querySelector('library-view')?.getAttribute('data-import-state') === 'imported', null, { timeout: 30_000 });
    expect(await stored(page)).toEqual([...runs, dropped]);
    // `lab run --json` output: a new run with a new id.
    expect(await importText(page, 'cli.json', JSON.stringify({ spec: sampleSpec('inject'), result: sampleResult('inject') }))).toBe('imported');
    const all = await stored(page);
    expect(all).toHaveLength(4);
    const cli = all.find((r) => r.kind === 'inject')!;
    expect(cli.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(cli.spec).toEqual(sampleSpec('inject'));
    expect(cli.result).toEqual(sampleResult('inject'));
    // Storage used: the runs' JSON bytes, computed here from what IndexedDB holds.
    const bytes = all.reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r), 'utf8'), 0);
    await expect.poll(() => page.locator('library-view [data-storage]').getAttribute('data-storage-bytes')).toBe(String(bytes));
    expect(await page.locator('library-view [data-storage]').getAttribute('data-runs')).toBe('4');
    expect(await page.locator('library-view [data-storage]').innerText()).toMatch(new RegExp(`^4 runs, ${(bytes / 1024).toFixed(1).replace('.', '\\.')} KB of data`));
  });

  it('search, filter by kind and model, sort', async () => {
    await page.locator('library-view input[data-search]').fill('line 2');
    expect(await listedIds(page)).toEqual(['imp-1']);
    await page.locator('library-view input[data-search]').fill('');
    await page.locator('library-view select[data-filter-kind]').selectOption('sweep');
    expect(await listedIds(page)).toEqual(['imp-2']);
    await page.locator('library-view select[data-filter-kind]').selectOption('');
    await page.locator('library-view select[data-filter-model]').selectOption('lab-sft');
    expect((await listedIds(page)).length).toBe(4);
    await page.locator('library-view select[data-filter-model]').selectOption('');
    await page.locator('library-view select[data-sort]').selectOption('title');
    const titles = await page.locator('library-view li[data-run-id] [data-title]').allInnerTexts();
    expect(titles).toEqual([...titles].sort((a, b) => a.localeCompare(b)));
  });

  it('rename, notes, pin and delete persist across a reload; delete has Undo', async () => {
    const li = () => page.locator('library-view li[data-run-id="imp-2"]');
    await li().locator('button[data-rename]').click();
    await li().locator('input[data-title-input]').fill('My sweep “renamed”');
    await li().locator('input[data-title-input]').press('Enter');
    await page.waitForFunction(() => document.querySelector('lab-app')?.shadowRoot?.querySelector('library-view')?.shadowRoot?.querySelector('li[data-run-id="imp-2"] [data-title]')?.textContent === 'My sweep “renamed”');
    await li().locator('button[data-notes-toggle]').click();
    await li().locator('textarea[data-notes]').fill('Student: <i>RL</i> narrows more.');
    await li().locator('textarea[data-notes]').blur();
    await li().locator('button[data-pin]').click();
    await page.waitForFunction(() => document.querySelector('lab-app')?.shadowRoot?.querySelector('library-view')?.shadowRoot?.querySelector('li[data-run-id="imp-2"]')?.getAttribute('data-pinned') === 'true');
    await page.locator('library-view li[data-run-id="imp-1"] button[data-delete]').click();
    await page.locator('library-view button[data-undo]').waitFor();
    expect((await stored(page)).map((r) => r.id)).not.toContain('imp-1');
    await page.locator('library-view button[data-undo]').click();
    await page.waitForFunction(() => !!document.querySelector('lab-app')?.shadowRoot?.querySelector('library-view')?.shadowRoot?.querySelector('li[data-run-id="imp-1"]'));
    await page.locator('library-view li[data-run-id="imp-3"] button[data-delete]').click();
    await page.locator('library-view button[data-undo]').waitFor();

    await page.reload();
    await page.waitForFunction(() => document.querySelector('lab-app')?.shadowRoot?.querySelector('library-view')?.getAttribute('data-library-state') === 'ready');
    const byId = Object.fromEntries((await stored(page)).map((r) => [r.id, r]));
    expect(Object.keys(byId).sort()).toEqual(expect.arrayContaining(['imp-1', 'imp-2']));
    expect(byId['imp-3']).toBeUndefined();
    expect(byId['imp-2']).toEqual({ ...sampleRecord('imp-2', { kind: 'sweep', spec: sampleSpec('sweep'), result: sampleResult('sweep', 2) }), title: 'My sweep “renamed”', notes: 'Student: <i>RL</i> narrows more.', pinned: true });
    expect(byId['imp-1']).toEqual(sampleRecord('imp-1', { title: 'Bugs <b>not bold</b>', notes: 'line 1\nline 2' }));
    expect(await listedIds(page)).not.toContain('imp-3');
    expect(await page.locator('library-view li[data-run-id="imp-2"] [data-notes-text]').innerText()).toBe('Student: <i>RL</i> narrows more.');
    await page.locator('library-view select[data-sort]').selectOption('pinned');
    expect((await listedIds(page))[0]).toBe('imp-2');
  });

  it('export → import round-trips to identical data (selected runs, then one run)', async () => {
    const before = await stored(page);
    for (const id of before.map((r) => r.id)) await page.locator(`library-view li[data-run-id="${id}"] input[data-select]`).check();
    const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('library-view button[data-export-selected]').click()]);
    expect(dl.suggestedFilename()).toMatch(/^\d+-runs-\d{4}-\d{2}-\d{2}\.wpl-runs\.json$/);
    const text = readFileSync((await dl.path())!, 'utf8');
    const file = JSON.parse(text) as { format: string; version: number; runs: RunRecord[] };
    expect(file.format).toBe(EXPORT_FORMAT);
    expect(file.version).toBe(1);
    expect([...file.runs].sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(before);

    // A fresh origin store (a new context), import the export: identical records.
    const other = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    try {
      const p2 = await other.newPage();
      await openLibrary(p2);
      expect(await importText(p2, dl.suggestedFilename(), text)).toBe('imported');
      expect(await stored(p2)).toEqual(before);
      // One run's export from there re-imports as the same run.
      const first = before[0]!;
      const [one] = await Promise.all([p2.waitForEvent('download'), p2.locator(`library-view li[data-run-id="${first.id}"] button[data-export]`).click()]);
      const oneFile = JSON.parse(readFileSync((await one.path())!, 'utf8')) as { runs: RunRecord[] };
      expect(oneFile.runs).toEqual([first]);
    } finally {
      await other.close();
    }
  });

  it('bad files are refused with the reason and nothing is written', async () => {
    const before = await stored(page);
    const good = sampleRecord('bad-base');
    const file = (runs: unknown[], version: unknown = 1) => JSON.stringify({ format: EXPORT_FORMAT, version, runs });
    const cases: [string, string, RegExp][] = [
      ['empty.json', '', /empty/],
      ['malformed.json', '{"format": "world-prior-lab/runs", "runs": [', /not valid JSON/],
      ['no-runs.json', file([]), /the file holds no runs/],
      ['future.json', file([good], 2), /version 2 was written by a newer lab/],
      ['future-spec.json', file([{ ...good, spec: { ...good.spec, version: 7 } }]), /spec\.version: version 7 was written by a newer lab/],
      ['dup.json', file([good, { ...good }]), /the id "bad-base" appears more than once/],
      ['inf.json', file([good]).replace(/"mean_kl":\s*[-\d.e]+/, '"mean_kl": 1e999'), /Infinity is not a finite number/],
      ['proto.json', file([good]).replace('"mean_kl"', '"__proto__": {"polluted": 1}, "mean_kl"'), /the key "__proto__" is not allowed/],
      ['ctor.json', file([good]).replace('"templates"', '"constructor": {}, "templates"'), /the key "constructor" is not allowed/],
      ['other.json', '{"hello": "world"}', /not a World Prior Lab run file/],
      ['partly-bad.json', file([sampleRecord('fine-1'), { ...sampleRecord('fine-2'), created: 'soon' }]), /runs\[1\]\.created: must be an ISO 8601 time/],
    ];
    for (const [name, text, reason] of cases) {
      expect(await importText(page, name, text), name).toBe('rejected');
      const shown = await page.locator('library-view [data-import-error]').innerText();
      expect(shown, name).toMatch(new RegExp(`^${name.replace('.', '\\.')} was not imported \\(nothing was written\\)`));
      expect(shown, name).toMatch(reason);
    }
    // Oversized: refused by its size before it is read.
    await page.locator('library-view').evaluate((el) => el.removeAttribute('data-import-state'));
    await page.locator('library-view input[data-import]').evaluate((input) => {
      const big = new File([new Uint8Array(64 * 1024 * 1024 + 1)], 'huge.json', { type: 'application/json' });
      const dt = new DataTransfer();
      dt.items.add(big);
      (input as HTMLInputElement).files = dt.files;
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await page.waitForFunction(() => document.querySelector('lab-app')?.shadowRoot?.querySelector('library-view')?.getAttribute('data-import-state') === 'rejected');
    expect(await page.locator('library-view [data-import-error]').innerText()).toMatch(/huge\.json is 64\.0 MB; the most the lab reads is 64 MB/);
    expect(await stored(page)).toEqual(before);

    // Ids already in the library: nothing until "Import as copies", then new ids, the originals untouched.
    const existing = before[0]!;
    expect(await importText(page, 'again.json', exportText([existing]))).toBe('conflict');
    expect(await page.locator('library-view [data-import-conflict]').innerText()).toMatch(/1 of the 1 run in this file is already in the library/);
    expect(await stored(page)).toEqual(before);
    await page.locator('library-view button[data-import-copies]').click();
    await page.waitForFunction(() => document.querySelector('lab-app')?.shadowRoot?.querySelector('library-view')?.getAttribute('data-import-state') === 'imported');
    const after = await stored(page);
    expect(after).toHaveLength(before.length + 1);
    const copy = after.find((r) => !before.some((b) => b.id === r.id))!;
    expect(copy).toEqual({ ...existing, id: copy.id, title: `${existing.title} (copy)` });
    expect(after.filter((r) => before.some((b) => b.id === r.id))).toEqual(before);
  });

  it('two pages of one origin saving runs at once: all 2N present and intact', async () => {
    const N = 12;
    const pages = [page, await newPage(context, errors)];
    await openLibrary(pages[1]!);
    const before = await stored(page);
    const runsOf = (tab: number) => Array.from({ length: N }, (_, i) => ({ spec: sampleSpec('compare', `tab ${tab} prompt ${i}`), result: sampleResult('compare', tab * 100 + i + 1) }));
    await Promise.all(
      pages.map((p, tab) =>
        p.evaluate(
          (runs) => {
            const section = document.querySelector('lab-app')!.shadowRoot!.querySelector("section[role='tabpanel']")!;
            for (const { spec, result } of runs) section.dispatchEvent(Object.assign(new Event('run-finished', { bubbles: true, composed: true }), { spec, result }));
          },
          runsOf(tab),
        ),
      ),
    );
    const want = [...runsOf(0), ...runsOf(1)];
    await expect.poll(async () => (await stored(page)).length, { timeout: 30_000 }).toBe(before.length + 2 * N);
    const added = (await stored(page)).filter((r) => !before.some((b) => b.id === r.id));
    for (const w of want) {
      const found = added.filter((r) => r.spec.prompt === w.spec.prompt);
      expect(found, w.spec.prompt).toHaveLength(1);
      expect(found[0]!.spec).toEqual(w.spec);
      expect(found[0]!.result).toEqual(w.result);
    }
    // Both pages list every run (the other tab's writes arrive through the change signal).
    for (const p of pages) await expect.poll(async () => (await listedIds(p)).length, { timeout: 15_000 }).toBe(before.length + 2 * N);
    await pages[1]!.close();
  });

  it('a share link round trip: Copy link → the link opens the kind’s view with the spec (a bad link says why)', async () => {
    const spec = sampleSpec('sweep', 'Share me ✓', { repo: './models/lab-rl/', revision: null, dtype: 'fp32', backend: 'wasm' });
    expect(await importText(page, 'share.json', exportText([sampleRecord('share-1', { kind: 'sweep', spec, result: sampleResult('sweep') })]))).toBe('imported');
    await page.locator('library-view li[data-run-id="share-1"] button[data-copy-link]').click();
    const link = await page.locator('library-view input[data-share-link]').inputValue();
    expect(link).toBe(specLink(spec, page.url()));
    const p2 = await newPage(context, errors);
    try {
      await p2.goto(link);
      await p2.locator("lab-app [data-library-note='link']").waitFor();
      const url = new URL(p2.url());
      expect(url.searchParams.get('spec')).toBeNull();
      expect(url.searchParams.get('view')).toBe('sweep');
      expect(url.searchParams.get('base') ?? './models/lab-base/').toBe('./models/lab-base/'); // the default pair's base is left out
      expect(url.searchParams.get('tuned')).toBe('./models/lab-rl/');
      expect(await p2.locator("button[role='tab'][aria-selected='true']").getAttribute('data-view')).toBe('sweep');
      // The spec is handed to the view (`.pendingSpec`), exactly.
      await p2.waitForFunction(() => !!(document.querySelector('lab-app')?.shadowRoot?.querySelector('sweep-view') as unknown as { pendingSpec?: unknown } | null)?.pendingSpec);
      expect(await p2.locator('sweep-view').evaluate((el) => (el as unknown as { pendingSpec: unknown }).pendingSpec)).toEqual(spec);

      const bad = new URL(link);
      bad.searchParams.set('spec', bad.searchParams.get('spec')!.slice(0, -9));
      await p2.goto(bad.toString());
      const note = p2.locator("lab-app [data-library-note='link-error']");
      await note.waitFor();
      expect(await note.innerText()).toMatch(/This link's run could not be opened: .*(not valid JSON|damaged).*The lab opened as usual/);
      await p2.locator('button[data-view="library"]').click();
      await p2.waitForFunction(() => document.querySelector('lab-app')?.shadowRoot?.querySelector('library-view')?.getAttribute('data-library-state') === 'ready');
    } finally {
      await p2.close();
    }
  });

  it('a full quota: "library is full", nothing written, the run stays; the library still lists', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const p = await ctx.newPage();
      // 256 KB for this origin (set before the page opens: Chromium applies it to new connections).
      const cdp = await ctx.newCDPSession(p);
      await cdp.send('Storage.overrideQuotaForOrigin', { origin: server.origin, quotaSize: 256 * 1024 });
      await openLibrary(p);
      await finishRun(p, sampleSpec('compare', 'small'), sampleResult('compare'));
      await p.locator("lab-app [data-library-note='saved']").waitFor();
      const big = sampleResult('compare');
      // 800 KB of random text (IndexedDB compresses values: a repeated letter would fit), under the validators'
      // limit of 1,000,000 characters per string and over the 256 KB quota.
      (big.data as { context_texts: { base: string } }).context_texts.base = randomBytes(600 * 1024).toString('base64');
      await finishRun(p, sampleSpec('compare', 'big'), big);
      const note = p.locator("lab-app [data-library-note='full']");
      await note.waitFor({ timeout: 30_000 });
      expect(await note.innerText()).toMatch(/The library is full.*This run stays on screen/);
      expect((await stored(p)).map((r) => r.spec.prompt)).toEqual(['small']);
      // The Library still lists the runs that were saved.
      await p.locator('button[data-view="library"]').click();
      await expect.poll(async () => (await listedIds(p)).length).toBe(1);
      await cdp.send('Storage.overrideQuotaForOrigin', { origin: server.origin });
    } finally {
      await ctx.close();
    }
  });

  it('no IndexedDB (a private mode): the Library says so, saving says so, the page keeps working', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      await ctx.addInitScript(() => Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true }));
      const p = await ctx.newPage();
      const errs: string[] = [];
      p.on('pageerror', (e) => errs.push(e.message));
      await p.goto(`${server.origin}/?view=library&backend=wasm`);
      const msg = p.locator('library-view [data-library-unavailable]');
      await msg.waitFor();
      expect(await msg.innerText()).toMatch(/no IndexedDB/);
      await finishRun(p, sampleSpec(), sampleResult());
      const note = p.locator("lab-app [data-library-note='unavailable']");
      await note.waitFor();
      expect(await note.innerText()).toMatch(/Not saved: .*no IndexedDB.*everything else works/);
      await p.locator('button[data-view="models"]').click();
      await p.locator('models-view').waitFor();
      expect(errs).toEqual([]);
    } finally {
      await ctx.close();
    }
  });

  it('Open switches to the kind’s view and hands it the stored run; two runs of a kind open side by side, read-only', async () => {
    const a = sampleRecord('sbs-a', { kind: 'answers', title: 'Answers A', spec: sampleSpec('answers', 'Pick a number'), result: sampleResult('answers', 1) });
    const b = sampleRecord('sbs-b', { kind: 'answers', title: 'Answers B', spec: sampleSpec('answers', 'Pick a number'), result: sampleResult('answers', 2) });
    expect(await importText(page, 'sbs.json', exportText([a, b]))).toBe('imported');
    await page.locator('library-view input[data-search]').fill('');
    await page.locator('library-view li[data-run-id="sbs-a"] button[data-open]').click();
    expect(await page.locator("button[role='tab'][aria-selected='true']").getAttribute('data-view')).toBe('answers');
    await page.waitForFunction(() => !!(document.querySelector('lab-app')?.shadowRoot?.querySelector('answers-view') as unknown as { stored?: unknown } | null)?.stored);
    expect(await page.locator('answers-view').evaluate((el) => (el as unknown as { stored: unknown }).stored)).toEqual(a);

    await page.locator('button[data-view="library"]').click();
    await page.waitForFunction(() => document.querySelector('lab-app')?.shadowRoot?.querySelector('library-view')?.getAttribute('data-library-state') === 'ready');
    const sideBySide = page.locator('library-view button[data-side-by-side-open]');
    await page.locator('library-view li[data-run-id="sbs-a"] input[data-select]').check();
    await page.locator('library-view li[data-run-id="imp-2"] input[data-select]').check(); // a sweep: another kind
    expect(await sideBySide.isDisabled()).toBe(true);
    await page.locator('library-view li[data-run-id="imp-2"] input[data-select]').uncheck();
    await page.locator('library-view li[data-run-id="sbs-b"] input[data-select]').check();
    expect(await sideBySide.isDisabled()).toBe(false);
    await sideBySide.click();
    const cols = page.locator('library-compare [data-side-by-side]');
    expect(await cols.count()).toBe(2);
    const views = await cols.locator('answers-view').evaluateAll((els) => els.map((el) => ({ readonly: el.hasAttribute('readonly'), stored: (el as unknown as { stored: unknown }).stored })));
    expect(views).toEqual([
      { readonly: true, stored: a },
      { readonly: true, stored: b },
    ]);
    expect(await cols.nth(0).locator('h4').innerText()).toBe('A: Answers A');
    // The headline table (the kind's runner) or, in a build without that runner, the reason.
    expect((await page.locator('library-compare table[data-headlines]').count()) + (await page.locator('library-compare [data-headline-none]').count())).toBe(1);
    await page.locator('library-view button[data-side-by-side-close]').click();
    expect(await page.locator('library-compare').count()).toBe(0);
  });

  it('no page errors', () => {
    expect(errors).toEqual([]);
  });
});

const SWEEP = { 'sweep.prompt': 'Pick a random number between 1 and 100.', 'sweep.temps': '0.5,1.5', 'sweep.n': '2', 'sweep.max': '4' };

async function sweepDone(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const s = document.querySelector('lab-app')?.shadowRoot?.querySelector('sweep-view')?.getAttribute('data-view-state');
    return s === 'done' || s === 'error';
  }, null, { timeout: 200_000, polling: 200 });
  expect(await page.locator('sweep-view').getAttribute('data-view-state'), (await page.locator('sweep-view [data-error]').allInnerTexts()).join(' ')).toBe('done');
}

describe.each(['wasm', 'webgpu'] as const)('library with a model on %s', (backend) => {
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await newPage(context, errors);
    await page.goto(`${server.origin}/?${new URLSearchParams({ backend, view: 'sweep', ...SWEEP, 'sweep.seed': '1' })}`);
    // Loading the pair on WebGPU (SwiftShader) takes minutes on a busy machine.
    expect(await settle(page, 420_000), (await shownErrors(page)).join(' | ')).toBe('ready');
    expect(await pairBackends(page)).toBe(`${backend},${backend}`);
    await page.locator('sweep-view button[data-action="run"]').click();
    await sweepDone(page);
  }, 900_000); // WebGPU on SwiftShader, on a shared CPU, is slow

  afterAll(async () => {
    await context?.close();
  });

  it('a chart downloads as a PNG named after its label, on a white background', async () => {
    const chart = page.locator('sweep-view lab-chart[data-chart="entropy-first"]');
    const [dl] = await Promise.all([page.waitForEvent('download'), chart.locator('button[data-png]').click()]);
    expect(dl.suggestedFilename()).toBe('Entropy-of-the-first-next-token-distribution-against-temperature-base-and-tuned.png');
    const bytes = readFileSync((await dl.path())!);
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const probe = await chart.evaluate(async (el) => {
      const url = await (el as unknown as { pngDataUrl(): Promise<string> }).pngDataUrl();
      const img = new Image();
      img.src = url;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const canvas = el.shadowRoot!.querySelector('canvas')!;
      const data = ctx.getImageData(0, 0, c.width, c.height).data;
      let opaque = true;
      let coloured = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] !== 255) opaque = false;
        if (!(data[i] === 255 && data[i + 1] === 255 && data[i + 2] === 255)) coloured++;
      }
      return { url, w: c.width, h: c.height, cw: canvas.width, ch: canvas.height, corner: [...ctx.getImageData(0, 0, 1, 1).data], opaque, coloured };
    });
    expect(Buffer.from(probe.url.split(',')[1]!, 'base64').equals(bytes)).toBe(true);
    expect([probe.w, probe.h]).toEqual([probe.cw, probe.ch]);
    expect(probe.corner).toEqual([255, 255, 255, 255]);
    expect(probe.opaque).toBe(true);
    expect(probe.coloured).toBeGreaterThan(100); // the curves and axes are drawn
  });

  // The next tests need the views' run lifecycle (RunFinishedEvent) and `.stored` / `readonly` support
  // (the view helpers' branches of issue #14).
  it('a finished sweep is saved; reopened on a page without models it shows as stored, not recomputed', async () => {
    await page.locator("lab-app [data-library-note='saved']").waitFor({ timeout: 30_000 });
    const runs = await stored(page);
    const sweep = runs.filter((r) => r.kind === 'sweep');
    expect(sweep.length).toBeGreaterThanOrEqual(1);
    const run = sweep[sweep.length - 1]!;
    expect(run.spec.prompt).toBe(SWEEP['sweep.prompt']);
    expect(run.spec.models.base?.backend).toBe(backend);
    expect(run.spec.models.tuned?.repo).toMatch(/lab-sft/);

    // A page whose models cannot load: the stored run still shows (nothing is recomputed).
    const p2 = await newPage(context, errors);
    try {
      await p2.goto(`${server.origin}/?${new URLSearchParams({ backend, view: 'library', base: '/no-such-model/', tuned: '/no-such-model-either/' })}`);
      await p2.waitForFunction(() => document.querySelector('lab-app')?.shadowRoot?.querySelector('library-view')?.getAttribute('data-library-state') === 'ready');
      await p2.locator(`library-view li[data-run-id="${run.id}"] button[data-open]`).click();
      expect(await p2.locator("button[role='tab'][aria-selected='true']").getAttribute('data-view')).toBe('sweep');
      await p2.locator('sweep-view [data-stored]').waitFor({ timeout: 30_000 });
      expect(await p2.locator('sweep-view').getAttribute('data-view-state')).toBe('done');
      expect(await p2.locator('sweep-view lab-chart[data-chart="entropy-first"]').count()).toBe(1);
    } finally {
      await p2.close();
    }
  });

  it('two stored sweeps side by side: two read-only views and one table of headline numbers', async () => {
    const seed = page.locator('sweep-view #f-seed');
    if (await seed.count()) await seed.fill('2'); // another seed: two different runs
    await page.locator('sweep-view button[data-action="run"]').click();
    await sweepDone(page);
    await expect.poll(async () => (await stored(page)).filter((r) => r.kind === 'sweep').length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    const sweeps = (await stored(page)).filter((r) => r.kind === 'sweep').sort((a, b) => (a.created < b.created ? -1 : 1)).slice(-2);
    await page.locator('button[data-view="library"]').click();
    await page.waitForFunction(() => document.querySelector('lab-app')?.shadowRoot?.querySelector('library-view')?.getAttribute('data-library-state') === 'ready');
    for (const r of sweeps) await page.locator(`library-view li[data-run-id="${r.id}"] input[data-select]`).check();
    await page.locator('library-view button[data-side-by-side-open]').click();
    const cols = page.locator('library-compare [data-side-by-side]');
    expect(await cols.count()).toBe(2);
    for (let i = 0; i < 2; i++) {
      const col = cols.nth(i);
      // A read-only view shows the stored result only (no form, no status line): done, with its charts.
      await col.locator('sweep-view[readonly][data-view-state="done"]').waitFor({ timeout: 30_000 });
      expect(await col.locator('sweep-view[readonly] lab-chart').count()).toBeGreaterThan(0);
      expect(await col.locator('sweep-view button[data-action="run"]').count()).toBe(0);
    }
    const runner = RUNNERS.sweep;
    expect(runner, 'the sweep runner is registered').toBeTruthy();
    const rows = await page.locator('library-compare table[data-headlines] tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-headline'), tr.getAttribute('data-a'), tr.getAttribute('data-b')]));
    const [a, b] = (await cols.evaluateAll((els) => els.map((e) => e.getAttribute('data-run-id')))).map((id) => sweeps.find((r) => r.id === id)!);
    const ha = runner!.headline(a!.result.data);
    const hb = runner!.headline(b!.result.data);
    expect(rows.map((r) => r[0])).toEqual([...new Set([...Object.keys(ha), ...Object.keys(hb)])]);
    for (const [name, x, y] of rows) {
      expect(x === '' ? null : Number(x)).toBe(ha[name!] ?? null);
      expect(y === '' ? null : Number(y)).toBe(hb[name!] ?? null);
    }
  }, 480_000);

  it('no page errors', () => {
    expect(errors).toEqual([]);
  });
});
