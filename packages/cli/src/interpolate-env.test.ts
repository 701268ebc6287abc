import { describe, expect, it } from 'vitest';
import { maskSecrets } from '@assay/core';
import { interpolateEnv, interpolateEnvInPlace } from './interpolate-env.js';

describe('interpolateEnv', () => {
  const env = { SF_PASSWORD: 'hunter2-secret', SF_USER: 'ana', EMPTY: '' };

  it('replaces ${env:NAME} in nested plain values and leaves the input alone', () => {
    const input = { account: 'acme', auth: { user: '${env:SF_USER}', password: '${env:SF_PASSWORD}' }, hosts: ['${env:SF_USER}.example.com'], port: 443 };
    const out = interpolateEnv(input, { env });
    expect(out).toEqual({ account: 'acme', auth: { user: 'ana', password: 'hunter2-secret' }, hosts: ['ana.example.com'], port: 443 });
    expect(input.auth.password).toBe('${env:SF_PASSWORD}');
  });

  it('uses ${env:NAME:-default} when the variable is unset or empty', () => {
    expect(interpolateEnv('${env:MISSING:-dev}/${env:EMPTY:-x}', { env })).toBe('dev/x');
  });

  it('fails with ASSAY_CONFIG naming the variable and where it is used', () => {
    expect(() => interpolateEnv({ targets: { prod: '${env:NOPE}' } }, { env })).toThrow(
      expect.objectContaining({ code: 'ASSAY_CONFIG', message: 'Environment variable NOPE is not set (needed by targets.prod in the config)' }),
    );
  });

  it('registers substituted values as secrets, so loggers mask them', () => {
    interpolateEnv('${env:SF_PASSWORD}', { env });
    expect(maskSecrets('login with hunter2-secret failed')).toBe('login with *** failed');
  });
});

describe('interpolateEnvInPlace', () => {
  it('rewrites the options a backend object keeps, not class instances inside it', () => {
    class Driver {
      url = '${env:SF_USER}';
    }
    class FakeBackend {
      readonly options = { path: '.assay/${env:DB:-dev}.duckdb', nested: { user: '${env:SF_USER}' } };
      readonly driver = new Driver();
    }
    const backend = new FakeBackend();
    expect(interpolateEnvInPlace(backend, { env: { SF_USER: 'ana' } })).toBe(2);
    expect(backend.options).toEqual({ path: '.assay/dev.duckdb', nested: { user: 'ana' } });
    expect(backend.driver.url).toBe('${env:SF_USER}');
  });
});
