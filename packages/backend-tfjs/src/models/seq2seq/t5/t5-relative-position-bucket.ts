/**
 * T5's relative position bucket (HF `T5Attention._relative_position_bucket`) of `relativePosition
 * = key − query`. Bidirectional (encoder): half the buckets for keys after the query. Causal
 * (decoder): later keys share bucket 0. Distances below `buckets / 2` get a bucket each, larger
 * ones are binned logarithmically up to `maxDistance`, then clamped to the last bucket. The
 * logarithmic branch rounds each step to float32, as torch computes it on a float32 tensor.
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
    distance = Math.max(-relativePosition, 0);
  }
  const maxExact = Math.floor(buckets / 2);
  if (distance < maxExact) return bucket + distance;
  const f = Math.fround;
  const scaled = f(f(f(Math.log(f(distance / maxExact))) / f(Math.log(maxDistance / maxExact))) * (buckets - maxExact));
  return bucket + Math.min(maxExact + Math.trunc(scaled), buckets - 1);
}

/**
 * The position bias of one attention, `[heads, queries, keys]` row-major: head h's learned value
 * `table[bucket(k − q) · heads + h]` (`relative_attention_bias.weight`, `[buckets, heads]`).
 */
export function t5PositionBias(
  table: Float32Array,
  heads: number,
  queries: number,
  keys: number,
  bidirectional: boolean,
  numBuckets: number,
  maxDistance: number,
): Float32Array {
  const bias = new Float32Array(heads * queries * keys);
  for (let q = 0; q < queries; q++) {
    for (let k = 0; k < keys; k++) {
      const row = t5RelativePositionBucket(k - q, bidirectional, numBuckets, maxDistance) * heads;
      for (let h = 0; h < heads; h++) bias[(h * queries + q) * keys + k] = table[row + h];
    }
  }
  return bias;
}
