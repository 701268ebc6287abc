import type { Connection } from 'snowflake-sdk';
import { ResourcePool } from '@assay/core';

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

/**
 * Up to `size` Snowflake connections, handed out one per running step. A step keeps its
 * connection from first statement to last, since transactions and temporary tables belong
 * to the session. Slots log in lazily, so a pool sized to the executor's concurrency only
 * opens the sessions the run actually uses. Waiting, cancellation and growing are
 * {@link ResourcePool}'s; a released slot stops counting as stateful.
 */
export class ConnectionPool extends ResourcePool<PooledConnection> {
  constructor(size: number, connect: () => Promise<Connection>, destroyConnection: (connection: Connection) => Promise<void>) {
    super({
      capacity: size,
      create: () => new PooledConnection(connect, destroyConnection),
      dispose: (slot) => slot.drop(),
      reset: (slot) => {
        slot.stateful = false;
      },
      label: 'The Snowflake backend',
      closedHint: 'Call open() again before using it.',
    });
  }

  /** Logs in the first connection now, so wrong credentials fail before any step runs. */
  async warmUp(): Promise<void> {
    await this.use(async (slot) => {
      await slot.ensure();
    });
  }
}
