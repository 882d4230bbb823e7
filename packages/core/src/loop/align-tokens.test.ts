import { describe, expect, it } from 'vitest';
import { alignTokens } from './align-tokens';

describe('alignTokens', () => {
  it('aligns identical sequences position by position', () => {
    expect(Array.from(alignTokens([1, 2, 3], [1, 2, 3]))).toEqual([0, 1, 2]);
  });
  it('aligns a substituted token to its replacement', () => {
    // "the capital is Paris ." vs "the capital is London ."
    expect(Array.from(alignTokens([1, 2, 3, 7, 9], [1, 2, 3, 8, 9]))).toEqual([0, 1, 2, 3, 4]);
  });
  it('handles a longer replacement run and later shared tokens', () => {
    // Paris (1 token) vs Lon don (2 tokens), then "." shared.
    expect(Array.from(alignTokens([1, 2, 7, 9], [1, 2, 5, 6, 9]))).toEqual([0, 1, 2, 4]);
    // Two-token original run against a one-token contrast run: the surplus stays on the run's last token.
    expect(Array.from(alignTokens([1, 5, 6, 9], [1, 7, 9]))).toEqual([0, 1, 1, 2]);
  });
  it('maps insertions in the original to the nearest earlier contrastive token', () => {
    expect(Array.from(alignTokens([1, 4, 2], [1, 2]))).toEqual([0, 0, 1]);
    expect(Array.from(alignTokens([4, 1], [1]))).toEqual([0, 0]);
  });
});
