import { defineMethod, parseOptions } from '@inseq/core';
import { realPositions } from '../perturbation/real-positions';
import { encoderDecoderAttentions } from './encoder-decoder-attentions';
import { encoderDecoderRolloutRow } from './encoder-decoder-rollout-row';
import { forwardAttentions } from './forward-attentions';
import { requireDecoderOnlySequence } from './require-decoder-only-sequence';
import { rolloutRow } from './rollout-row';

/**
 * Attention rollout (Abnar & Zuidema 2020, "Quantifying Attention Flow in Transformers", ACL,
 * arXiv:2005.00928; reference samiraabnar/attention_flow `compute_joint_attention` with
 * `add_residual=True`): per layer, the mean attention over heads plus the identity for the
 * residual connection, (A + I) / 2 with rows renormalised, multiplied across layers; the
 * attribution of a step is the row of the last context position in that product. Not in Inseq
 * as a method (Inseq's `rollout` aggregation is applied to other scores); the id is new.
 *
 * Output without a trailing axis: `attributeStep` gives `[batch, sequenceLength]` (0 on
 * padding), `attributeSequence` `[targetLength, nSteps]` from one forward pass over the whole
 * target (NaN on keys not yet visible). Each step's column sums to 1. No options.
 *
 * Encoder-decoder steps (new here; Inseq has no rollout method): the residual rule extended to
 * the decoder's cross-attention and traced through the encoder's rollout
 * ({@link encoderDecoderRolloutRow}); `attributions` `[batch, sequenceLength]` and
 * `sourceAttributions` `[batch, sourceLength]` of a row sum to 1 together.
 */
export const attentionRollout = defineMethod({
  name: 'attention_rollout',
  paper: 'Abnar & Zuidema (2020), Quantifying Attention Flow in Transformers, arXiv:2005.00928',
  family: 'attention',
  requires: ['attentions'],
  // Attention weights come from an ids-only forward pass.
  embeddings: 'never',
  description: 'Attention rollout: head-mean attention plus residual identity, multiplied across layers (Abnar & Zuidema 2020).',
  async attributeStep(ctx) {
    const [batch, length] = ctx.inputIds.shape;
    const encoder = ctx.encoder;
    if (encoder) {
      const { decoder, cross, encoder: encoderLayers } = await encoderDecoderAttentions(ctx, 'attention_rollout', true);
      const sourceLength = encoder.inputIds.shape[1];
      const data = new Float32Array(batch * length);
      const source = new Float32Array(batch * sourceLength);
      for (let b = 0; b < batch; b++) {
        const block = realPositions(ctx.attentionMask, b);
        const sourceBlock = realPositions(encoder.attentionMask, b);
        const flow = encoderDecoderRolloutRow(decoder, cross, encoderLayers, b, block, sourceBlock);
        flow.target.forEach((value, k) => {
          data[b * length + block[k]] = value;
        });
        flow.source.forEach((value, k) => {
          source[b * sourceLength + sourceBlock[k]] = value;
        });
      }
      return { attributions: { data, shape: [batch, length] }, sourceAttributions: { data: source, shape: [batch, sourceLength] } };
    }
    const attentions = await forwardAttentions(ctx.backend, ctx.inputIds, ctx.attentionMask, 'attention_rollout');
    const data = new Float32Array(batch * length);
    for (let b = 0; b < batch; b++) {
      const block = realPositions(ctx.attentionMask, b);
      rolloutRow(attentions, b, block, block.length - 1).forEach((value, k) => {
        data[b * length + block[k]] = value;
      });
    }
    return { attributions: { data, shape: [batch, length] } };
  },
  async attributeSequence(ctx) {
    requireDecoderOnlySequence('attention_rollout', ctx);
    const maxLength = ctx.inputIds.shape[1];
    const attentions = await forwardAttentions(ctx.backend, ctx.inputIds, ctx.attentionMask, 'attention_rollout');
    const attributions = ctx.rows.map(({ offset, start, end }, r) => {
      const targetLength = maxLength - offset;
      const nSteps = end - start;
      const data = new Float32Array(targetLength * nSteps).fill(Number.NaN);
      for (let s = 0; s < nSteps; s++) {
        const p = start + s;
        const block = Array.from({ length: p }, (_, j) => offset + j);
        rolloutRow(attentions, r, block, p - 1).forEach((value, j) => {
          data[j * nSteps + s] = value;
        });
      }
      return { data, shape: [targetLength, nSteps] };
    });
    return { attributions };
  },
});
