import { describe, expect, it } from 'vitest';
import { escapeAffix, unescapeAffix } from './answers-affix';

describe('affix fields', () => {
  it('write newlines and tabs as escapes and read them back', () => {
    expect(escapeAffix('\n')).toBe('\\n');
    expect(unescapeAffix('\\n')).toBe('\n');
    expect(unescapeAffix('.\\t<|im_end|>')).toBe('.\t<|im_end|>');
    for (const s of ['', ' ', '.', '\n', ' \r\n', '<|im_end|>', 'a\tb']) expect(unescapeAffix(escapeAffix(s))).toBe(s);
  });
  it('keep every partial input while typing', () => {
    for (const typed of ['\\', ' \\', '\\n', 'x\\']) expect(escapeAffix(unescapeAffix(typed))).toBe(typed);
  });
});
