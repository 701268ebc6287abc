/**
 * A small, deliberately conservative scan of a Dynamic Table query for constructs Snowflake
 * does not refresh incrementally (or does not accept in a dynamic table at all). It matches
 * keywords outside string literals, quoted identifiers and comments; it does not parse SQL,
 * so it reports only what it can see with confidence and never claims a query is fine.
 */

/** A construct found in a query. */
export interface RefreshConstruct {
  /** Short name of what was found: `RANDOM()`, `LIMIT`, `CURRENT_TIMESTAMP`, ... */
  readonly construct: string;
  /** Why it matters for the refresh mode. */
  readonly detail: string;
  /**
   * `unsupported`: the dynamic table cannot be created in any refresh mode;
   * `full-only`: only a full refresh can compute it;
   * `filter-only`: incremental refresh accepts it only as a WHERE/HAVING/QUALIFY filter and
   * only with an explicit `REFRESH_MODE = INCREMENTAL`.
   */
  readonly effect: 'unsupported' | 'full-only' | 'filter-only';
}

/**
 * The query with string literals, quoted identifiers and comments blanked out (same length,
 * so positions still line up), upper-cased.
 */
export function codeOnly(sqlText: string): string {
  let out = '';
  let i = 0;
  const n = sqlText.length;
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) out += sqlText[k] === '\n' ? '\n' : ' ';
  };
  while (i < n) {
    const c = sqlText[i]!;
    const next = sqlText[i + 1];
    if (c === '-' && next === '-') {
      const end = sqlText.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = sqlText.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '$' && next === '$') {
      const end = sqlText.indexOf('$$', i + 2);
      const stop = end < 0 ? n : end + 2;
      out += "''";
      blank(i + 2, stop);
      i = stop;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n) {
        if (c === "'" && sqlText[j] === '\\') j += 2;
        else if (sqlText[j] === c && sqlText[j + 1] === c) j += 2;
        else if (sqlText[j] === c) break;
        else j++;
      }
      const stop = Math.min(n, j + 1);
      // Keep the delimiters so `x = 'a'` still reads as a comparison with a literal.
      out += c;
      blank(i + 1, stop - 1);
      if (stop - 1 > i) out += c;
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out.toUpperCase();
}

const NON_DETERMINISTIC = /\b(RANDOM|UUID_STRING|RANDSTR|UNIFORM|NORMAL|ZIPF|SEQ1|SEQ2|SEQ4|SEQ8)\s*\(/g;
const CURRENT_TIME = /\b(CURRENT_TIMESTAMP|CURRENT_DATE|CURRENT_TIME|LOCALTIMESTAMP|LOCALTIME|SYSDATE|GETDATE|SYSTIMESTAMP)\b/g;
const CLAUSES = new Set(['SELECT', 'FROM', 'WHERE', 'HAVING', 'QUALIFY', 'GROUP', 'ORDER', 'JOIN', 'ON', 'WINDOW']);

/**
 * Constructs in a Dynamic Table query that force a full refresh or prevent the table from
 * being created, after Snowflake's "Supported queries for dynamic tables" and "Known
 * limitations" pages. Each construct is reported once, in order of first appearance.
 *
 * Found: non-deterministic functions (`RANDOM`, `UUID_STRING`, `SEQ4`, ...); the current
 * time outside a WHERE/HAVING/QUALIFY filter; `LIMIT`/`TOP`; `MINUS`/`EXCEPT`/`INTERSECT`;
 * `WITH RECURSIVE`; `LATERAL` joins other than `LATERAL FLATTEN`; `IN (SELECT ...)` and
 * `EXISTS (SELECT ...)` subqueries; `CURRENT_USER` and sequences (never allowed).
 *
 * @example
 * ```ts
 * findFullRefreshConstructs('select id, random() as r from t limit 10').map((c) => c.construct);
 * // ['RANDOM()', 'LIMIT']
 * ```
 */
export function findFullRefreshConstructs(sqlText: string): RefreshConstruct[] {
  const code = codeOnly(sqlText);
  const found: { at: number; construct: RefreshConstruct }[] = [];
  const seen = new Set<string>();
  const add = (at: number, construct: RefreshConstruct) => {
    if (seen.has(construct.construct)) return;
    seen.add(construct.construct);
    found.push({ at, construct });
  };

  for (const m of code.matchAll(NON_DETERMINISTIC)) {
    add(m.index, { construct: `${m[1]}()`, detail: 'a non-deterministic function', effect: 'full-only' });
  }
  for (const m of code.matchAll(CURRENT_TIME)) {
    const filter = ['WHERE', 'HAVING', 'QUALIFY'].includes(lastClauseBefore(code, m.index) ?? '');
    add(m.index, filter
      ? { construct: m[1]!, detail: 'the current time in a filter', effect: 'filter-only' }
      : { construct: m[1]!, detail: 'the current time outside a WHERE/HAVING/QUALIFY filter', effect: 'full-only' });
  }
  const simple: [RegExp, string, string, RefreshConstruct['effect']][] = [
    [/\bLIMIT\b/g, 'LIMIT', 'a row limit', 'full-only'],
    [/\bSELECT\s+(?:DISTINCT\s+)?TOP\s+\d/g, 'TOP', 'a row limit', 'full-only'],
    [/\b(?:MINUS|EXCEPT|INTERSECT)\b/g, 'MINUS/EXCEPT/INTERSECT', 'a set operator other than UNION [ALL]', 'full-only'],
    [/\bWITH\s+RECURSIVE\b/g, 'WITH RECURSIVE', 'a recursive CTE', 'full-only'],
    [/\bLATERAL\s+(?!FLATTEN\b)/g, 'LATERAL', 'a LATERAL join other than LATERAL FLATTEN', 'full-only'],
    [/\b(?:IN|EXISTS)\s*\(\s*SELECT\b/g, 'subquery in IN/EXISTS', 'a subquery outside the FROM clause', 'full-only'],
    [/\bCURRENT_USER\b/g, 'CURRENT_USER', 'refreshes run as the owner role with a system user, so CURRENT_USER is not allowed', 'unsupported'],
    [/\.\s*NEXTVAL\b/g, 'sequence', 'sequences are not allowed in dynamic tables', 'unsupported'],
  ];
  for (const [re, construct, detail, effect] of simple) {
    for (const m of code.matchAll(re)) add(m.index, { construct, detail, effect });
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.construct);
}

/**
 * The clause keyword governing position `at`: the nearest one before it, skipping over
 * parenthesized groups that close before `at` (a subquery's FROM does not count) but looking
 * through the groups `at` is inside (a function call's arguments belong to the outer clause).
 */
function lastClauseBefore(code: string, at: number): string | undefined {
  let depth = 0;
  for (let i = at - 1; i >= 0; i--) {
    const c = code[i]!;
    if (c === ')') depth++;
    else if (c === '(') depth = Math.max(0, depth - 1);
    else if (depth === 0 && /[A-Z]/.test(c) && (i === 0 || !/[A-Z0-9_$]/.test(code[i - 1]!))) {
      const word = /^[A-Z_][A-Z0-9_$]*/.exec(code.slice(i))![0];
      if (CLAUSES.has(word)) return word;
    }
  }
  return undefined;
}
