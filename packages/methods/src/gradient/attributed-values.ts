import { selectContrastRows, type StepContext } from '@inseq/core';
import { jointLayout, splitSides } from './joint-inputs';
import { selectRows } from './select-rows';

/**
 * The attributed function at rows of input embeddings, row `r` being a variant of example
 * `examples[r]` of the step (one forward pass): `[rows, sequenceLength, hidden]`, or with a
 * source the joint rows `[rows, sequenceLength + sourceLength, hidden]` (see `jointLayout`).
 * Returns `[rows]`.
 */
export async function attributedValues(ctx: StepContext, embeds: Float32Array, examples: ArrayLike<number>): Promise<Float32Array> {
  const layout = jointLayout(ctx);
  const { length, sourceLength, hidden } = layout;
  const rows = examples.length;
  const sides = splitSides(layout, embeds, hidden, rows);
  const encoder = ctx.encoder;
  const { logits } = await ctx.backend.forward({
    inputIds: selectRows(ctx.inputIds, examples),
    attentionMask: selectRows(ctx.attentionMask, examples),
    inputsEmbeds: { data: sides.target, shape: [rows, length, hidden] },
    ...(encoder && {
      encoder: {
        inputIds: selectRows(encoder.inputIds, examples),
        attentionMask: selectRows(encoder.attentionMask, examples),
        inputsEmbeds: { data: sides.source, shape: [rows, sourceLength, hidden] },
      },
    }),
  });
  return ctx.attributedFn.compute({
    logits,
    targetIds: Int32Array.from(examples, (b) => ctx.targetIds[b]),
    options: {},
    ...(ctx.contrast && { contrast: selectContrastRows(ctx.contrast, examples) }),
  });
}
