import { defineMethod, parseOptions, type Tensor } from '@inseq/core';
import { realPositions } from '../perturbation/real-positions';
import { encoderDecoderAttentions } from './encoder-decoder-attentions';
import { forwardAttentions } from './forward-attentions';
import { requireDecoderOnlySequence } from './require-decoder-only-sequence';

/**
 * Copies the attention of query `query` (padded position) of batch row `row` over keys `keys`
 * (padded positions) into `out` at `index(k)`, as `[layers, heads]` cells. Tensors are
 * `[batch, heads, queries, keys]` (self- or cross-attention).
 */
function copyQueryRow(
  attentions: Tensor[],
  row: number,
  query: number,
  keys: readonly number[],
  out: Float32Array,
  index: (k: number) => number,
): void {
  const [, heads, queries, width] = attentions[0].shape;
  attentions.forEach((layer, l) => {
    for (let h = 0; h < heads; h++) {
      const base = ((row * heads + h) * queries + query) * width;
      keys.forEach((key, k) => {
        out[index(k) + l * heads + h] = layer.data[base + key];
      });
    }
  });
}

/**
 * Attention weights (Inseq `attention`, `AttentionWeightsAttribution`; after Bahdanau et al. 2015
 * and Jain & Wallace 2019, "Attention is not Explanation", arXiv:1902.10186): the weights with
 * which the query of the last context position attends to every earlier position, for every
 * layer and head, `[…, layers, heads]`. Output-agnostic: the attributed function plays no part.
 * Inseq shows the mean over layers and heads by default; that is the aggregation step's job
 * (`mean` in @inseq/aggregators, the default the viewers pick for this id), so the full tensor is
 * kept here.
 *
 * `attributeSequence` uses ONE forward pass over the whole target for every step: step s
 * (position p) reads the row of query p − 1 over keys < p, `[targetLength, nSteps, layers,
 * heads]`, NaN on keys not yet visible. `attributeStep` (used with contrastive inputs) runs the
 * step's prefix: `[batch, sequenceLength, layers, heads]` (0 on padding). For a causal model they
 * agree. No options.
 *
 * Encoder-decoder steps, as Inseq: `attributions` are the decoder's self-attention of the last
 * decoder position and `sourceAttributions` `[batch, sourceLength, layers, heads]` its
 * cross-attention over the source (0 on padding); each is a distribution over its own side.
 */
export const attention = defineMethod({
  name: 'attention',
  paper: 'Bahdanau, Cho & Bengio (2015), Neural Machine Translation by Jointly Learning to Align and Translate, arXiv:1409.0473',
  family: 'attention',
  requires: ['attentions'],
  // Attention weights come from an ids-only forward pass.
  embeddings: 'never',
  description: 'Attention weights of every layer and head from the last context position (mean over layers and heads when shown).',
  async attributeStep(ctx) {
    const [batch, length] = ctx.inputIds.shape;
    const encoder = ctx.encoder;
    const both = encoder && (await encoderDecoderAttentions(ctx, 'attention'));
    const attentions = both ? both.decoder : await forwardAttentions(ctx.backend, ctx.inputIds, ctx.attentionMask, 'attention');
    const [layers, heads] = [attentions.length, attentions[0].shape[1]];
    const cell = layers * heads;
    const data = new Float32Array(batch * length * cell);
    for (let b = 0; b < batch; b++) {
      const keys = realPositions(ctx.attentionMask, b);
      copyQueryRow(attentions, b, length - 1, keys, data, (k) => (b * length + keys[k]) * cell);
    }
    const attributions = { data, shape: [batch, length, layers, heads] };
    if (!encoder || !both) return { attributions };
    // Source: the cross-attention of the same (last) decoder query over the real source tokens, as Inseq.
    const sourceLength = encoder.inputIds.shape[1];
    const source = new Float32Array(batch * sourceLength * cell);
    for (let b = 0; b < batch; b++) {
      const keys = realPositions(encoder.attentionMask, b);
      copyQueryRow(both.cross, b, length - 1, keys, source, (k) => (b * sourceLength + keys[k]) * cell);
    }
    return { attributions, sourceAttributions: { data: source, shape: [batch, sourceLength, layers, heads] } };
  },
  async attributeSequence(ctx) {
    requireDecoderOnlySequence('attention', ctx);
    const maxLength = ctx.inputIds.shape[1];
    const attentions = await forwardAttentions(ctx.backend, ctx.inputIds, ctx.attentionMask, 'attention');
    const layers = attentions.length;
    const heads = attentions[0].shape[1];
    const cell = layers * heads;
    const attributions = ctx.rows.map(({ offset, start, end }, r) => {
      const targetLength = maxLength - offset;
      const nSteps = end - start;
      const data = new Float32Array(targetLength * nSteps * cell).fill(Number.NaN);
      for (let s = 0; s < nSteps; s++) {
        const p = start + s;
        const keys = Array.from({ length: p }, (_, j) => offset + j);
        copyQueryRow(attentions, r, offset + p - 1, keys, data, (j) => (j * nSteps + s) * cell);
      }
      return { data, shape: [targetLength, nSteps, layers, heads] };
    });
    return { attributions };
  },
});
