import { selectContrastRows, type StepContext } from '@inseq/core';
import type { BaselineReplacement } from './baseline-replacement';

/**
 * Scores perturbed copies ("variants") of a step's rows with the step's attributed function, in
 * as few `forward` calls as `chunkRows` allows. Variant `v` copies the ids, mask, target and
 * contrastive row of `rowOf[v]`, then `replaced(v)` lists the positions that get the baseline:
 * its embedding when `replacement` is `embeds`, its id when `ids` (backends without
 * `embeddingInputs`). Buffers are built one chunk at a time, so memory stays at one chunk's inputs.
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
  const [, length, hidden] = ctx.inputsEmbeds.shape;
  const rowSize = length * hidden;
  const scores = new Float32Array(rowOf.length);
  for (let first = 0; first < rowOf.length; first += chunkRows) {
    const rows = Math.min(chunkRows, rowOf.length - first);
    const indices = rowOf.subarray(first, first + rows);
    const embeds = replacement.kind === 'embeds' ? new Float32Array(rows * rowSize) : undefined;
    const ids = new Int32Array(rows * length);
    const mask = new Int32Array(rows * length);
    for (let r = 0; r < rows; r++) {
      const b = indices[r];
      ids.set(ctx.inputIds.data.subarray(b * length, (b + 1) * length), r * length);
      mask.set(ctx.attentionMask.data.subarray(b * length, (b + 1) * length), r * length);
      if (replacement.kind === 'ids') {
        for (const position of replaced(first + r)) ids[r * length + position] = replacement.id;
        continue;
      }
      embeds!.set(ctx.inputsEmbeds.data.subarray(b * rowSize, (b + 1) * rowSize), r * rowSize);
      for (const position of replaced(first + r)) {
        const at = b * rowSize + position * hidden;
        embeds!.set(replacement.baseline.data.subarray(at, at + hidden), r * rowSize + position * hidden);
      }
    }
    const { logits } = await ctx.backend.forward({
      inputIds: { data: ids, shape: [rows, length] },
      attentionMask: { data: mask, shape: [rows, length] },
      ...(embeds && { inputsEmbeds: { data: embeds, shape: [rows, length, hidden] } }),
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
