import { describe, expect, it } from 'vitest';
import { selectTokens } from './select-tokens';

describe('selectTokens (filter_rank_tokens)', () => {
  // mean 3, sample std sqrt(((−2)²+(−2)²+(−2)²+6²+0²)/4) = sqrt(12) ≈ 3.4641
  const scores = [1, 1, 1, 9, 3];
  it('keeps scores at or above mean + k·std, with Bessel-corrected std', () => {
    expect(selectTokens(scores, { stdThreshold: 1 })).toEqual([3]); // threshold 6.46
    expect(selectTokens(scores, { stdThreshold: 0.5 })).toEqual([3]); // 4.73
    expect(selectTokens(scores, { stdThreshold: -0.5 })).toEqual([3, 4]); // 1.27: the 1s fall below
  });
  it('top-k keeps the k largest, returned in position order', () => {
    expect(selectTokens([0.2, 0.9, 0.5, 0.7], { topk: 2 })).toEqual([1, 3]);
    expect(selectTokens([0.2, 0.9, 0.5, 0.7], { stdThreshold: 0.1, topk: 3 })).toEqual([1, 3]); // mean 0.575 + 0.1·0.299
    expect(selectTokens([0.2, 0.9, 0.5, 0.7], { stdThreshold: 0.5, topk: 1 })).toEqual([1]);
  });
  it('compares |score| with the threshold of the signed scores and ranks by |score| (Inseq)', () => {
    // mean 0, sample std sqrt((4+1+1+4)/3) = 1.826; k = 1 → 1.826: |−2| and |2| pass
    expect(selectTokens([-2, 1, -1, 2], { stdThreshold: 1 })).toEqual([0, 3]);
    expect(selectTokens([-3, 1, 2], { topk: 1 })).toEqual([0]);
    expect(selectTokens([1, 2, 3], { stdThreshold: 0 })).toEqual([1, 2]); // k = 0: the mean, 2
  });
  it('skips NaN and rejects bad options', () => {
    expect(selectTokens([Number.NaN, 2, 0], { topk: 5 })).toEqual([1, 2]);
    expect(() => selectTokens([1], { topk: -1 })).toThrow(/non-negative integer/);
    expect(() => selectTokens([1], { stdThreshold: Number.POSITIVE_INFINITY })).toThrow(/finite/);
  });
});
