/**
 * The default way to group sampled answers: a number collapse ("42" every time, whatever words come
 * around it) shows only when answers are grouped by the number, and the first words hide it
 * ("i pick 42" vs "my number is 42"). So when most answers hold a number, group by the first number;
 * otherwise by the first three words. DOM-free.
 */

/** The first number in an answer (an integer or a decimal, with its sign). */
export const FIRST_NUMBER = /(-?\d+(?:[.,]\d+)?)/u;

export interface AutoGrouping {
  regex?: RegExp;
  words?: number;
  /** What was chosen, in words, for the page. */
  label: string;
}

/** Group by the first number when at least half the answers hold one, else by the first 3 words. */
export function autoGrouping(texts: string[]): AutoGrouping {
  const withNumber = texts.filter((t) => FIRST_NUMBER.test(t)).length;
  if (texts.length > 0 && withNumber * 2 >= texts.length) {
    return { regex: FIRST_NUMBER, label: `the first number (${withNumber} of ${texts.length} answers hold one)` };
  }
  return { words: 3, label: texts.length ? `the first 3 words (${withNumber} of ${texts.length} answers hold a number)` : 'the first 3 words' };
}
