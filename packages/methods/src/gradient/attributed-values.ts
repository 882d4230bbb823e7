import { selectContrastRows, type StepContext } from '@inseq/core';
import { selectRows } from './select-rows';

/**
 * The attributed function at rows of input embeddings `[rows, sequenceLength, hidden]`, row `r`
 * being a variant of example `examples[r]` of the step (one forward pass). Returns `[rows]`.
 */
export async function attributedValues(ctx: StepContext, embeds: Float32Array, examples: ArrayLike<number>): Promise<Float32Array> {
  const [, length, hidden] = ctx.inputsEmbeds.shape;
  const { logits } = await ctx.backend.forward({
    inputIds: selectRows(ctx.inputIds, examples),
    attentionMask: selectRows(ctx.attentionMask, examples),
    inputsEmbeds: { data: embeds, shape: [examples.length, length, hidden] },
  });
  return ctx.attributedFn.compute({
    logits,
    targetIds: Int32Array.from(examples, (b) => ctx.targetIds[b]),
    options: {},
    ...(ctx.contrast && { contrast: selectContrastRows(ctx.contrast, examples) }),
  });
}
