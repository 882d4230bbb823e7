import { describe, expect, it } from 'vitest';
import { t5RelativePositionBucket } from './t5-relative-position-bucket';

/** HF's computation with its float32 tensors: every intermediate rounded to float32. */
function float32Bucket(relativePosition: number, bidirectional: boolean, numBuckets: number, maxDistance: number): number {
  const f = Math.fround;
  let buckets = numBuckets;
  let bucket = 0;
  let distance = -Math.min(relativePosition, 0);
  if (bidirectional) {
    buckets /= 2;
    bucket = relativePosition > 0 ? buckets : 0;
    distance = Math.abs(relativePosition);
  }
  const maxExact = buckets / 2;
  if (distance < maxExact) return bucket + distance;
  const large = maxExact + Math.trunc(f(f(f(Math.log(f(distance / maxExact))) / f(Math.log(maxDistance / maxExact))) * (buckets - maxExact)));
  return bucket + Math.min(large, buckets - 1);
}

describe('t5RelativePositionBucket', () => {
  it("matches hand-computed values of HF's formula (32 buckets, max distance 128)", () => {
    // Bidirectional: 16 buckets per direction, exact below 8, then 8 + ⌊ln(n/8) / ln(16) · 8⌋.
    const bidirectional: [number, number][] = [
      [0, 0],
      [-1, 1],
      [-7, 7],
      [-8, 8],
      [-20, 10], // 8 + ⌊ln 2.5 / ln 16 · 8⌋ = 8 + ⌊2.64⌋
      [-200, 15], // clamped
      [1, 17],
      [8, 24],
      [9, 24],
      [200, 31],
    ];
    for (const [relative, bucket] of bidirectional) expect(t5RelativePositionBucket(relative, true, 32, 128)).toBe(bucket);
    // Causal: later keys all share bucket 0; 32 buckets for the past, exact below 16.
    const causal: [number, number][] = [
      [5, 0],
      [0, 0],
      [-15, 15],
      [-16, 16],
      [-20, 17], // 16 + ⌊ln 1.25 / ln 8 · 16⌋ = 16 + ⌊1.72⌋
      [-200, 31],
    ];
    for (const [relative, bucket] of causal) expect(t5RelativePositionBucket(relative, false, 32, 128)).toBe(bucket);
  });

  it("agrees with HF's float32 arithmetic for common settings", () => {
    for (const [buckets, distance] of [
      [32, 128],
      [32, 64],
      [8, 12],
      [16, 32],
    ]) {
      for (const bidirectional of [true, false]) {
        for (let relative = -300; relative <= 300; relative++) {
          expect(t5RelativePositionBucket(relative, bidirectional, buckets, distance)).toBe(float32Bucket(relative, bidirectional, buckets, distance));
        }
      }
    }
  });
});
