import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64 } from './base64';

describe('base64', () => {
  it('matches Node Buffer for every length remainder and every byte value', () => {
    for (const length of [0, 1, 2, 3, 4, 5, 256, 40_000]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + 11) & 0xff);
      const text = bytesToBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64'));
      expect(base64ToBytes(text, 'x')).toEqual(bytes);
    }
  });

  it('accepts missing padding and line breaks, rejects other characters and dangling groups', () => {
    expect(base64ToBytes('AQI', 'x')).toEqual(Uint8Array.of(1, 2));
    expect(base64ToBytes('AQID\nBA==\n', 'x')).toEqual(Uint8Array.of(1, 2, 3, 4));
    expect(() => base64ToBytes('AQ*D', "field 'a'")).toThrow(/field 'a' is not valid base64: character "\*" at 2/);
    expect(() => base64ToBytes('AQIDB', "field 'a'")).toThrow(/dangling character/);
  });
});
