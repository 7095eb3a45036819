import { describe, expect, it } from 'vitest';
import { autoGrouping } from './answer-groups';
import { histogram } from './sweep';

describe('default answer grouping', () => {
  it('shows a number collapse that the first words hide', () => {
    const answers = ['I pick 42.', 'My number is 42', 'Sure! 42', 'I pick 17.', 'How about 42?', 'I pick 42!'];
    // By the first three words the collapse is invisible: five different answers, none dominant.
    expect(histogram(answers, { words: 3 })[0]!.count).toBeLessThan(3);
    const g = autoGrouping(answers);
    expect(g.regex).toBeDefined();
    expect(g.label).toMatch(/^the first number \(6 of 6 answers hold one\)/);
    expect(histogram(answers, g)[0]).toEqual({ answer: '42', count: 5 });
  });
  it('falls back to the first three words when most answers hold no number', () => {
    const g = autoGrouping(['yes it is', 'no way', 'maybe 2 or 3', 'yes it is real']);
    expect(g).toEqual({ words: 3, label: 'the first 3 words (1 of 4 answers hold a number)' });
    expect(autoGrouping([])).toEqual({ words: 3, label: 'the first 3 words' });
  });
});
