import { BackendError } from '../errors.js';
import { canceledError } from './canceled-error.js';

/** Options of {@link ResourcePool}. */
export interface ResourcePoolOptions<T> {
  /**
   * Makes a resource when a caller needs one, none is idle and fewer than `capacity` exist.
   * Synchronous: a resource that needs I/O to become usable (a login) does it on first use.
   * Without it the pool only hands out what {@link ResourcePool.add} gives it.
   */
  create?: () => T;
  /**
   * Frees a resource: each one on {@link ResourcePool.close}, and one released after close
   * (a resource may have come back to life while it was in use, e.g. by logging in again).
   * It may therefore be called twice for one resource. Errors are ignored.
   */
  dispose?: (resource: T) => void | Promise<void>;
  /** Clears per-use state of a released resource before anyone else gets it. */
  reset?: (resource: T) => void;
  /** Most resources `create` may make. Defaults to 0; see {@link ResourcePool.resize}. */
  capacity?: number;
  /** Who owns the pool, for errors after close: `<label> is closed`. Defaults to `The pool`. */
  label?: string;
  /** Hint of the error `acquire` throws after close. Defaults to none. */
  closedHint?: string;
}

/** Options of {@link ResourcePool.acquire}. */
export interface AcquireOptions {
  /** Gives up waiting when aborted, rejecting with `ASSAY_CANCELED`. */
  signal?: AbortSignal | undefined;
  /** Asset the resource is for, named in errors. */
  assetKey?: string | undefined;
}

interface Waiter<T> {
  resolve: (resource: T) => void;
  reject: (error: unknown) => void;
}

/**
 * A pool of resources (warehouse connections, sessions) handed out one per concurrent step,
 * for backends to build their connection pools on.
 *
 * A step holds its resource from first statement to last, since transactions and temporary
 * tables belong to a connection. Waiters are served first come, first served; a waiter whose
 * signal aborts leaves the queue with `ASSAY_CANCELED`. Resources come from `create`, lazily
 * and up to `capacity`, or are added ready-made with {@link ResourcePool.add}.
 *
 * @example
 * ```ts
 * const pool = new ResourcePool({ capacity: 4, create: () => new Session(options), dispose: (s) => s.close(), label: 'The Acme backend' });
 * const rows = await pool.use((session) => session.query('select 1'), { signal, assetKey });
 * await pool.close();
 * ```
 */
export class ResourcePool<T> {
  private readonly idle: T[] = [];
  private readonly all: T[] = [];
  private readonly waiters: Waiter<T>[] = [];
  private limit: number;
  private closed = false;

  constructor(private readonly options: ResourcePoolOptions<T> = {}) {
    this.limit = options.capacity ?? 0;
  }

  /** Number of resources the pool holds, in use or idle. */
  get size(): number {
    return this.all.length;
  }

  /** Most resources `create` may make. */
  get capacity(): number {
    return this.limit;
  }

  /** True once {@link ResourcePool.close} was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Raises the capacity (never lowers it, so resources in use stay valid) and serves waiters with new resources. */
  resize(capacity: number): void {
    if (capacity <= this.limit) return;
    this.limit = capacity;
    while (this.waiters.length > 0 && this.all.length < this.limit && this.options.create) this.waiters.shift()!.resolve(this.created());
  }

  /** Adds a ready-made resource, handing it to the next waiter or keeping it idle. After close it is disposed instead. */
  add(resource: T): void {
    if (this.closed) {
      void this.dispose(resource);
      return;
    }
    this.all.push(resource);
    this.release(resource);
  }

  /**
   * An idle resource, a new one when below capacity, or the next one released. Rejects with
   * `ASSAY_CANCELED` if `signal` aborts first, and with `ASSAY_BACKEND` once the pool is closed.
   */
  acquire(options: AcquireOptions = {}): Promise<T> {
    const { signal, assetKey } = options;
    if (this.closed) {
      return Promise.reject(
        new BackendError(`${this.options.label ?? 'The pool'} is closed`, {
          ...(assetKey ? { assetKey } : {}),
          ...(this.options.closedHint === undefined ? {} : { hint: this.options.closedHint }),
        }),
      );
    }
    if (signal?.aborted) return Promise.reject(canceledError(assetKey));
    const free = this.idle.pop();
    if (free !== undefined) return Promise.resolve(free);
    if (this.options.create && this.all.length < this.limit) {
      try {
        return Promise.resolve(this.created());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter<T> = {
        resolve: (r) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(r);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(canceledError(assetKey));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Returns a resource: reset, then handed to the next waiter or kept idle. After close it is disposed. */
  release(resource: T): void {
    if (this.closed) {
      void this.dispose(resource);
      return;
    }
    this.options.reset?.(resource);
    const next = this.waiters.shift();
    if (next) next.resolve(resource);
    else this.idle.push(resource);
  }

  /** Runs `work` with a resource, releasing it afterwards whatever happens. */
  async use<R>(work: (resource: T) => Promise<R>, options: AcquireOptions = {}): Promise<R> {
    const resource = await this.acquire(options);
    try {
      return await work(resource);
    } finally {
      this.release(resource);
    }
  }

  /**
   * Rejects waiters with `ASSAY_BACKEND` (`<label> was closed`) and disposes every resource.
   * Disposers start synchronously, in order; the promise settles when they all finished.
   * Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new BackendError(`${this.options.label ?? 'The pool'} was closed`));
    const all = this.all.splice(0);
    this.idle.length = 0;
    await Promise.all(all.map((r) => this.dispose(r)));
  }

  private created(): T {
    const resource = this.options.create!();
    this.all.push(resource);
    return resource;
  }

  /** Disposes one resource; starts synchronously, never rejects. */
  private async dispose(resource: T): Promise<void> {
    try {
      await this.options.dispose?.(resource);
    } catch {
      // Disposal is best effort: the resource may be gone already, and closing must go on.
    }
  }
}
