/**
 * What statement handlers outside the server core (SHOW/DESCRIBE, COPY/PUT) get to work with:
 * the running statement's DuckDB access and the server's registries.
 */
import type { DuckDBResultReader, DuckDBValue } from '@duckdb/node-api';
import { columnMetadata, type EncodedResult } from './result-encoder.js';
import type { QualifiedName } from './sql-translator.js';
import type { NameScope, StageStore } from './stage-store.js';
import type { SnowflakeTypeName } from './snowflake-types.js';

/** A statement's result with Snowflake's statement type id (drives the driver's DML counts). */
export interface StatementResult extends EncodedResult {
  readonly statementTypeId: number;
}

/** Snowflake statement type ids the driver distinguishes (DML ids make getNumUpdatedRows() work). */
export const STATEMENT_TYPE = { select: 0x1000, insert: 0x3100, update: 0x3200, delete: 0x3300, merge: 0x3400, ddl: 0x6000, misc: 0x7000 } as const;

/** A one-row `status` result, as Snowflake returns for DDL and session commands. */
export function statusResult(message: string, typeId: number = STATEMENT_TYPE.ddl): StatementResult {
  return { rowtype: [columnMetadata('status', 'TEXT')], rowset: [[message]], statementTypeId: typeId };
}

/** The running statement, as seen by a command handler. */
export interface CommandContext {
  /** The statement text as the client sent it. */
  readonly sql: string;
  readonly queryId: string;
  readonly session: { readonly database: string | null; readonly schema: string | null; readonly warehouse: string | null; readonly user: string };
  readonly scope: NameScope;
  /** Runs DuckDB SQL on the session's connection (recorded, interruptible). */
  duck(sql: string, params?: DuckDBValue[]): Promise<DuckDBResultReader>;
  /** Runs `fn` in a transaction unless the session already has one open. */
  atomically<T>(fn: () => Promise<T>): Promise<T>;
  /** True once the statement was canceled. */
  isCanceled(): boolean;
  /** Fills in the session's database and schema. */
  resolveName(name: QualifiedName): Required<QualifiedName>;
  tableExists(name: Required<QualifiedName>): Promise<boolean>;
  /** Session parameters as sent with results. */
  parameters(): { name: string; value: unknown }[];
}

/** A dynamic table the server knows (refreshed only on ALTER DYNAMIC TABLE ... REFRESH). */
export interface DynamicTableRecord {
  name: Required<QualifiedName>;
  targetLag: string;
  warehouse?: string;
  refreshMode: string;
  text: string;
  querySql: string;
  schedulingState: 'RUNNING' | 'SUSPENDED';
  refreshCount: number;
  createdAt: Date;
  lastRefreshedAt: Date;
}

/** Server-wide registries command handlers read. */
export interface ServerCatalog {
  readonly defaultDatabase: string;
  readonly stages: StageStore;
  /** `DB.SCHEMA.TABLE` -> columns declared with a type DuckDB stores ambiguously. */
  readonly declared: ReadonlyMap<string, readonly { column: string; type: SnowflakeTypeName }[]>;
  /** `DB.SCHEMA.NAME` -> dynamic table. */
  readonly dynamicTables: ReadonlyMap<string, DynamicTableRecord>;
}

/** Splits a `DB.SCHEMA.NAME` registry key. */
export function splitKey(key: string): [string, string, string] {
  const [db = '', schema = '', ...rest] = key.split('.');
  return [db, schema, rest.join('.')];
}
