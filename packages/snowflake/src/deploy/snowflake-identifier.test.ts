import { describe, expect, it } from 'vitest';
import { snowflakeIdentifier, splitQualifiedName } from './snowflake-identifier.js';

describe('Snowflake identifiers', () => {
  it('quotes only names that are not plain identifiers', () => {
    expect(['transform_wh', 'WH$1', 'my-wh', 'has space', 'a"b', '1st'].map(snowflakeIdentifier)).toEqual(['transform_wh', 'WH$1', '"my-wh"', '"has space"', '"a""b"', '"1st"']);
  });

  it('splits qualified names the way Snowflake resolves them', () => {
    expect(splitQualifiedName('"silver"."orders"')).toEqual([{ text: '"silver"', name: 'silver' }, { text: '"orders"', name: 'orders' }]);
    expect(splitQualifiedName('db.Silver."a.b""c"')!.map((p) => p.name)).toEqual(['DB', 'SILVER', 'a.b"c']);
    for (const bad of ['', 'a.', '.a', '"open', 'a b', 'a..b']) expect(splitQualifiedName(bad), bad).toBeUndefined();
  });
});
