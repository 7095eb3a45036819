/** One prompt across the tabs: a view opens on the prompt typed last in any tab, unless it is itself
 *  the latest to have changed its prompt; a view back at its preset lets the tabs open on theirs. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queryParam, sharePromptIn, updateQuery } from './params';

let url = new URL('http://lab.test/');
beforeEach(() => {
  url = new URL('http://lab.test/');
  Object.assign(globalThis, {
    location: {
      get search() {
        return url.search;
      },
      get pathname() {
        return url.pathname;
      },
      get hash() {
        return url.hash;
      },
    },
    history: { state: null, replaceState: (_s: unknown, _t: string, u: string) => (url = new URL(u, url)) },
  });
});
afterEach(() => {
  delete (globalThis as Record<string, unknown>)['location'];
  delete (globalThis as Record<string, unknown>)['history'];
});

describe('the shared prompt', () => {
  it('a view with no prompt of its own opens on the prompt typed in another tab, or on its preset', () => {
    expect(queryParam('compare.prompt')).toBeNull(); // → the view's preset
    url.search = '?prompt=caf%C3%A9+au+lait';
    expect(queryParam('compare.prompt')).toBe('café au lait');
    expect(queryParam('sweep.samples')).toBeNull(); // only prompts are shared
  });

  it('typing in a view shares it and drops the other views’ own prompts', () => {
    url.search = '?explore.prompt=old+explore&sweep.samples=8';
    updateQuery({ 'compare.prompt': 'Are dragons real?' });
    const q = new URLSearchParams(url.search);
    expect(q.get('prompt')).toBe('Are dragons real?');
    expect(q.get('compare.prompt')).toBe('Are dragons real?');
    expect(q.has('explore.prompt')).toBe(false);
    expect(q.get('sweep.samples')).toBe('8');
    expect(queryParam('explore.prompt')).toBe('Are dragons real?');
    expect(queryParam('answers.prompt')).toBe('Are dragons real?');
  });

  it('a view returning to its preset removes the shared prompt; one merely opened on it does not', () => {
    url.search = '?compare.prompt=x&prompt=x';
    updateQuery({ 'compare.prompt': null });
    expect(url.search).toBe('');
    url.search = '?prompt=y';
    updateQuery({ 'compare.prompt': null, 'compare.cross': null });
    expect(new URLSearchParams(url.search).get('prompt')).toBe('y');
  });

  it('the Next-token prompt (page parameter) drops the views’ own prompts', () => {
    const q = new URLSearchParams('?inject.prompt=a&answers.prompt=b&k=5');
    sharePromptIn(q, null, 'typed on Next token');
    expect(q.toString()).toBe('k=5&prompt=typed+on+Next+token');
  });
});
