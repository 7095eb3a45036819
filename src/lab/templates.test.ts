/**
 * The template follows the model (src/lab/templates.ts) on the hub-faithful stand-ins: an instruct export
 * (its generation config stops at its chat template's end-of-turn token) is chat-tuned and reads its chat
 * template on the base side too; a base export without a chat template reads plain text; on the tuned side a
 * model with a chat template reads it. The family's siblings are covered in family-presets.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeEngine } from '../engine/node';
import type { LabEngine } from '../engine/engine';
import { defaultTemplate, endOfTurnId, isChatTuned } from './templates';

const engines: LabEngine[] = [];
afterAll(async () => {
  for (const e of engines) await e.dispose();
});

const CASES = [
  { folder: 'models/standins/smollm2-optimum', eot: 2, chatTuned: true },
  { folder: 'models/standins/qwen2.5-optimum', eot: 319, chatTuned: true },
  { folder: 'models/standins/gemma-3-custom', eot: 106, chatTuned: true },
  { folder: 'models/standins/smollm2-base-optimum', eot: null, chatTuned: false },
] as const;

describe('templates follow the model on hub-like exports', () => {
  for (const c of CASES) {
    it(c.folder, async () => {
      const e = createNodeEngine('node');
      engines.push(e);
      await e.load(c.folder, { dtype: 'fp32' });
      expect(await endOfTurnId(e)).toBe(c.eot);
      expect(await isChatTuned(e)).toBe(c.chatTuned);
      expect(await defaultTemplate(e, 'base')).toBe(c.chatTuned ? 'chat' : 'none');
      expect(await defaultTemplate(e, 'tuned')).toBe((await e.info()).hasChatTemplate ? 'chat' : 'none');
    }, 60_000);
  }
});
