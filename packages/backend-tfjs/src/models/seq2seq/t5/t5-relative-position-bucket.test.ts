import { t5RelativePositionBucket as reference } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { t5RelativePositionBucket } from './t5-relative-position-bucket';

describe('t5RelativePositionBucket', () => {
  it('equals the testing package’s float64 buckets for t5 defaults and small tables, both directions', () => {
    for (const [buckets, distance] of [
      [32, 128],
      [8, 20],
      [4, 8],
    ]) {
      for (let relative = -300; relative <= 300; relative++) {
        for (const bidirectional of [true, false]) {
          expect(t5RelativePositionBucket(relative, bidirectional, buckets, distance)).toBe(reference(relative, bidirectional, buckets, distance));
        }
      }
    }
  });

  it('gives t5-small’s known buckets: exact up to 7, logarithmic to 15, keys after the query in the upper half', () => {
    expect([0, -1, -7, -8, -12, -127, -128, -1000].map((r) => t5RelativePositionBucket(r, true, 32, 128))).toEqual([0, 1, 7, 8, 9, 15, 15, 15]);
    expect([1, 7, 8].map((r) => t5RelativePositionBucket(r, true, 32, 128))).toEqual([17, 23, 24]);
    expect([3, 0, -3, -16, -100].map((r) => t5RelativePositionBucket(r, false, 32, 128))).toEqual([0, 0, 3, 16, 30]);
  });
});
