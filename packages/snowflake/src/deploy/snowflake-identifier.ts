/**
 * Snowflake identifier helpers for the Dynamic Table compiler: quoting names given in options
 * (warehouse, database) and splitting the qualified relations a backend renders.
 */

const PLAIN = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/**
 * A name as Snowflake SQL text: plain identifiers (`TRANSFORM_WH`, `analytics`) are written as
 * they are, so Snowflake resolves them case-insensitively as usual; anything else is
 * double-quoted with its case kept.
 *
 * @example
 * ```ts
 * snowflakeIdentifier('transform_wh'); // transform_wh
 * snowflakeIdentifier('my-db');        // "my-db"
 * ```
 */
export function snowflakeIdentifier(name: string): string {
  return PLAIN.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** One part of a qualified name: its SQL text and the name Snowflake resolves it to. */
export interface NamePart {
  /** The part as written (`"silver"` or `SILVER`). */
  readonly text: string;
  /** The resolved name: quoted parts unquoted as they are, unquoted parts upper-cased. */
  readonly name: string;
}

/**
 * Splits a qualified relation (`"silver"."orders"`, `DB.SCHEMA.T`, `a."b.c"`) into its
 * dot-separated parts, respecting double quotes. Returns undefined for text that is not a
 * dotted identifier chain.
 */
export function splitQualifiedName(text: string): NamePart[] | undefined {
  const parts: NamePart[] = [];
  let i = 0;
  const s = text.trim();
  while (i < s.length) {
    if (s[i] === '"') {
      let j = i + 1;
      let name = '';
      for (;;) {
        if (j >= s.length) return undefined;
        if (s[j] === '"') {
          if (s[j + 1] === '"') {
            name += '"';
            j += 2;
            continue;
          }
          break;
        }
        name += s[j];
        j++;
      }
      parts.push({ text: s.slice(i, j + 1), name });
      i = j + 1;
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(s.slice(i));
      if (!m) return undefined;
      parts.push({ text: m[0], name: m[0].toUpperCase() });
      i += m[0].length;
    }
    if (i < s.length) {
      if (s[i] !== '.') return undefined;
      i++;
      if (i >= s.length) return undefined;
    }
  }
  return parts.length > 0 ? parts : undefined;
}
