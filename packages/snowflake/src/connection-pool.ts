import type { Connection } from 'snowflake-sdk';
import { BackendError } from '@assay/core';
import { canceledError } from './snowflake-errors.js';

/** One pooled slot: a driver connection, (re)connected on demand. */
export class PooledConnection {
  private connection: Connection | undefined;
  private connecting: Promise<Connection> | undefined;
  /**
   * True while the session holds state a new login would lose (an open transaction,
   * temporary tables), so an expired session must fail the step instead of reconnecting.
   */
  stateful = false;

  constructor(
    private readonly connect: () => Promise<Connection>,
    private readonly destroyConnection: (connection: Connection) => Promise<void>,
  ) {}

  /** The live connection, logging in first when there is none or the last one went down. */
  async ensure(): Promise<Connection> {
    if (this.connection?.isUp()) return this.connection;
    if (this.connection) await this.drop();
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    this.connection = await this.connecting;
    return this.connection;
  }

  /** Logs in again (after `390114`: the master token expired), discarding the old session. */
  async reconnect(): Promise<Connection> {
    await this.drop();
    return this.ensure();
  }

  /** Closes the session, ignoring errors (it may be gone already). */
  async drop(): Promise<void> {
    const old = this.connection;
    this.connection = undefined;
    this.stateful = false;
    if (old) await this.destroyConnection(old).catch(() => undefined);
  }
}

interface Waiter {
  resolve: (slot: PooledConnection) => void;
  reject: (error: unknown) => void;
}

/**
 * Up to `size` Snowflake connections, handed out one per running step. A step keeps its
 * connection from first statement to last, since transactions and temporary tables belong
 * to the session. Slots log in lazily, so a pool sized to the executor's concurrency only
 * opens the sessions the run actually uses. Waiters are served first come, first served.
 */
export class ConnectionPool {
  private readonly idle: PooledConnection[] = [];
  private readonly all: PooledConnection[] = [];
  private readonly waiters: Waiter[] = [];
  private closed = false;

  constructor(
    private size: number,
    private readonly connect: () => Promise<Connection>,
    private readonly destroyConnection: (connection: Connection) => Promise<void>,
  ) {}

  /** Maximum number of connections. */
  get capacity(): number {
    return this.size;
  }

  /** Raises the maximum (never lowers it while connections are in use). */
  resize(size: number): void {
    if (size <= this.size) return;
    this.size = size;
    while (this.waiters.length > 0 && this.all.length < this.size) this.waiters.shift()!.resolve(this.newSlot());
  }

  private newSlot(): PooledConnection {
    const slot = new PooledConnection(this.connect, this.destroyConnection);
    this.all.push(slot);
    return slot;
  }

  /** Logs in the first connection now, so wrong credentials fail before any step runs. */
  async warmUp(): Promise<void> {
    const slot = await this.acquire();
    try {
      await slot.ensure();
    } finally {
      this.release(slot);
    }
  }

  /** Waits for a free slot; rejects with `ASSAY_CANCELED` if `signal` aborts first. */
  acquire(signal?: AbortSignal, assetKey?: string): Promise<PooledConnection> {
    if (this.closed) return Promise.reject(new BackendError('The Snowflake backend is closed', { ...(assetKey ? { assetKey } : {}), hint: 'Call open() again before using it.' }));
    if (signal?.aborted) return Promise.reject(canceledError(assetKey));
    const free = this.idle.pop();
    if (free) return Promise.resolve(free);
    if (this.all.length < this.size) return Promise.resolve(this.newSlot());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (c) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(c);
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

  /** Returns a slot to the pool (or to the next waiter). */
  release(slot: PooledConnection): void {
    if (this.closed) {
      void slot.drop();
      return;
    }
    slot.stateful = false;
    const next = this.waiters.shift();
    if (next) next.resolve(slot);
    else this.idle.push(slot);
  }

  /** Rejects waiters and closes every session. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new BackendError('The Snowflake backend was closed'));
    await Promise.all(this.all.map((s) => s.drop()));
    this.all.length = 0;
    this.idle.length = 0;
  }
}
