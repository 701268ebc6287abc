import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type * as Winston from 'winston';
import type { Logger } from 'winston';

export type { Logger } from 'winston';

const SECRET_KEY = /pass(word|phrase)?|secret|token|private_?key|api_?key|authorization|credential/i;
const registeredSecrets = new Set<string>();

/**
 * Registers a secret value (a password, a token) so every Assay logger masks it wherever it
 * appears in a message or field. Backends call this for the credentials they are given.
 */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) registeredSecrets.add(value);
}

/** Replaces registered secrets in text with `***`. */
export function maskSecrets(text: string): string {
  let out = text;
  for (const s of registeredSecrets) if (out.includes(s)) out = out.split(s).join('***');
  return out;
}

/** Masks fields named like secrets and registered secret values, recursively. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskSecrets(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && v != null && v !== '' ? '***' : redact(v, depth + 1);
  return out;
}

let loaded: typeof Winston | undefined;

/**
 * winston, loaded on first use: it costs ~60 ms to import, and commands such as
 * `assets list` never log. It is CommonJS, so a synchronous require keeps `createLogger`
 * synchronous.
 */
export function winstonModule(): typeof Winston {
  loaded ??= createRequire(import.meta.url)('winston') as typeof Winston;
  return loaded;
}

const redactInfo = (info: Winston.Logform.TransformableInfo): Winston.Logform.TransformableInfo => {
  for (const key of Object.keys(info)) {
    const v = info[key];
    if (key === 'level' || key === 'timestamp') continue;
    info[key] = SECRET_KEY.test(key) && v != null && v !== '' && key !== 'message' ? '***' : redact(v);
  }
  if (info instanceof Error && typeof info.stack === 'string') info.stack = maskSecrets(info.stack);
  return info;
};

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level: error, warn, info, debug. Defaults to `info`. */
  level?: string;
  /** Human console output on stderr. Defaults to false (the CLI renders its own). */
  console?: boolean;
  /** Write JSON lines to this file (directories are created). */
  jsonFile?: string;
  /** Colorize console output. Defaults to false. */
  color?: boolean;
}

/**
 * Creates a winston logger with Assay's redaction (secret-like fields and registered
 * secrets masked) and optional human console and JSON-lines file transports.
 *
 * With neither transport it is silent, which is the default for library use.
 *
 * @example
 * ```ts
 * const logger = createLogger({ console: true, jsonFile: '.assay/logs/run.jsonl' });
 * await materialize(defs, { backend, logger });
 * ```
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const winston = winstonModule();
  const transports: Winston.transport[] = [];
  if (options.console) {
    transports.push(
      new winston.transports.Console({
        stderrLevels: ['error', 'warn', 'info', 'debug', 'verbose', 'silly'],
        format: winston.format.combine(
          ...(options.color ? [winston.format.colorize()] : []),
          winston.format.printf(({ level, message, assetKey }) => `${level}${assetKey ? ` [${String(assetKey)}]` : ''} ${String(message)}`),
        ),
      }),
    );
  }
  if (options.jsonFile) {
    mkdirSync(dirname(options.jsonFile), { recursive: true });
    transports.push(new winston.transports.File({ filename: options.jsonFile, format: winston.format.json() }));
  }
  if (transports.length === 0) transports.push(new winston.transports.Console({ silent: true }));
  return winston.createLogger({
    level: options.level ?? 'info',
    // errors() must sit at the logger level: on a transport alone the stack is dropped.
    format: winston.format.combine(winston.format.errors({ stack: true }), winston.format(redactInfo)(), winston.format.timestamp()),
    transports,
  });
}

let silent: Logger | undefined;

/** A shared logger that writes nothing (the default when callers pass none). */
export function silentLogger(): Logger {
  silent ??= createLogger();
  return silent;
}
