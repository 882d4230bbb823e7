import type { Tensor } from '@inseq/core';
import { residualMix, rolloutRow } from './rollout-row';

/**
 * Attention rollout of an encoder-decoder model for the last decoder query of batch row `row`:
 * the share of that position's representation flowing from each target token (decoder `block`,
 * padded positions) and each source token (`sourceBlock`, padded positions), together summing to 1.
 *
 * Rollout's residual rule (Abnar & Zuidema 2020) extended to the decoder's two attention
 * sublayers, in forward order per layer: self-attention mixes decoder positions by
 * Ã = (Ā + I) / 2; cross-attention keeps half of each decoder position (its residual) and takes
 * half from the encoder output through the head-mean cross-attention; the encoder output is traced
 * back to the source tokens by the encoder's own rollout. Computed top-down as row vectors.
 *
 * @param decoder decoder self-attention per layer, `[batch, heads, length, length]`.
 * @param cross cross-attention per layer, `[batch, heads, length, sourceLength]`.
 * @param encoder encoder self-attention per layer, `[batch, heads, sourceLength, sourceLength]`.
 */
export function encoderDecoderRolloutRow(
  decoder: readonly Tensor[],
  cross: readonly Tensor[],
  encoder: readonly Tensor[],
  row: number,
  block: readonly number[],
  sourceBlock: readonly number[],
): { target: Float64Array; source: Float64Array } {
  let target: Float64Array = new Float64Array(block.length);
  target[block.length - 1] = 1;
  // Flow into the encoder's output positions, `[sourceBlock.length]`.
  const encoderOutput = new Float64Array(sourceBlock.length);
  for (let l = decoder.length - 1; l >= 0; l--) {
    const [, heads, length, sourceLength] = cross[l].shape;
    const data = cross[l].data;
    target.forEach((weight, i) => {
      if (weight === 0) return;
      sourceBlock.forEach((key, k) => {
        let mean = 0;
        for (let h = 0; h < heads; h++) mean += data[((row * heads + h) * length + block[i]) * sourceLength + key];
        encoderOutput[k] += (weight * mean) / heads / 2;
      });
    });
    target = target.map((weight) => weight / 2);
    target = residualMix(decoder[l], row, block, target);
  }
  const source = sourceBlock.length > 0 ? rolloutRow(encoder, row, sourceBlock, -1, encoderOutput) : encoderOutput;
  return { target, source };
}
