/** settleAll waits for every promise before it rejects (nothing still runs after a cancel); engineFor names the missing side. */
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../engine/types';
import { engineFor, settleAll } from './settle';

describe('settleAll', () => {
  it('resolves in order; rejects with the first error only once every promise has settled', async () => {
    expect(await settleAll([Promise.resolve(1), new Promise<number>((r) => setTimeout(() => r(2), 5))])).toEqual([1, 2]);
    let slowDone = false;
    const slow = new Promise<number>((r) =>
      setTimeout(() => {
        slowDone = true;
        r(3);
      }, 20),
    );
    const first = new Error('first');
    await expect(settleAll([Promise.reject(first), slow, Promise.reject(new Error('second'))])).rejects.toBe(first);
    expect(slowDone).toBe(true);
  });
});

describe('engineFor', () => {
  it('gives the loaded engine; a RangeError names the side that is not loaded', () => {
    const e = {} as Engine;
    expect(engineFor({ engines: { base: e } }, 'base')).toBe(e);
    expect(() => engineFor({ engines: { base: e, tuned: null } }, 'tuned')).toThrow(new RangeError('the tuned model must be loaded first'));
  });
});
