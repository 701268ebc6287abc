import { describe, expect, it } from 'vitest';
import { asset, sqlAsset } from '../definitions/asset.js';
import { defineAssets } from '../definitions/define-assets.js';
import { SelectionSyntaxError, UnknownSelectionAttributeError } from '../errors.js';
import { parseSelection } from './parse-selection.js';
import { selectAssets } from './select-assets.js';

// Declared out of order on purpose: results must follow the graph, not declaration order.
const zeta = asset({ key: 'raw/zeta', tags: ['pii'] }, () => {});
const alpha = asset({ key: 'raw/alpha' }, () => {});
const joined = sqlAsset({ key: 'silver/joined', materialize: 'view' })`select * from ${zeta} join ${alpha} using (id)`;
const report = sqlAsset({ key: 'gold/report', owners: ['ana@corp.com'] })`select * from ${joined}`;
const audit = sqlAsset({ key: 'audit/log' })`select * from ${alpha}`;
const defs = defineAssets([report, audit, joined, zeta, alpha]);

describe('selectAssets', () => {
  it('selects every asset in stable topological order when no selection is given', () => {
    expect(selectAssets(defs)).toEqual(['raw/alpha', 'audit/log', 'raw/zeta', 'silver/joined', 'gold/report']);
    expect(selectAssets(defs)).toEqual([...defs.keys]);
  });

  it('returns keys in topological order whatever the order in the expression', () => {
    expect(selectAssets(defs, 'gold/report, raw/zeta, silver/joined')).toEqual(['raw/zeta', 'silver/joined', 'gold/report']);
    expect(selectAssets(defs, '+gold/report')).toEqual(['raw/alpha', 'raw/zeta', 'silver/joined', 'gold/report']);
  });

  it('accepts a parsed tree as well as text', () => {
    expect(selectAssets(defs, parseSelection('raw/*+1'))).toEqual(selectAssets(defs, 'raw/*+1'));
    expect(selectAssets(defs, { type: 'owner', pattern: 'ana@*' })).toEqual(['gold/report']);
  });

  it('removes the exclusion, given as text or a tree', () => {
    expect(selectAssets(defs, '+gold/report', { exclude: 'tag:pii' })).toEqual(['raw/alpha', 'silver/joined', 'gold/report']);
    expect(selectAssets(defs, undefined, { exclude: 'raw/*' })).toEqual(['audit/log', 'silver/joined', 'gold/report']);
    expect(selectAssets(defs, '*', { exclude: { type: 'traverse', operand: { type: 'key', pattern: 'raw/zeta' }, downstream: 'all' } })).toEqual(['raw/alpha', 'audit/log']);
    expect(selectAssets(defs, 'gold/report', { exclude: undefined })).toEqual(['gold/report']);
  });

  it('returns [] for a valid selection that matches nothing', () => {
    expect(selectAssets(defs, 'nope/*')).toEqual([]);
    expect(selectAssets(defs, 'silver/joined', { exclude: '*' })).toEqual([]);
  });

  it('throws parse errors for the selection and the exclusion', () => {
    expect(() => selectAssets(defs, 'gold/report and')).toThrow(SelectionSyntaxError);
    expect(() => selectAssets(defs, '')).toThrow(SelectionSyntaxError);
    expect(() => selectAssets(defs, '*', { exclude: 'colour:red' })).toThrow(UnknownSelectionAttributeError);
    try {
      selectAssets(defs, '*', { exclude: 'raw/* raw/zeta' });
      expect.unreachable();
    } catch (e) {
      expect((e as SelectionSyntaxError).selection).toBe('raw/* raw/zeta');
      expect((e as SelectionSyntaxError).column).toBe(7);
    }
  });
});
