import { describe, expect, it } from 'vitest';
import { jsonErrorOffset } from './json-error-offset.js';

describe('jsonErrorOffset', () => {
  it('accepts valid documents and whitespace-separated sequences of them', () => {
    expect(jsonErrorOffset('{"a": 1}\n{"b": [1, 2, {"c": "\\u00e9"}]}\n')).toBeUndefined();
    expect(jsonErrorOffset(' [true, false, null, -1.5e3, "x\\n", {}, []] ')).toBeUndefined();
    expect(jsonErrorOffset('')).toBeUndefined();
  });

  it('points at the first character that cannot continue the text', () => {
    const at = (text: string, marker: string) => text.indexOf(marker);
    const cases = ['[\n {"a": 1},\n {"a": tru}\n]', '[1, 2,]', '{"a": 1,}', '{"a" 1}', '{1: 2}', '[1 2]', '{"a": "x\nb"}', '"bad \\q escape"'];
    const markers = ['tru', ']', '}', '1}', '1:', '2]', '\nb', '\\q'];
    cases.forEach((text, i) => expect(jsonErrorOffset(text), text).toBe(at(text, markers[i]!)));
  });

  it('points at the end of the text for an unterminated value', () => {
    expect(jsonErrorOffset('[\n {"a": 1},\n {"a": 2\n')).toBe('[\n {"a": 1},\n {"a": 2\n'.length);
    expect(jsonErrorOffset('"open')).toBe(5);
  });

  it('handles any nesting depth', () => {
    expect(jsonErrorOffset(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).toBeUndefined();
    expect(jsonErrorOffset(`${'['.repeat(100_000)}x`)).toBe(100_000);
  });

  it('reads numbers of any length', () => {
    expect(jsonErrorOffset(`[${'9'.repeat(1000)}, oops]`)).toBe(1003);
  });
});
