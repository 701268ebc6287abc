import { describe, expect, it } from 'vitest';
import { parseTargetLag } from './target-lag.js';

describe('parseTargetLag', () => {
  it('reads downstream and times, writing Snowflake units in the largest whole unit', () => {
    expect(parseTargetLag('Downstream')).toEqual({ kind: 'downstream' });
    const texts = ['5 minutes', '30m', '1 hour', '2h', '90 min', '1.5 hours', '45s', '1 day', '2 weeks', '3600 seconds'].map((t) => parseTargetLag(t));
    expect(texts.map((t) => (t?.kind === 'time' ? [t.seconds, t.text] : t))).toEqual([
      [300, '5 minutes'],
      [1800, '30 minutes'],
      [3600, '1 hour'],
      [7200, '2 hours'],
      [5400, '90 minutes'],
      [5400, '90 minutes'],
      [45, '45 seconds'],
      [86400, '1 day'],
      [1209600, '14 days'],
      [3600, '1 hour'],
    ]);
  });

  it('returns undefined for what Snowflake could not take', () => {
    for (const bad of ['soon', '', '5', 'minutes', '0 minutes', '0.5 seconds', '-1 hour', '5 fortnights']) expect(parseTargetLag(bad), bad).toBeUndefined();
  });
});
