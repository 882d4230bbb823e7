import { describe, expect, it } from 'vitest';
import { marianSinusoidalPositions } from './marian-sinusoidal-positions';

describe('marianSinusoidalPositions', () => {
  it('matches the closed form: sines in the first half, cosines in the second, not interleaved', () => {
    const dim = 32;
    const table = marianSinusoidalPositions(20, dim);
    const at = (p: number, column: number) => table[p * dim + column];
    for (let i = 0; i < 16; i++) {
      expect(at(0, i)).toBe(0);
      expect(at(0, 16 + i)).toBe(1);
    }
    expect(at(1, 0)).toBe(Math.fround(Math.sin(1)));
    expect(at(1, 16)).toBe(Math.fround(Math.cos(1)));
    for (const [p, i] of [
      [5, 3],
      [19, 15],
      [7, 8],
    ]) {
      expect(at(p, i)).toBeCloseTo(Math.sin(p / 10000 ** ((2 * i) / dim)), 7);
      expect(at(p, 16 + i)).toBeCloseTo(Math.cos(p / 10000 ** ((2 * i) / dim)), 7);
    }
  });

  it('odd widths put the extra sine column first, as HF (sentinel ⌈dim/2⌉)', () => {
    const table = marianSinusoidalPositions(4, 5);
    // Columns 0–2 are sines of frequencies 1, 10000^(-2/5), 10000^(-4/5); 3–4 cosines of the first two.
    expect(table[3 * 5 + 2]).toBeCloseTo(Math.sin(3 / 10000 ** (4 / 5)), 7);
    expect(table[3 * 5 + 3]).toBeCloseTo(Math.cos(3), 7);
    expect(table[3 * 5 + 4]).toBeCloseTo(Math.cos(3 / 10000 ** (2 / 5)), 7);
  });
});
