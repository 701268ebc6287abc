/**
 * SHOW and DESCRIBE for the test server, answered from DuckDB's catalog functions and the
 * server's registries with Snowflake's column names.
 */
import { columnMetadata } from './result-encoder.js';
import { objectDoesNotExist, unsupported } from './snowflake-sql-error.js';
import { displayName } from './sql-expression-translator.js';
import { optionText, type CommandStatement, type QualifiedName } from './sql-translator.js';
import type { SnowflakeTypeName } from './snowflake-types.js';
import { STATEMENT_TYPE, splitKey, type CommandContext, type ServerCatalog, type StatementResult } from './command-context.js';

/** `DESCRIBE TABLE`: Snowflake's column listing for a table or view. */
export async function describeTable(ctx: CommandContext, catalog: ServerCatalog, name: QualifiedName): Promise<StatementResult> {
  const full = ctx.resolveName(name);
  const reader = await ctx.duck(
    'SELECT column_name, data_type, is_nullable, column_default, comment FROM duckdb_columns() WHERE database_name = $1 AND schema_name = $2 AND table_name = $3 ORDER BY column_index',
    [full.database, full.schema, full.name],
  );
  const rows = reader.getRowObjectsJS();
  if (rows.length === 0) throw objectDoesNotExist(ctx.sql, 'Table', displayName(full));
  const declared = new Map((catalog.declared.get(displayName(full)) ?? []).map((c) => [c.column, c.type]));
  const cols = ['name', 'type', 'kind', 'null?', 'default', 'primary key', 'unique key', 'check', 'expression', 'comment', 'policy name'];
  return {
    rowtype: cols.map((c) => columnMetadata(c, 'TEXT')),
    rowset: rows.map((r) => [
      String(r.column_name),
      snowflakeTypeText(String(r.data_type), declared.get(String(r.column_name))),
      'COLUMN',
      r.is_nullable ? 'Y' : 'N',
      r.column_default === null ? null : String(r.column_default),
      'N',
      'N',
      null,
      null,
      r.comment === null ? null : String(r.comment),
      null,
    ]),
    statementTypeId: STATEMENT_TYPE.misc,
  };
}

/** `SHOW <objects>` with Snowflake's (lower-case) columns, filtered by LIKE / IN / STARTS WITH / LIMIT. */
export async function showObjects(ctx: CommandContext, catalog: ServerCatalog, statement: Extract<CommandStatement, { kind: 'show' }>): Promise<StatementResult> {
  const session = ctx.session;
  const sql = ctx.sql;
  const likeRe = statement.like !== undefined ? likeToRegExp(statement.like) : undefined;
  const nameOk = (n: string): boolean => (!likeRe || likeRe.test(n)) && (statement.startsWith === undefined || n.startsWith(statement.startsWith));
  const scope = statement.scope;
  let database: string | null = session.database;
  let schema: string | null = null;
  if (scope?.kind === 'account') database = null;
  else if (scope?.kind === 'database') database = scope.name?.name ?? session.database;
  else if (scope?.kind === 'schema') {
    database = scope.name?.schema ?? session.database;
    schema = scope.name?.name ?? session.schema;
  }
  const inScope = (db: string, sc?: string): boolean => (database === null || db === database) && (schema === null || sc === undefined || sc === schema);
  const limit = <T>(rows: T[]): T[] => (statement.limit !== undefined ? rows.slice(0, statement.limit) : rows);
  const result = (cols: [string, SnowflakeTypeName][], rows: unknown[][]): StatementResult => ({
    rowtype: cols.map(([n, t]) => columnMetadata(n, t)),
    rowset: limit(rows).map((r) => r.map((v) => jsValueText(v))),
    statementTypeId: STATEMENT_TYPE.misc,
  });
  const object = statement.object;
  if (object === 'TABLES' || object === 'VIEWS' || object === 'OBJECTS') {
    const tables = (await ctx.duck(`SELECT database_name, schema_name, table_name AS name, temporary, estimated_size, comment, 'TABLE' AS kind FROM duckdb_tables() UNION ALL SELECT database_name, schema_name, view_name, temporary, NULL, comment, 'VIEW' FROM duckdb_views() WHERE NOT internal ORDER BY 1, 2, 3`)).getRowObjectsJS();
    const rows = tables.filter((t) => {
      const db = String(t.database_name);
      const sc = String(t.schema_name);
      if (['memory', 'system', 'temp'].includes(db) || ['main', 'information_schema', 'pg_catalog'].includes(sc)) return false;
      if (object === 'TABLES' && t.kind !== 'TABLE') return false;
      if (object === 'VIEWS' && t.kind !== 'VIEW') return false;
      return inScope(db, sc) && nameOk(String(t.name));
    });
    if (object === 'VIEWS') {
      return result(
        [['created_on', 'TIMESTAMP_LTZ'], ['name', 'TEXT'], ['reserved', 'TEXT'], ['database_name', 'TEXT'], ['schema_name', 'TEXT'], ['owner', 'TEXT'], ['comment', 'TEXT'], ['text', 'TEXT'], ['is_secure', 'TEXT'], ['is_materialized', 'TEXT']],
        rows.map((t) => [null, t.name, '', t.database_name, t.schema_name, 'ACCOUNTADMIN', t.comment ?? '', null, 'false', 'false']),
      );
    }
    const dyn = new Set(catalog.dynamicTables.keys());
    return result(
      [['created_on', 'TIMESTAMP_LTZ'], ['name', 'TEXT'], ['database_name', 'TEXT'], ['schema_name', 'TEXT'], ['kind', 'TEXT'], ['comment', 'TEXT'], ['cluster_by', 'TEXT'], ['rows', 'NUMBER'], ['bytes', 'NUMBER'], ['owner', 'TEXT'], ['retention_time', 'TEXT'], ['is_dynamic', 'TEXT']],
      rows.map((t) => [null, t.name, t.database_name, t.schema_name, t.kind === 'VIEW' ? 'VIEW' : t.temporary ? 'TEMPORARY' : 'TABLE', t.comment ?? '', '', t.estimated_size ?? null, null, 'ACCOUNTADMIN', '1', dyn.has(`${String(t.database_name)}.${String(t.schema_name)}.${String(t.name)}`) ? 'Y' : 'N']),
    );
  }
  if (object === 'SCHEMAS') {
    const schemas = (await ctx.duck(`SELECT database_name, schema_name FROM duckdb_schemas() ORDER BY 1, 2`)).getRowObjectsJS();
    const rows = schemas.filter((s) => !['memory', 'system', 'temp'].includes(String(s.database_name)) && !['main', 'information_schema', 'pg_catalog'].includes(String(s.schema_name)) && inScope(String(s.database_name)) && nameOk(String(s.schema_name)));
    return result(
      [['created_on', 'TIMESTAMP_LTZ'], ['name', 'TEXT'], ['is_default', 'TEXT'], ['is_current', 'TEXT'], ['database_name', 'TEXT'], ['owner', 'TEXT'], ['comment', 'TEXT'], ['options', 'TEXT'], ['retention_time', 'TEXT']],
      rows.map((s) => [null, s.schema_name, 'N', s.database_name === session.database && s.schema_name === session.schema ? 'Y' : 'N', s.database_name, 'ACCOUNTADMIN', '', '', '1']),
    );
  }
  if (object === 'DATABASES') {
    const dbs = (await ctx.duck(`SELECT database_name FROM duckdb_databases() WHERE NOT internal ORDER BY 1`)).getRowObjectsJS();
    const rows = dbs.filter((d) => !['memory', 'system', 'temp'].includes(String(d.database_name)) && nameOk(String(d.database_name)));
    return result(
      [['created_on', 'TIMESTAMP_LTZ'], ['name', 'TEXT'], ['is_default', 'TEXT'], ['is_current', 'TEXT'], ['origin', 'TEXT'], ['owner', 'TEXT'], ['comment', 'TEXT'], ['options', 'TEXT'], ['retention_time', 'TEXT'], ['kind', 'TEXT']],
      rows.map((d) => [null, d.database_name, d.database_name === catalog.defaultDatabase ? 'Y' : 'N', d.database_name === session.database ? 'Y' : 'N', '', 'ACCOUNTADMIN', '', '', '1', 'STANDARD']),
    );
  }
  if (object === 'COLUMNS') {
    const tableScope = scope?.kind === 'table' && scope.name ? ctx.resolveName(scope.name) : undefined;
    const cols = (await ctx.duck(`SELECT database_name, schema_name, table_name, column_name, data_type, is_nullable, column_default FROM duckdb_columns() ORDER BY 1, 2, 3, column_index`)).getRowObjectsJS();
    const rows = cols.filter((c) => {
      const db = String(c.database_name);
      const sc = String(c.schema_name);
      if (['memory', 'system', 'temp'].includes(db) || ['main', 'information_schema', 'pg_catalog'].includes(sc)) return false;
      if (tableScope) return db === tableScope.database && sc === tableScope.schema && c.table_name === tableScope.name && nameOk(String(c.column_name));
      return inScope(db, sc) && nameOk(String(c.column_name));
    });
    return result(
      [['table_name', 'TEXT'], ['schema_name', 'TEXT'], ['column_name', 'TEXT'], ['data_type', 'TEXT'], ['null?', 'TEXT'], ['default', 'TEXT'], ['kind', 'TEXT'], ['expression', 'TEXT'], ['comment', 'TEXT'], ['database_name', 'TEXT'], ['autoincrement', 'TEXT']],
      rows.map((c) => {
        const declaredType = catalog.declared.get(`${String(c.database_name)}.${String(c.schema_name)}.${String(c.table_name)}`)?.find((d) => d.column === c.column_name)?.type;
        return [c.table_name, c.schema_name, c.column_name, JSON.stringify({ type: snowflakeTypeText(String(c.data_type), declaredType), nullable: Boolean(c.is_nullable) }), c.is_nullable ? 'true' : 'false', c.column_default ?? '', 'COLUMN', '', '', c.database_name, ''];
      }),
    );
  }
  if (object === 'STAGES') {
    const rows = catalog.stages.list().filter((s) => s.name.database !== undefined && inScope(s.name.database, s.name.schema) && nameOk(s.name.name) && !s.key.includes('.%') && !s.key.startsWith('~'));
    return result(
      [['created_on', 'TIMESTAMP_LTZ'], ['name', 'TEXT'], ['database_name', 'TEXT'], ['schema_name', 'TEXT'], ['url', 'TEXT'], ['has_credentials', 'TEXT'], ['has_encryption_key', 'TEXT'], ['owner', 'TEXT'], ['comment', 'TEXT'], ['region', 'TEXT'], ['type', 'TEXT']],
      rows.map((s) => [s.createdAt, s.name.name, s.name.database, s.name.schema, s.url ?? '', 'N', 'N', 'ACCOUNTADMIN', '', null, s.url ? 'EXTERNAL' : 'INTERNAL']),
    );
  }
  if (object === 'FILE FORMATS') {
    const rows = catalog.stages.listFileFormats().filter((f) => {
      const [db, sc, n] = splitKey(f.key);
      return inScope(db, sc) && nameOk(n);
    });
    return result(
      [['created_on', 'TIMESTAMP_LTZ'], ['name', 'TEXT'], ['database_name', 'TEXT'], ['schema_name', 'TEXT'], ['type', 'TEXT'], ['owner', 'TEXT'], ['comment', 'TEXT'], ['format_options', 'TEXT']],
      rows.map((f) => {
        const [db, sc, n] = splitKey(f.key);
        return [null, n, db, sc, optionText(f.options.TYPE ?? 'CSV').toUpperCase(), 'ACCOUNTADMIN', '', JSON.stringify(f.options)];
      }),
    );
  }
  if (object === 'DYNAMIC TABLES') {
    const rows = [...catalog.dynamicTables.values()].filter((d) => inScope(d.name.database, d.name.schema) && nameOk(d.name.name));
    return result(
      [['created_on', 'TIMESTAMP_LTZ'], ['name', 'TEXT'], ['database_name', 'TEXT'], ['schema_name', 'TEXT'], ['cluster_by', 'TEXT'], ['rows', 'NUMBER'], ['bytes', 'NUMBER'], ['owner', 'TEXT'], ['target_lag', 'TEXT'], ['refresh_mode', 'TEXT'], ['refresh_mode_reason', 'TEXT'], ['warehouse', 'TEXT'], ['comment', 'TEXT'], ['text', 'TEXT'], ['automatic_clustering', 'TEXT'], ['scheduling_state', 'TEXT'], ['last_suspended_on', 'TIMESTAMP_LTZ'], ['is_clone', 'TEXT'], ['is_replica', 'TEXT'], ['data_timestamp', 'TIMESTAMP_LTZ']],
      rows.map((d) => [d.createdAt, d.name.name, d.name.database, d.name.schema, '', null, null, 'ACCOUNTADMIN', d.targetLag, d.refreshMode === 'AUTO' ? 'FULL' : d.refreshMode, '', d.warehouse ?? '', '', d.text, 'OFF', d.schedulingState, null, 'false', 'false', d.lastRefreshedAt]),
    );
  }
  if (object === 'WAREHOUSES') {
    const name = session.warehouse ?? 'COMPUTE_WH';
    return result([['name', 'TEXT'], ['state', 'TEXT'], ['type', 'TEXT'], ['size', 'TEXT'], ['is_current', 'TEXT']], nameOk(name) ? [[name, 'STARTED', 'STANDARD', 'X-Small', 'Y']] : []);
  }
  throw unsupported(sql, `SHOW ${object}`);
}

/** Converts a SQL LIKE pattern (case-insensitive, as in SHOW ... LIKE) to a RegExp. */
function likeToRegExp(like: string): RegExp {
  const body = like.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** JS value to Snowflake wire text for SHOW results. */
function jsValueText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return (v.getTime() / 1000).toFixed(9);
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'bigint') return v.toString();
  return String(v);
}

/** Snowflake type text (DESCRIBE, SHOW COLUMNS) for a DuckDB column type. */
export function snowflakeTypeText(duckType: string, declared: SnowflakeTypeName | undefined): string {
  if (declared === 'TIMESTAMP_TZ') return 'TIMESTAMP_TZ(9)';
  if (declared === 'OBJECT' || declared === 'ARRAY') return declared;
  const dec = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(duckType);
  if (dec) return `NUMBER(${dec[1]},${dec[2]})`;
  if (['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT'].includes(duckType)) return 'NUMBER(38,0)';
  if (duckType === 'DOUBLE' || duckType === 'FLOAT') return 'FLOAT';
  if (duckType === 'VARCHAR') return 'VARCHAR(16777216)';
  if (duckType === 'JSON') return 'VARIANT';
  if (duckType === 'TIMESTAMP') return 'TIMESTAMP_NTZ(9)';
  if (duckType === 'TIMESTAMP WITH TIME ZONE') return 'TIMESTAMP_LTZ(9)';
  if (duckType === 'BLOB') return 'BINARY(8388608)';
  if (duckType === 'TIME') return 'TIME(9)';
  return duckType;
}
