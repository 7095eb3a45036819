import { describe, expect, it } from 'vitest';
import { displayTexts } from './tokens';

describe('split UTF-8 characters in running text', () => {
  it('decodes byte tokens that together form characters, on the token that completes each', () => {
    expect(displayTexts(['caf', '<0xC3>', '<0xA9>'])).toEqual(['caf', '', 'é']);
    expect(displayTexts(['<0xE2>', '<0x80>', '<0x9C>', 'hi', '<0xE2><0x80><0x9D>'])).toEqual(['', '', '“', 'hi', '”']);
    expect(displayTexts(['<0xF0><0x9F>', '<0x98><0x80>', '!'])).toEqual(['', '😀', '!']);
    expect(displayTexts(['café', ' au lait'])).toEqual(['café', ' au lait']);
    expect(displayTexts(['<0x41>'])).toEqual(['A']);
  });
  it('keeps bytes that never form a character as escapes on their own tokens', () => {
    expect(displayTexts(['caf', '<0xC3>'])).toEqual(['caf', '<0xC3>']); // cut off at the end
    expect(displayTexts(['<0xC3>', 'x'])).toEqual(['<0xC3>', 'x']); // interrupted
    expect(displayTexts(['<0xA9>', 'b'])).toEqual(['<0xA9>', 'b']); // a continuation byte alone
    expect(displayTexts(['<0xED>', '<0xA0>', '<0x80>'])).toEqual(['<0xED>', '<0xA0>', '<0x80>']); // a surrogate: invalid UTF-8
  });
  it('joined, the pieces are the decoded text', () => {
    const texts = ['The', ' caf', '<0xC3>', '<0xA9>', ' is', ' <0xE2>', '<0x80>', '<0x9C>', 'open', '<0xE2><0x80>', '<0x9D>'];
    expect(displayTexts(texts).join('')).toBe('The café is “open”');
  });
});
