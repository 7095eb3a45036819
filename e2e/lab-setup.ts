/**
 * The browser tests' shared setup: before a file's tests, the artifacts folder (screenshots), the static
 * server of the built dist/, the system Chromium, and (unless `pair: false`) the lab pair as built into
 * dist/ loaded on onnxruntime-node, the independent reference the page's numbers are checked against;
 * after them, all of it closed.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { LabEngine } from '../src/engine/engine';
import { createNodeEngine } from '../src/engine/node';
import { launchChromium, type Side } from './lab-page';
import { repoRoot, startServer, type StaticServer } from './server';

/** Where the browser tests put their screenshots. */
export const ARTIFACTS = join(repoRoot, 'e2e', '.artifacts');

export interface LabSetup {
  server: StaticServer;
  browser: Browser;
  /** The lab pair on onnxruntime-node (not loaded, empty, with `pair: false`). */
  pair: Record<Side, LabEngine>;
}

/** Registers the setup's beforeAll / afterAll; `onReady` gets the server, browser and pair once all are up. */
export function useLabSetup(onReady: (s: LabSetup) => void, opts: { pair?: boolean } = {}): void {
  const s = { pair: {} } as LabSetup;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    s.server = await startServer();
    s.browser = await launchChromium();
    if (opts.pair !== false) {
      for (const side of ['base', 'tuned'] as const) {
        s.pair[side] = createNodeEngine('node');
        await s.pair[side]!.load(join(repoRoot, 'dist', 'models', side === 'base' ? 'lab-base' : 'lab-sft'));
      }
    }
    onReady(s);
  });
  afterAll(async () => {
    await s.browser?.close();
    await s.server?.close();
    for (const e of Object.values(s.pair)) await e?.dispose();
  });
}
