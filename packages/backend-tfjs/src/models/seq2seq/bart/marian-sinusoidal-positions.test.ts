import { marianSinusoidalPositions as reference } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { marianSinusoidalPositions } from './marian-sinusoidal-positions';

describe('marianSinusoidalPositions', () => {
  it('equals the testing package’s table bit for bit, odd widths included (sines in the first ⌈dim/2⌉ columns)', () => {
    for (const [positions, dim] of [
      [64, 32],
      [9, 7],
    ]) {
      expect(Array.from(marianSinusoidalPositions(positions, dim))).toEqual(Array.from(reference(positions, dim)));
    }
    const table = marianSinusoidalPositions(3, 4);
    // Position 1: sin(1), sin(1/100), cos(1), cos(1/100).
    expect(Array.from(table.subarray(4, 8))).toEqual([Math.sin(1), Math.sin(0.01), Math.cos(1), Math.cos(0.01)].map(Math.fround));
  });
});
