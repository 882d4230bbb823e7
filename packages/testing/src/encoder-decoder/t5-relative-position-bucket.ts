/**
 * T5's relative position bucket (`T5Attention._relative_position_bucket`) of
 * `relativePosition = key − query`. Bidirectional (encoder): half the buckets for keys after the
 * query, the other half for keys at or before it. Causal (decoder): only distances to earlier keys,
 * later keys share bucket 0. Within a half, distances below `maxExact = buckets / 2` get their own
 * bucket; larger ones are binned logarithmically up to `maxDistance`, then clamped to the last
 * bucket. HF computes the logarithm in float32; for the bucket counts and distances used here it
 * truncates to the same integer as float64 (checked in the tests).
 */
export function t5RelativePositionBucket(relativePosition: number, bidirectional: boolean, numBuckets: number, maxDistance: number): number {
  let buckets = numBuckets;
  let bucket = 0;
  let distance: number;
  if (bidirectional) {
    buckets = Math.floor(buckets / 2);
    if (relativePosition > 0) bucket += buckets;
    distance = Math.abs(relativePosition);
  } else {
    distance = -Math.min(relativePosition, 0);
  }
  const maxExact = Math.floor(buckets / 2);
  if (distance < maxExact) return bucket + distance;
  const large = maxExact + Math.trunc((Math.log(distance / maxExact) / Math.log(maxDistance / maxExact)) * (buckets - maxExact));
  return bucket + Math.min(large, buckets - 1);
}
