import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ResourcePool } from '@assay/core';

/**
 * A fixed set of connections to one DuckDB instance, handed out one per concurrent worker.
 *
 * DuckDB runs one statement at a time per connection, and a transaction belongs to its
 * connection, so a step keeps its connection from first statement to commit. Connections are
 * opened up front ({@link ConnectionPool.grow}), so a bad setting fails when the backend
 * opens; waiting and cancellation are {@link ResourcePool}'s.
 */
export class ConnectionPool extends ResourcePool<DuckDBConnection> {
  constructor(
    private readonly instance: DuckDBInstance,
    private readonly prepare: (connection: DuckDBConnection) => Promise<void>,
  ) {
    const closed = new WeakSet<DuckDBConnection>();
    super({
      label: 'The DuckDB backend',
      // Interrupts a running statement, then closes. A connection in use when the pool closed
      // comes back through release() and is offered again: close it only once.
      dispose: (connection) => {
        if (closed.has(connection)) return;
        closed.add(connection);
        try {
          connection.interrupt();
          connection.closeSync();
        } catch {
          // Closing is best effort: the instance closes right after and frees everything.
        }
      },
    });
  }

  /** Opens connections until there are `size` of them. */
  async grow(size: number): Promise<void> {
    while (this.size < size) {
      const connection = await this.instance.connect();
      await this.prepare(connection);
      this.add(connection);
    }
  }
}
