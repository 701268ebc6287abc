import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, maskSecrets, redact, registerSecret } from './logger.js';

describe('logger', () => {
  it('masks secret-named fields and registered secret values in JSON lines', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'assay-log-')), 'logs', 'run.jsonl');
    registerSecret('hunter2-very-secret');
    const logger = createLogger({ jsonFile: file });
    logger.info('connecting with hunter2-very-secret', { password: 'p@ss', connection: { account: 'acme', privateKey: '-----BEGIN' }, rows: 3 });
    logger.error(new Error('failed for hunter2-very-secret'));
    await new Promise<void>((resolve) => {
      logger.on('finish', resolve);
      logger.end();
    });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('hunter2-very-secret');
    expect(text).not.toContain('p@ss');
    expect(text).not.toContain('-----BEGIN');
    const [first, second] = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(first).toMatchObject({ level: 'info', message: 'connecting with ***', password: '***', connection: { account: 'acme', privateKey: '***' }, rows: 3 });
    expect(second.message).toBe('failed for ***');
    expect(second.stack).toContain('failed for ***');
  });

  it('redacts nested values without touching safe ones', () => {
    registerSecret('tok-123456');
    expect(redact({ a: ['x tok-123456'], token: 'abc', apiKey: '', n: 1 })).toEqual({ a: ['x ***'], token: '***', apiKey: '', n: 1 });
    expect(maskSecrets('nothing here')).toBe('nothing here');
  });
});
