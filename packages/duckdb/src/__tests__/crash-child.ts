/**
 * Child process for the crash-safety test: `seed` builds the table asset `crash/big` with
 * 1,000 rows and exits; `rebuild` announces itself on stdout, then rebuilds the same asset
 * from hundreds of millions of rows (long enough to be killed mid-build) and prints `done`.
 */
import { raw, silentLogger, sql, sqlAsset } from '@assay/core';
import { buildSqlRequest } from '@assay/core/testing';
import { duckdb } from '../index.js';

const [path, mode] = process.argv.slice(2) as [string, 'seed' | 'rebuild'];
const backend = duckdb({ path, threads: 2, memoryLimit: '512MB' });
await backend.open({ concurrency: 1, logger: silentLogger() });
const rows = mode === 'seed' ? 1_000 : 400_000_000;
const asset = sqlAsset({ key: 'crash/big' })(sql`select range as id, md5(cast(range as varchar)) as h from range(${raw(String(rows))})`);
process.stdout.write(`building ${mode}\n`);
await backend.materializeSql(buildSqlRequest(backend, asset));
process.stdout.write('done\n');
await backend.close();
