import type { DuckDBConnection } from '@duckdb/node-api';
import { StateError } from '@assay/core';

/** One step of the state file's schema history: the statements that take version `n - 1` to `n`. */
export interface StateMigration {
  /** The version this migration produces (1, 2, ...). */
  readonly version: number;
  /** What it changes, for the `schema_version` table and error messages. */
  readonly description: string;
  /** DDL/DML run in one transaction together with the version bump. */
  readonly statements: readonly string[];
}

/**
 * Every migration of the DuckDB state file, oldest first. Append to this list; never edit
 * an entry that has shipped, because files in users' `.assay/` folders are already at it.
 */
export const STATE_MIGRATIONS: readonly StateMigration[] = [
  {
    version: 1,
    description: 'runs, events, materializations, check_results',
    statements: [
      `CREATE TABLE runs (
        run_id     VARCHAR PRIMARY KEY,
        seq        BIGINT NOT NULL,
        status     VARCHAR NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        ended_at   TIMESTAMPTZ,
        selection  VARCHAR,
        backend    VARCHAR,
        pid        INTEGER
      )`,
      // No primary key or index on the hot tables: ART index maintenance would dominate the
      // cost of appending tens of thousands of events per run, and `seq` is append-ordered so
      // zone maps already prune range scans.
      `CREATE TABLE events (
        seq           BIGINT NOT NULL,
        run_id        VARCHAR NOT NULL,
        type          VARCHAR NOT NULL,
        asset_key     VARCHAR,
        partition_key VARCHAR,
        ts            TIMESTAMPTZ,
        payload       JSON NOT NULL
      )`,
      `CREATE TABLE materializations (
        seq               BIGINT NOT NULL,
        run_id            VARCHAR NOT NULL,
        asset_key         VARCHAR NOT NULL,
        partition_key     VARCHAR,
        data_version      VARCHAR NOT NULL,
        code_version      VARCHAR NOT NULL,
        upstream_versions JSON NOT NULL,
        row_count         BIGINT,
        duration_ms       DOUBLE NOT NULL,
        metadata          JSON NOT NULL,
        created_at        TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE check_results (
        seq              BIGINT NOT NULL,
        run_id           VARCHAR NOT NULL,
        asset_key        VARCHAR NOT NULL,
        partition_key    VARCHAR,
        check_name       VARCHAR NOT NULL,
        check_type       VARCHAR NOT NULL,
        severity         VARCHAR NOT NULL,
        blocking         BOOLEAN NOT NULL,
        passed           BOOLEAN NOT NULL,
        failing_rows     BIGINT,
        quarantined_rows BIGINT,
        message          VARCHAR,
        sample           JSON,
        metadata         JSON,
        created_at       TIMESTAMPTZ NOT NULL
      )`,
    ],
  },
];

/** The schema version this build of `@assay/duckdb` writes. */
export const STATE_SCHEMA_VERSION: number = STATE_MIGRATIONS[STATE_MIGRATIONS.length - 1]?.version ?? 0;

/**
 * Brings a state database up to {@link STATE_SCHEMA_VERSION}: creates `schema_version` if
 * needed, then applies each missing migration in its own transaction.
 *
 * @returns The version the file was at before (0 for a new file).
 * @throws {@link StateError} (`ASSAY_STATE`) when the file was written by a newer Assay, or
 * when a migration fails (the failed migration is rolled back).
 */
export async function migrateStateSchema(
  connection: DuckDBConnection,
  path: string,
  migrations: readonly StateMigration[] = STATE_MIGRATIONS,
): Promise<number> {
  await connection.run(`CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER PRIMARY KEY,
    description VARCHAR NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
  )`);
  const rows = (await connection.runAndReadAll('SELECT coalesce(max(version), 0) AS v FROM schema_version')).getRowObjectsJS();
  const current = Number(rows[0]?.v ?? 0);
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  if (current > latest) {
    throw new StateError(`State file "${path}" has schema version ${current}, newer than this Assay understands (${latest})`, {
      hint: 'It was written by a newer @assay/duckdb. Upgrade Assay, or point the state store at another file.',
    });
  }
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    try {
      await connection.run('BEGIN TRANSACTION');
      for (const statement of migration.statements) await connection.run(statement);
      await connection.run('INSERT INTO schema_version (version, description) VALUES ($1, $2)', [migration.version, migration.description]);
      await connection.run('COMMIT');
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => undefined);
      throw new StateError(`Cannot migrate state file "${path}" to schema version ${migration.version}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }
  return current;
}
