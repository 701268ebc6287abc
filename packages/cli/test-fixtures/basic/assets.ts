import { asset, checks, partition, partitions, sleep, sql, sqlAsset } from '@assay/core';

export const numbers = sqlAsset({ key: 'core/numbers', tags: ['pii'], owners: ['ana@example.com'] })`
  select range as n from range(10)`;

export const evens = sqlAsset({
  key: 'core/evens',
  materialize: 'view',
  tags: { team: 'finance' },
  checks: [checks.notNull('n'), checks.expression('n % 2 = 0')],
})`
  select n from ${numbers} where n % 2 = 0`;

export const summary = asset({ key: 'core/summary', deps: [evens] }, async (ctx) => {
  const [row] = await ctx.query(sql`select count(*) as evens, sum(n) as total from ${evens}`);
  return { rows: [{ evens: Number(row?.evens), total: Number(row?.total) }] };
});

export const warnOnly = sqlAsset({ key: 'checks/warn_only', checks: [checks.expression('n < 5', { severity: 'warn' })] })`
  select n from ${numbers}`;

export const failing = sqlAsset({ key: 'checks/failing', checks: [checks.rowCount({ max: 3 })] })`
  select n from ${numbers}`;

export const afterFailing = sqlAsset({ key: 'checks/after_failing', materialize: 'view' })`
  select * from ${failing}`;

export const sqlError = sqlAsset({ key: 'broken/sql_error' })`
  select n,
         n * 2 as doubled
  fromm ${numbers}
  where n > 1`;

export const sleeper = asset({ key: 'slow/sleeper', deps: [numbers] }, async (ctx) => {
  ctx.logger.info('sleeping for a minute');
  await sleep(60_000, ctx.signal);
});

export const afterSleeper = sqlAsset({ key: 'slow/after_sleeper', deps: [sleeper] })`
  select 1 as x`;

export const daily = sqlAsset({
  key: 'parts/daily',
  partitions: partitions.daily('2024-01-01', '2024-01-31'),
  materialize: 'incremental',
  incremental: { strategy: 'delete+insert', watermark: 'day' },
})`
  select cast(${partition.start} as timestamp) as day, ${partition.key} as partition_key`;
