import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { MemoryStateStore, defineAssets, materialize } from '@assay/core';
import { duckdb } from '@assay/duckdb';
import * as assets from '../assets/index.js';

// The whole pipeline against an in-memory DuckDB: fast, and it leaves no files behind.
const backend = duckdb({ path: ':memory:' });
const projectDir = fileURLToPath(new URL('..', import.meta.url));

afterAll(() => backend.close());

it('builds every layer and passes every check', async () => {
  const result = await materialize(defineAssets(assets), { backend, state: new MemoryStateStore(), projectDir });
  const failed = result.assets.filter((a) => a.status !== 'success' || a.checks.some((c) => !c.passed));
  expect(failed).toEqual([]);
  expect(result.status).toBe('success');

  const [customers] = await backend.query('select count(*) as n from "silver"."customers"');
  expect(Number(customers?.n)).toBe(100);
  const segments = await backend.query('select segment, count(*) as n from "gold"."customer_segments" group by 1 order by 1');
  expect(segments.map((r) => r.segment)).toEqual(['high', 'low', 'none']);
});
