import { describe, expect, it } from 'vitest';
import { ResourcePool } from './resource-pool.js';

/** A resource that records what happened to it. */
interface Res {
  id: number;
  resets: number;
  disposed: number;
}

function pool(options: { capacity?: number; create?: boolean; disposeError?: 'throw' | 'reject' } = {}) {
  const made: Res[] = [];
  const p = new ResourcePool<Res>({
    capacity: options.capacity ?? 2,
    ...(options.create === false
      ? {}
      : {
          create: () => {
            const r = { id: made.length + 1, resets: 0, disposed: 0 };
            made.push(r);
            return r;
          },
        }),
    reset: (r) => {
      r.resets++;
    },
    dispose: (r) => {
      r.disposed++;
      if (options.disposeError === 'throw') throw new Error('cannot close');
      if (options.disposeError === 'reject') return Promise.reject(new Error('cannot close'));
      return undefined;
    },
    label: 'The test backend',
    closedHint: 'Open it again.',
  });
  return { pool: p, made };
}

/** Where a promise stands once every pending callback has run (no clock involved). */
async function state<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown } | 'pending'> {
  let out: { value?: T; error?: unknown } | 'pending' = 'pending';
  promise.then(
    (value) => (out = { value }),
    (error: unknown) => (out = { error }),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return out;
}

describe('ResourcePool', () => {
  it('creates resources lazily up to capacity, reuses idle ones, and queues callers first come first served', async () => {
    const { pool: p, made } = pool({ capacity: 2 });
    expect(p.size).toBe(0);
    const a = await p.acquire();
    const b = await p.acquire();
    expect([a.id, b.id, p.size]).toEqual([1, 2, 2]);
    const first = p.acquire();
    const second = p.acquire();
    expect(await state(first)).toBe('pending');
    p.release(b);
    expect(await state(first)).toEqual({ value: b });
    expect(await state(second)).toBe('pending');
    p.release(a);
    expect(await state(second)).toEqual({ value: a });
    p.release(a);
    expect(await p.acquire()).toBe(a);
    expect(made).toHaveLength(2);
    expect([a.resets, b.resets]).toEqual([2, 1]);
  });

  it('rejects a waiter whose signal aborts with ASSAY_CANCELED and takes it out of the queue', async () => {
    const { pool: p } = pool({ capacity: 1 });
    const held = await p.acquire();
    const controller = new AbortController();
    const canceled = p.acquire({ signal: controller.signal, assetKey: 'gold/x' });
    const next = p.acquire();
    controller.abort();
    expect(await state(canceled)).toEqual({ error: expect.objectContaining({ code: 'ASSAY_CANCELED', assetKey: 'gold/x', message: 'Asset "gold/x" canceled' }) });
    p.release(held);
    expect(await state(next)).toEqual({ value: held });
    await expect(p.acquire({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ASSAY_CANCELED', message: 'Query canceled' });
  });

  it('hands added resources out when it creates none itself', async () => {
    const { pool: p } = pool({ create: false });
    const waiting = p.acquire();
    expect(await state(waiting)).toBe('pending');
    const r: Res = { id: 7, resets: 0, disposed: 0 };
    p.add(r);
    expect(await state(waiting)).toEqual({ value: r });
    expect(p.size).toBe(1);
  });

  it('grows on resize, serving waiters with new resources, and never shrinks', async () => {
    const { pool: p } = pool({ capacity: 1 });
    await p.acquire();
    const waiting = [p.acquire(), p.acquire(), p.acquire()];
    p.resize(3);
    expect(p.capacity).toBe(3);
    expect((await Promise.all(waiting.slice(0, 2).map(state))).map((s) => (s === 'pending' ? s : s.value?.id))).toEqual([2, 3]);
    expect(await state(waiting[2]!)).toBe('pending');
    p.resize(1);
    expect(p.capacity).toBe(3);
  });

  it('releases the resource after use, also when the work fails', async () => {
    const { pool: p } = pool({ capacity: 1 });
    await expect(p.use(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await p.use(async (r) => r.id)).toBe(1);
    expect(p.size).toBe(1);
  });

  it('on close rejects waiters, disposes every resource, refuses new callers and disposes late returns', async () => {
    const { pool: p, made } = pool({ capacity: 1, disposeError: 'throw' });
    const held = await p.acquire();
    const waiting = p.acquire({ assetKey: 'a' });
    await p.close();
    expect(await state(waiting)).toEqual({ error: expect.objectContaining({ code: 'ASSAY_BACKEND', message: 'The test backend was closed' }) });
    expect(made.map((r) => r.disposed)).toEqual([1]);
    await expect(p.acquire({ assetKey: 'silver/y' })).rejects.toMatchObject({ code: 'ASSAY_BACKEND', message: 'The test backend is closed', assetKey: 'silver/y', hint: 'Open it again.' });
    p.release(held);
    expect(held.disposed).toBe(2);
    expect(held.resets).toBe(0);
    await p.close();
    expect(p.isClosed).toBe(true);
    expect(p.size).toBe(0);
  });

  it('ignores disposers that reject', async () => {
    const { pool: p, made } = pool({ capacity: 2, disposeError: 'reject' });
    await p.acquire();
    await p.acquire();
    await expect(p.close()).resolves.toBeUndefined();
    expect(made.map((r) => r.disposed)).toEqual([1, 1]);
  });
});
