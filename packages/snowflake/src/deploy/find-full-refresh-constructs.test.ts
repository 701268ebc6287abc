import { describe, expect, it } from 'vitest';
import { codeOnly, findFullRefreshConstructs } from './find-full-refresh-constructs.js';

const constructs = (text: string) => findFullRefreshConstructs(text).map((c) => `${c.construct}:${c.effect}`);

describe('findFullRefreshConstructs', () => {
  it('finds each construct once, in order of appearance', () => {
    expect(constructs(`
      with recursive r as (select 1)
      select uuid_string() as id, current_timestamp() as at, seq4()
      from t, lateral (select * from u) x
      where t.id in (select id from v) and t.d > current_date
      minus select * from w
      limit 10`)).toEqual([
      'WITH RECURSIVE:full-only',
      'UUID_STRING():full-only',
      'CURRENT_TIMESTAMP:full-only',
      'SEQ4():full-only',
      'LATERAL:full-only',
      'subquery in IN/EXISTS:full-only',
      'CURRENT_DATE:filter-only',
      'MINUS/EXCEPT/INTERSECT:full-only',
      'LIMIT:full-only',
    ]);
  });

  it('accepts what incremental refresh supports', () => {
    expect(constructs(`
      select c.value:id::string as id, count(*) as n, sum(x) over (partition by k) as s
      from t, lateral flatten(input => t.raw:items, outer => true) c
      join u on u.k = t.k
      where t.ts > dateadd(day, -1, current_timestamp())
      group by all
      union all
      select 'x', 1, 2 from v`)).toEqual(['CURRENT_TIMESTAMP:filter-only']);
  });

  it('ignores words in strings, quoted identifiers and comments', () => {
    expect(constructs(`select 'random() limit 5' as "LIMIT", $$minus$$ as m -- limit 10
      /* current_user */ from t`)).toEqual([]);
    expect(constructs('select current_user() as u, s.nextval from t')).toEqual(['CURRENT_USER:unsupported', 'sequence:unsupported']);
  });

  it('keeps positions when blanking literals', () => {
    const text = "select 'a''b' as x -- c\nfrom t";
    expect(codeOnly(text)).toHaveLength(text.length);
    expect(codeOnly(text)).toBe("SELECT '    ' AS X     \nFROM T");
  });
});
