import { describe, expect, it } from 'vitest';
import { type TinyT5Options, createTinyT5 } from '../encoder-decoder/create-tiny-t5';
import { t5RelativePositionBucket } from '../encoder-decoder/t5-relative-position-bucket';
import { describeSeq2SeqOnnx } from './seq2seq-onnx-checks';
import { tinyT5OnnxFiles } from './tiny-t5-onnx-files';

const cases: [string, TinyT5Options][] = [
  ['relu, tied', { feedForwardProj: 'relu' }],
  ['gated-gelu, untied', { feedForwardProj: 'gated-gelu' }],
  // Distances in the 20-token source and the 12-token target pass max_distance: the clipped bucket table is exercised.
  ['relu, 16 buckets, max_distance 10, 3 decoder blocks', { feedForwardProj: 'relu', numBuckets: 16, maxDistance: 10, numDecoderLayers: 3 }],
];
for (const [name, options] of cases) {
  describeSeq2SeqOnnx(`tinyT5OnnxFiles (${name})`, () => {
    const model = createTinyT5(options);
    return {
      model,
      files: tinyT5OnnxFiles({ ...options, withPast: true, merged: true, outputAttentions: true }),
      layers: model.config.num_decoder_layers as number,
      heads: model.config.num_heads as number,
      headDim: model.config.d_kv as number,
    };
  });
}

describe('T5 relative position buckets', () => {
  it('are constant past max_distance, so a table clipped to ±max_distance is exact', () => {
    for (const bidirectional of [true, false]) {
      for (const [buckets, maxDistance] of [
        [32, 128],
        [16, 10],
      ]) {
        for (const sign of [1, -1]) {
          const edge = t5RelativePositionBucket(sign * maxDistance, bidirectional, buckets, maxDistance);
          for (let d = maxDistance; d < 4 * maxDistance; d++) expect(t5RelativePositionBucket(sign * d, bidirectional, buckets, maxDistance)).toBe(edge);
        }
      }
    }
  });
});
