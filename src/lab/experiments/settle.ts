/** Running helpers shared by the kinds' runners (and the views that run several things at once). */
import type { Engine } from '../../engine/types';
import type { RunContext } from './types';

/** Like Promise.all, but waits for every promise to settle before rejecting with the first error, so
 *  nothing is still running (nor updating a view) after a cancel. */
export async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const r = await Promise.allSettled(promises);
  const failed = r.find((x): x is PromiseRejectedResult => x.status === 'rejected');
  if (failed) throw failed.reason;
  return r.map((x) => (x as PromiseFulfilledResult<T>).value);
}

/** The loaded engine of `side`; a RangeError says it must be loaded first when it is not. */
export function engineFor(ctx: Pick<RunContext, 'engines'>, side: 'base' | 'tuned'): Engine {
  const e = ctx.engines[side];
  if (!e) throw new RangeError(`the ${side} model must be loaded first`);
  return e;
}
