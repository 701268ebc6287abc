import { ConfigError, registerSecret } from '@assay/core';

const PATTERN = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Options of {@link interpolateEnv}. */
export interface InterpolateEnvOptions {
  /** Variables to read. Defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** Where the value came from, for error messages (e.g. `targets.prod`). */
  path?: string;
}

/**
 * Replaces `${env:NAME}` (and `${env:NAME:-default}`) in a string, or in every string of a
 * plain object or array, with environment variables. Returns a new value; the input is not
 * changed. Class instances, functions and other non-plain values are returned as they are.
 *
 * Every substituted value is registered as a secret, so loggers mask it wherever it shows
 * up (an interpolated value is usually a password or token).
 *
 * @throws {@link ConfigError} (`ASSAY_CONFIG`) naming the variable when one is unset and has
 * no default.
 *
 * @example
 * ```ts
 * interpolateEnv({ password: '${env:SNOWFLAKE_PASSWORD}' }); // { password: 's3cret' }
 * ```
 */
export function interpolateEnv<T>(value: T, options: InterpolateEnvOptions = {}): T {
  const env = options.env ?? process.env;
  const visit = (v: unknown, path: string): unknown => {
    if (typeof v === 'string') return substitute(v, env, path);
    if (Array.isArray(v)) return v.map((item, i) => visit(item, `${path}[${i}]`));
    if (isPlainObject(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = visit(item, path ? `${path}.${k}` : k);
      return out;
    }
    return v;
  };
  return visit(value, options.path ?? '') as T;
}

/**
 * Interpolates `${env:NAME}` strings inside an object that is not plain (a backend built by
 * a factory such as `snowflake({...})` in `assay.config.ts`): its own enumerable properties
 * that are strings, plain objects or arrays are replaced in place. Frozen or read-only
 * properties are left alone. Returns how many strings changed.
 *
 * @throws {@link ConfigError} when a referenced variable is unset and has no default.
 */
export function interpolateEnvInPlace(target: object, options: InterpolateEnvOptions = {}): number {
  let changed = 0;
  const seen = new Set<unknown>();
  const walk = (obj: Record<string, unknown>, path: string, depth: number): void => {
    if (seen.has(obj) || depth > 6) return;
    seen.add(obj);
    for (const key of Object.keys(obj)) {
      const v = obj[key];
      const where = path ? `${path}.${key}` : key;
      if (typeof v === 'string' && v.includes('${env:')) {
        const next = substitute(v, options.env ?? process.env, where);
        const d = Object.getOwnPropertyDescriptor(obj, key);
        if (d?.writable && !Object.isFrozen(obj)) {
          obj[key] = next;
          changed++;
        }
      } else if (v && typeof v === 'object' && (Array.isArray(v) || isPlainObject(v))) {
        walk(v as Record<string, unknown>, where, depth + 1);
      }
    }
  };
  walk(target as Record<string, unknown>, options.path ?? '', 0);
  return changed;
}

function substitute(text: string, env: Record<string, string | undefined>, path: string): string {
  if (!text.includes('${env:')) return text;
  return text.replace(PATTERN, (_m, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (value !== undefined && value !== '') {
      registerSecret(value);
      return value;
    }
    if (fallback !== undefined) return fallback;
    throw new ConfigError(`Environment variable ${name} is not set${path ? ` (needed by ${path} in the config)` : ''}`, {
      hint: `Export ${name}, add it to the project's .env file, or write \${env:${name}:-default} to give it a default.`,
    });
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
