/**
 * Error classes for everything Assay reports to users.
 *
 * Every error derives from {@link AssayError} and carries a stable `code` that scripts and
 * tests can match on (`ASSAY_CYCLE`, `ASSAY_UNKNOWN_DEP`, ...), plus the asset key and
 * partition when the failure belongs to one asset. Errors raised by user code or drivers are
 * wrapped, never replaced: the original stays reachable as `cause`.
 */

/** Stable error codes. New codes may be added; existing ones never change meaning. */
export type AssayErrorCode =
  | 'ASSAY_CYCLE'
  | 'ASSAY_UNKNOWN_DEP'
  | 'ASSAY_DUPLICATE_KEY'
  | 'ASSAY_INVALID_KEY'
  | 'ASSAY_INVALID_DEFINITION'
  | 'ASSAY_SELECTION_SYNTAX'
  | 'ASSAY_SELECTION_UNKNOWN_ATTRIBUTE'
  | 'ASSAY_SELECTION_EMPTY'
  | 'ASSAY_UNKNOWN_ASSET'
  | 'ASSAY_ASSET_FAILED'
  | 'ASSAY_CHECK_FAILED'
  | 'ASSAY_CANCELED'
  | 'ASSAY_CONFIG'
  | 'ASSAY_BACKEND'
  | 'ASSAY_SQL'
  | 'ASSAY_LOCKED'
  | 'ASSAY_SCHEMA_CHANGE'
  | 'ASSAY_UNSUPPORTED'
  | 'ASSAY_STATE'
  | 'ASSAY_PARTITION'
  | 'ASSAY_INGEST';

/** Options shared by every {@link AssayError}. */
export interface AssayErrorOptions {
  /** The underlying error (driver error, user exception). Kept as the standard `cause`. */
  cause?: unknown;
  /** Key of the asset the error belongs to, when there is one. */
  assetKey?: string;
  /** Partition key the failing step was running, when partitioned. */
  partition?: string;
  /** One-line suggestion shown under the message by the CLI. */
  hint?: string;
  /** True when retrying the same work may succeed (lock conflict, network blip). */
  transient?: boolean;
}

/**
 * Base class of every error Assay raises.
 *
 * @example
 * ```ts
 * try { defineAssets([a, b]); }
 * catch (e) { if (e instanceof AssayError && e.code === 'ASSAY_CYCLE') ... }
 * ```
 */
export class AssayError extends Error {
  /** Stable machine-readable code, e.g. `ASSAY_CYCLE`. */
  readonly code: AssayErrorCode;
  /** Asset the error belongs to, if any. */
  readonly assetKey: string | undefined;
  /** Partition the error belongs to, if any. */
  readonly partition: string | undefined;
  /** A short suggestion for the user, if Assay has one. */
  readonly hint: string | undefined;
  /** Whether retrying may succeed. Defaults to false. */
  readonly transient: boolean;

  constructor(code: AssayErrorCode, message: string, options: AssayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.assetKey = options.assetKey;
    this.partition = options.partition;
    this.hint = options.hint;
    this.transient = options.transient ?? false;
  }

  /** A plain object for JSON output and event payloads (no stack, cause summarized). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    if (this.assetKey !== undefined) out.assetKey = this.assetKey;
    if (this.partition !== undefined) out.partition = this.partition;
    if (this.hint !== undefined) out.hint = this.hint;
    if (this.cause !== undefined) out.cause = describeError(this.cause);
    return out;
  }
}

/** The dependency graph has a cycle; `cycle` lists the keys along it, first key repeated last. */
export class CycleError extends AssayError {
  /** The cycle path, e.g. `['a', 'b', 'c', 'a']`. */
  readonly cycle: readonly string[];
  constructor(cycle: readonly string[]) {
    super('ASSAY_CYCLE', `Dependency cycle (each asset feeds the next): ${cycle.join(' -> ')}`, {
      assetKey: cycle[0],
      hint: 'Remove one of these dependencies; assets must form a directed acyclic graph.',
    });
    this.cycle = cycle;
  }
}

/** An asset depends on a key that no definition provides. */
export class UnknownDependencyError extends AssayError {
  /** The missing dependency key. */
  readonly dependency: string;
  constructor(assetKey: string, dependency: string, suggestion?: string) {
    super('ASSAY_UNKNOWN_DEP', `Asset "${assetKey}" depends on unknown asset "${dependency}"`, {
      assetKey,
      hint: suggestion
        ? `Did you mean "${suggestion}"?`
        : 'Define the dependency, or declare it with sourceAsset() if Assay does not build it.',
    });
    this.dependency = dependency;
  }
}

/** Two definitions share one key. */
export class DuplicateKeyError extends AssayError {
  constructor(assetKey: string) {
    super('ASSAY_DUPLICATE_KEY', `Asset key "${assetKey}" is defined more than once`, {
      assetKey,
      hint: 'Each asset key must be unique across the project.',
    });
  }
}

/** A key or key segment is malformed. */
export class InvalidKeyError extends AssayError {
  constructor(key: string, reason: string) {
    super('ASSAY_INVALID_KEY', `Invalid asset key "${key}": ${reason}`, {
      assetKey: key,
      hint: 'Key segments use letters, digits, "_" or "-", start with a letter or "_", and are joined by "/" (e.g. "silver/orders").',
    });
  }
}

/** A definition is malformed in some other way (bad option, missing SQL, ...). */
export class InvalidDefinitionError extends AssayError {
  constructor(assetKey: string | undefined, message: string, hint?: string) {
    super('ASSAY_INVALID_DEFINITION', assetKey ? `Asset "${assetKey}": ${message}` : message, {
      ...(assetKey === undefined ? {} : { assetKey }),
      ...(hint === undefined ? {} : { hint }),
    });
  }
}

/** A selection expression could not be parsed. `column` is 1-based. */
export class SelectionSyntaxError extends AssayError {
  /** The selection text as given. */
  readonly selection: string;
  /** 1-based column of the offending character. */
  readonly column: number;
  /** What the parser expected there. */
  readonly expected: string;
  constructor(selection: string, column: number, message: string, expected: string) {
    super(
      'ASSAY_SELECTION_SYNTAX',
      `Invalid selection at column ${column}: ${message}\n  ${selection}\n  ${' '.repeat(Math.max(0, column - 1))}^ expected ${expected}`,
      { hint: 'See "Selection grammar" in docs/selection.md.' },
    );
    this.selection = selection;
    this.column = column;
    this.expected = expected;
  }
}

/** A selection names an attribute the grammar does not know (e.g. `colour:red`). */
export class UnknownSelectionAttributeError extends AssayError {
  /** The attribute as written. */
  readonly attribute: string;
  /** 1-based column of the attribute. */
  readonly column: number;
  constructor(selection: string, attribute: string, column: number, known: readonly string[]) {
    super(
      'ASSAY_SELECTION_UNKNOWN_ATTRIBUTE',
      `Unknown selection attribute "${attribute}" at column ${column}\n  ${selection}\n  ${' '.repeat(Math.max(0, column - 1))}^`,
      { hint: `Known attributes: ${known.join(', ')}.` },
    );
    this.attribute = attribute;
    this.column = column;
  }
}

/** A key was referenced (in a selection, API call or CLI flag) that no asset has. */
export class UnknownAssetError extends AssayError {
  constructor(assetKey: string, suggestion?: string) {
    super('ASSAY_UNKNOWN_ASSET', `No asset with key "${assetKey}"`, {
      assetKey,
      ...(suggestion ? { hint: `Did you mean "${suggestion}"?` } : {}),
    });
  }
}

/** An asset's materialization failed. The driver or user error is `cause`. */
export class AssetFailedError extends AssayError {
  constructor(assetKey: string, message: string, options: Omit<AssayErrorOptions, 'assetKey'> = {}) {
    super('ASSAY_ASSET_FAILED', `Asset "${assetKey}" failed: ${message}`, { ...options, assetKey });
  }
}

/** A SQL statement failed in the warehouse. Carries the statement and, when known, the position. */
export class SqlError extends AssayError {
  /** The SQL that failed (possibly long; render an excerpt). */
  readonly sql: string;
  /** 1-based character offset of the error within `sql`, when the engine reports one. */
  readonly position: number | undefined;
  constructor(message: string, sql: string, options: AssayErrorOptions & { position?: number } = {}) {
    super('ASSAY_SQL', message, options);
    this.sql = sql;
    this.position = options.position;
  }
}

/** A run or step was canceled through an AbortSignal (Ctrl-C, timeout, fail-fast). */
export class CanceledError extends AssayError {
  constructor(message = 'Canceled', options: AssayErrorOptions = {}) {
    super('ASSAY_CANCELED', message, options);
  }
}

/** Project configuration is missing or wrong (no assay.config.ts, unknown target, ...). */
export class ConfigError extends AssayError {
  constructor(message: string, options: AssayErrorOptions = {}) {
    super('ASSAY_CONFIG', message, options);
  }
}

/** A backend failed outside of a particular SQL statement (connection, lock, capability). */
export class BackendError extends AssayError {
  constructor(message: string, options: AssayErrorOptions & { code?: 'ASSAY_BACKEND' | 'ASSAY_LOCKED' | 'ASSAY_SCHEMA_CHANGE' | 'ASSAY_INGEST' } = {}) {
    super(options.code ?? 'ASSAY_BACKEND', message, options);
  }
}

/** The backend or configuration does not support what a definition asks for. */
export class UnsupportedError extends AssayError {
  constructor(message: string, options: AssayErrorOptions = {}) {
    super('ASSAY_UNSUPPORTED', message, options);
  }
}

/** A state store could not be read or written. */
export class StateError extends AssayError {
  constructor(message: string, options: AssayErrorOptions = {}) {
    super('ASSAY_STATE', message, options);
  }
}

/** A partition key is not valid for the asset's partitions definition. */
export class PartitionError extends AssayError {
  constructor(message: string, options: AssayErrorOptions = {}) {
    super('ASSAY_PARTITION', message, options);
  }
}

/** True for any {@link AssayError} (also across duplicate module copies, by shape). */
export function isAssayError(value: unknown): value is AssayError {
  return (
    value instanceof AssayError ||
    (value instanceof Error && typeof (value as unknown as { code?: unknown }).code === 'string' && String((value as unknown as { code: string }).code).startsWith('ASSAY_'))
  );
}

/** A short, safe description of any thrown value, for logs and JSON output. */
export function describeError(error: unknown): Record<string, unknown> {
  if (isAssayError(error)) {
    const out: Record<string, unknown> = { name: error.name, code: error.code, message: error.message };
    if (error.assetKey !== undefined) out.assetKey = error.assetKey;
    return out;
  }
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { message: String(error) };
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
