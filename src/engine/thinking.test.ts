/**
 * Qwen3's `enable_thinking` through the engine (LoadOptions.thinking, ModelInfo.thinking) and the CLI
 * (`--thinking on|off`), on the Qwen3 stand-in (models/standins/qwen3-genai: the Qwen3 template).
 * The expected prompts are the template's own text (README, Qwen3 template: thinking off writes an
 * empty `<think>\n\n</think>\n\n` after the assistant header).
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/main';
import { createNodeEngine } from './node';

const QWEN3 = resolve('models/standins/qwen3-genai');
const HEADER = '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n';

describe('enable_thinking (Qwen3)', () => {
  it('is the template default (on) unless asked; off renders and encodes the empty think block', async () => {
    const on = createNodeEngine('node');
    const off = createNodeEngine('node');
    try {
      expect((await on.load(QWEN3)).thinking).toBe(true);
      expect((await off.load(QWEN3, { thinking: false })).thinking).toBe(false);
      expect(await on.renderChat([{ role: 'user', content: 'Hi' }], true)).toBe(HEADER);
      expect(await off.renderChat([{ role: 'user', content: 'Hi' }], true)).toBe(`${HEADER}<think>\n\n</think>\n\n`);
      const a = await on.encode('Hi', 'chat');
      const b = await off.encode('Hi', 'chat');
      expect(b.slice(0, a.length)).toEqual(a);
      const think = (await off.findTokens('<think>', 1))[0]!;
      const endThink = (await off.findTokens('</think>', 1))[0]!;
      expect(await off.decode(b.slice(a.length))).toBe('<think>\n\n</think>\n\n');
      expect(b.slice(a.length)).toContain(think);
      expect(b.slice(a.length)).toContain(endThink);
      // plain prompts are untouched
      expect(await off.encode('Hi')).toEqual(await on.encode('Hi'));
    } finally {
      await on.dispose();
      await off.dispose();
    }
  });

  it('a template without enable_thinking ignores it, with a note, and reports no thinking state', async () => {
    const e = createNodeEngine('node');
    try {
      const info = await e.load(resolve('models/standins/qwen2.5-optimum'), { thinking: false });
      expect(info.thinking).toBeUndefined();
      expect(info.notes).toContain("thinking off was asked for, but this model's chat template has no enable_thinking: ignored");
    } finally {
      await e.dispose();
    }
  });

  it('the CLI: --thinking off changes the chat prompt; a bad value is a usage error', async () => {
    const run = async (...extra: string[]) => {
      const lines: string[] = [];
      const code = await main(['logits', '--model', QWEN3, '--text', 'Hi', '--template', 'chat', '--json', ...extra], { out: (l) => lines.push(l), err: (l) => lines.push(`ERR ${l}`) });
      return { code, lines, json: code === 0 ? (JSON.parse(lines.filter((l) => !l.startsWith('ERR')).at(-1)!) as { sides: { base: { tokens: { id: number; text: string }[] } } }).sides.base : null };
    };
    const dflt = await run();
    const off = await run('--thinking', 'off');
    const on = await run('--thinking=on');
    expect(dflt.code).toBe(0);
    expect(on.json!.tokens).toEqual(dflt.json!.tokens);
    const extra = off.json!.tokens.slice(dflt.json!.tokens.length).map((t) => t.text).join('');
    expect(off.json!.tokens.slice(0, dflt.json!.tokens.length)).toEqual(dflt.json!.tokens);
    expect(extra).toBe('<think>\n\n</think>\n\n');
    const bad = await run('--thinking', 'maybe');
    expect(bad.code).toBe(2);
    expect(bad.lines.join('\n')).toContain('--thinking must be on or off');
  });
});
