import { describe, expect, it } from 'vitest';
import { parsePythonJson } from './parse-python-json';

describe('parsePythonJson', () => {
  it('reads the NaN and Infinity tokens Python writes, leaving strings alone', () => {
    const parsed = parsePythonJson('{"a": [NaN, Infinity, -Infinity, 1.5], "s": "NaN \\" Infinity", "NaN": -2}', 'file') as {
      a: number[];
      s: string;
      NaN: number;
    };
    expect(parsed.a[0]).toBeNaN();
    expect(parsed.a.slice(1)).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5]);
    expect(parsed.s).toBe('NaN " Infinity');
    expect(parsed.NaN).toBe(-2);
  });

  it('names the file when the text is not JSON', () => {
    expect(() => parsePythonJson('{"a": nope}', "Attribution file 'x.json'")).toThrow(/Attribution file 'x.json' is not valid JSON/);
    expect(() => parsePythonJson('{"a": NaN', 'f')).toThrow(/f is not valid JSON/);
  });
});
