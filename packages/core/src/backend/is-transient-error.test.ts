import { describe, expect, it } from 'vitest';
import { BackendError, CanceledError, InvalidDefinitionError, SqlError } from '../errors.js';
import { canceledError } from './canceled-error.js';
import { isTransientError } from './is-transient-error.js';

const lockConflict = (error: unknown) => error instanceof Error && /lock/.test(error.message);

describe('isTransientError', () => {
  it('judges driver errors, and Assay errors by their flag or their cause', () => {
    expect(isTransientError(new Error('lock held'), lockConflict)).toBe(true);
    expect(isTransientError(new Error('syntax error'), lockConflict)).toBe(false);
    expect(isTransientError(new SqlError('x', 'select', { cause: new Error('lock held') }), lockConflict)).toBe(true);
    expect(isTransientError(new BackendError('x', { cause: new SqlError('y', 'select', { cause: new Error('lock held') }) }), lockConflict)).toBe(true);
    expect(isTransientError(new SqlError('x', 'select', { cause: new Error('syntax') }), lockConflict)).toBe(false);
    expect(isTransientError(new SqlError('x', 'select'), lockConflict)).toBe(false);
    expect(isTransientError(new BackendError('x', { transient: true }), () => false)).toBe(true);
  });

  it('never retries definition errors or cancellations, whatever their cause', () => {
    expect(isTransientError(new InvalidDefinitionError('a', 'bad'), () => true)).toBe(false);
    expect(isTransientError(new CanceledError('stop', { cause: new Error('lock held') }), lockConflict)).toBe(false);
  });
});

describe('canceledError', () => {
  it('names the asset, or the query, and keeps the cause', () => {
    const cause = new Error('interrupted');
    expect(canceledError('gold/x', cause)).toMatchObject({ code: 'ASSAY_CANCELED', message: 'Asset "gold/x" canceled', assetKey: 'gold/x', cause });
    const bare = canceledError(undefined);
    expect(bare).toBeInstanceOf(CanceledError);
    expect([bare.message, bare.assetKey, bare.cause]).toEqual(['Query canceled', undefined, undefined]);
  });
});
