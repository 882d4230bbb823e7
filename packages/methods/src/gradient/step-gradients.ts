import { requireTarget, type StepContext, type Tensor } from '@inseq/core';
import { joinGradients, jointLayout, splitSides } from './joint-inputs';

/**
 * One `gradients` call at the step's own inputs: d F / d x as joint rows `[batch, positions,
 * hidden]` (see `jointLayout`), i.e. the decoder's gradients then, with a source, the encoder's
 * (`encoderGradients`). `rescaleReference` (joint rows too) asks for DeepLIFT Rescale multipliers.
 */
export async function stepGradients(ctx: StepContext, method: string, rescaleReference?: Tensor): Promise<Float32Array> {
  const layout = jointLayout(ctx);
  const reference = rescaleReference && splitSides(layout, rescaleReference.data, layout.hidden);
  const output = await ctx.backend.gradients!({
    inputIds: ctx.inputIds,
    attentionMask: ctx.attentionMask,
    inputsEmbeds: ctx.inputsEmbeds,
    targetIds: ctx.targetIds,
    target: requireTarget(ctx, method),
    ...(ctx.contrast && { contrast: ctx.contrast }),
    ...(ctx.encoder && { encoder: ctx.encoder }),
    ...(reference && {
      rescale: {
        referenceEmbeds: { data: reference.target, shape: [...ctx.inputsEmbeds.shape] },
        ...(ctx.encoder && { encoderReferenceEmbeds: { data: reference.source, shape: [...ctx.encoder.inputsEmbeds.shape] } }),
      },
    }),
  });
  return joinGradients(layout, output, ctx.backend.name, ctx.encoder !== undefined);
}
