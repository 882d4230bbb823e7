import { describe, expect, it } from 'vitest';
import { decimalsFor, formatScore, formatStepScore } from './format-score';

describe('score formatting', () => {
  it('prints attributions with fixed decimals and no negative zero', () => {
    expect(formatScore(0.126, 2)).toBe('0.13');
    expect(formatScore(-0.001, 2)).toBe('0.00');
    expect(formatScore(Number.NaN, 2)).toBe('');
  });
  it('keeps tiny and huge step scores readable', () => {
    expect(formatStepScore(0.00081, 2)).toBe('8.1e-4');
    expect(formatStepScore(-3.25, 2)).toBe('-3.25');
    expect(formatStepScore(0, 2)).toBe('0.00');
    expect(formatStepScore(2.5e6, 2)).toBe('2.5e+6');
  });
});

describe('decimalsFor', () => {
  it('keeps two significant digits of the largest score', () => {
    expect(decimalsFor(0.26)).toBe(2);
    expect(decimalsFor(1.5)).toBe(2);
    expect(decimalsFor(0.0034)).toBe(4);
    expect(decimalsFor(0)).toBe(2);
    expect(decimalsFor(1e-12)).toBe(8);
  });
});
