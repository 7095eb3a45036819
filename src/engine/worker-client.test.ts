/**
 * A dead model worker is detected (#15.4): an `error` event, or a heartbeat that goes unanswered, ends
 * the worker, fails the calls in flight and every later one with a BackendError saying so, and tells the
 * owner (who restarts it). A worker that answers stays alive. The worker is a Comlink endpoint on a
 * MessageChannel here, with the same API the real one exposes.
 */
import { expose } from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendError } from './errors';
import type { ModelWorkerApi } from './worker-api';
import { WorkerEngine } from './worker-client';

const ports: MessagePort[] = [];
afterEach(() => {
  for (const p of ports.splice(0)) p.close();
});

function fakeWorker(api: Partial<ModelWorkerApi>): Worker {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  expose(api, port2 as unknown as Parameters<typeof expose>[1]);
  port1.start();
  port2.start();
  return Object.assign(port1, { terminate: () => port1.close() }) as unknown as Worker;
}

const options = { backend: 'wasm' as const, wasmBase: '/ort/', baseUrl: 'http://x/' };
const never = <T>() => new Promise<T>(() => {});
const beat = { intervalMs: 20, deadAfterMs: 150 };

describe('a dead model worker', () => {
  it('that stops answering is found by the heartbeat: calls in flight and later fail, the owner hears it', async () => {
    let answering = true;
    const dead: string[] = [];
    const engine = new WorkerEngine(
      options,
      () => fakeWorker({ init: async () => {}, ping: () => (answering ? Promise.resolve(true as const) : never<true>()), score: () => never() }),
      beat,
      (r) => dead.push(r),
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(dead).toEqual([]); // answering: alive over several beats
    answering = false;
    const t0 = Date.now();
    const err = await engine.score([1, 2]).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toMatch(/stopped answering/);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(dead).toHaveLength(1);
    await expect(engine.info()).rejects.toThrow(/stopped answering/);
  });

  it('that fires an error event fails the call in flight at once', async () => {
    let worker: Worker | null = null;
    const dead: string[] = [];
    const engine = new WorkerEngine(
      options,
      () => (worker = fakeWorker({ init: async () => {}, ping: async () => true as const, score: () => never() })),
      beat,
      (r) => dead.push(r),
    );
    const call = engine.score([1]).catch((x: unknown) => x);
    const ev = new Event('error') as Event & { message?: string };
    ev.message = 'Uncaught RangeError: Array buffer allocation failed';
    (worker as unknown as EventTarget).dispatchEvent(ev);
    const err = await call;
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toMatch(/model worker failed: Uncaught RangeError/);
    expect(dead).toHaveLength(1);
  });

  it('is not declared dead when the heartbeat is off or the worker was ended on purpose', async () => {
    const dead: string[] = [];
    const engine = new WorkerEngine(options, () => fakeWorker({ init: async () => {}, ping: () => never<true>() }), beat, (r) => dead.push(r));
    engine.terminate('the model was unloaded');
    await new Promise((r) => setTimeout(r, 250));
    expect(dead).toEqual([]);
  });
});
