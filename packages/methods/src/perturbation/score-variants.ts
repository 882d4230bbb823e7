import { type EncoderInput, selectContrastRows, type StepContext } from '@inseq/core';
import { jointLayout } from '../gradient/joint-inputs';
import type { BaselineReplacement } from './baseline-replacement';

/**
 * Scores perturbed copies ("variants") of a step's rows with the step's attributed function, in
 * as few `forward` calls as `chunkRows` allows. Variant `v` copies the ids, mask, target and
 * contrastive row of `rowOf[v]`, then `replaced(v)` lists the positions that get the baseline:
 * its embedding when `replacement` is `embeds`, its id when `ids` (backends without
 * `embeddingInputs`). Buffers are built one chunk at a time, so memory stays at one chunk's inputs.
 *
 * Positions are joint (see `jointLayout`): `0…length−1` are the decoder's; with an encoder-decoder
 * step, `length…length+sourceLength−1` are the source's, perturbed in the encoder's input (ids,
 * or embeddings from the encoder's table).
 *
 * @returns The attributed function of every variant, `[variants]`.
 */
export async function scoreVariants(
  ctx: StepContext,
  rowOf: Int32Array,
  chunkRows: number,
  replacement: BaselineReplacement,
  replaced: (variant: number) => Iterable<number>,
): Promise<Float32Array> {
  const { length, sourceLength, positions, hidden } = jointLayout(ctx);
  const encoder = ctx.encoder;
  const scores = new Float32Array(rowOf.length);
  for (let first = 0; first < rowOf.length; first += chunkRows) {
    const rows = Math.min(chunkRows, rowOf.length - first);
    const indices = rowOf.subarray(first, first + rows);
    // One side's buffers for the chunk: ids, mask, and (embeds) embeddings, copied from the step's rows.
    // `inputsEmbeds` is a thunk: it is read only when embeddings are replaced (ids-only backends get none).
    const side = (input: { inputIds: Int32Array; attentionMask: Int32Array; inputsEmbeds: () => Float32Array }, width: number) => {
      const ids = new Int32Array(rows * width);
      const mask = new Int32Array(rows * width);
      const embeds = replacement.kind === 'embeds' ? new Float32Array(rows * width * hidden) : undefined;
      const from = embeds && input.inputsEmbeds();
      indices.forEach((b, r) => {
        ids.set(input.inputIds.subarray(b * width, (b + 1) * width), r * width);
        mask.set(input.attentionMask.subarray(b * width, (b + 1) * width), r * width);
        if (embeds && from) embeds.set(from.subarray(b * width * hidden, (b + 1) * width * hidden), r * width * hidden);
      });
      return { ids, mask, embeds, width };
    };
    const target = side({ inputIds: ctx.inputIds.data, attentionMask: ctx.attentionMask.data, inputsEmbeds: () => ctx.inputsEmbeds.data }, length);
    const source =
      encoder &&
      side({ inputIds: encoder.inputIds.data, attentionMask: encoder.attentionMask.data, inputsEmbeds: () => encoder.inputsEmbeds.data }, sourceLength);
    for (let r = 0; r < rows; r++) {
      const b = indices[r];
      for (const position of replaced(first + r)) {
        const [buffers, at] = position < length ? [target, position] : [source!, position - length];
        if (replacement.kind === 'ids') {
          // A position the baseline keeps (eos, decoder start) keeps its id, as its embedding would.
          if (replacement.keep[b * positions + position] === 0) buffers.ids[r * buffers.width + at] = replacement.id;
        } else {
          const from = (b * positions + position) * hidden;
          buffers.embeds!.set(replacement.baseline.data.subarray(from, from + hidden), (r * buffers.width + at) * hidden);
        }
      }
    }
    const encoderInput: EncoderInput | undefined = source && {
      inputIds: { data: source.ids, shape: [rows, sourceLength] },
      attentionMask: { data: source.mask, shape: [rows, sourceLength] },
      ...(source.embeds && { inputsEmbeds: { data: source.embeds, shape: [rows, sourceLength, hidden] } }),
    };
    const { logits } = await ctx.backend.forward({
      inputIds: { data: target.ids, shape: [rows, length] },
      attentionMask: { data: target.mask, shape: [rows, length] },
      ...(target.embeds && { inputsEmbeds: { data: target.embeds, shape: [rows, length, hidden] } }),
      ...(encoderInput && { encoder: encoderInput }),
    });
    const values = await ctx.attributedFn.compute({
      logits,
      targetIds: Int32Array.from(indices, (b) => ctx.targetIds[b]),
      options: {},
      contrast: ctx.contrast && selectContrastRows(ctx.contrast, indices),
    });
    scores.set(values, first);
  }
  return scores;
}
