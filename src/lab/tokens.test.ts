import { describe, expect, it } from 'vitest';
import { visibleToken } from './tokens';

describe('visibleToken', () => {
  it('marks whitespace, newlines and control characters', () => {
    expect(visibleToken(' the')).toBe('␣the');
    expect(visibleToken('\n\n')).toBe('↵↵');
    expect(visibleToken('\t')).toBe('⇥');
    expect(visibleToken('\u0007')).toBe('\\x07');
    expect(visibleToken('')).toBe('∅');
    expect(visibleToken('<0xE2>')).toBe('<0xE2>');
    expect(visibleToken('日本')).toBe('日本');
    expect(visibleToken('<script>')).toBe('<script>');
  });
});
