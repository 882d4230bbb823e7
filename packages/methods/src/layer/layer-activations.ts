import { BackendError, type StepContext, type Tensor } from '@inseq/core';
import { selectRows } from '../gradient/select-rows';
import type { SideBaselines } from './layer-pass';
import type { TargetLayer } from './target-layer';

/**
 * Output of `layer`, `[batch, length, layerHidden]` (`length` the source's for an encoder layer),
 * on the step's inputs and on the baselines of both sides, from one forward pass over both.
 */
export async function layerActivations(ctx: StepContext, layer: TargetLayer, baselines: SideBaselines): Promise<{ input: Tensor; baseline: Tensor }> {
  const x = ctx.inputsEmbeds;
  const batch = x.shape[0];
  const doubled = (input: Tensor, baseline: Tensor): Tensor => {
    const data = new Float32Array(2 * input.data.length);
    data.set(input.data);
    data.set(baseline.data, input.data.length);
    return { data, shape: [2 * batch, ...input.shape.slice(1)] };
  };
  const examples = Int32Array.from({ length: 2 * batch }, (_, r) => r % batch);
  const encoder = ctx.encoder;
  const { layerActivation } = await ctx.backend.forward({
    inputIds: selectRows(ctx.inputIds, examples),
    attentionMask: selectRows(ctx.attentionMask, examples),
    inputsEmbeds: doubled(x, baselines.target),
    layer: { name: layer.name },
    ...(encoder && {
      encoder: {
        inputIds: selectRows(encoder.inputIds, examples),
        attentionMask: selectRows(encoder.attentionMask, examples),
        inputsEmbeds: doubled(encoder.inputsEmbeds, baselines.source!),
      },
    }),
  });
  if (!layerActivation) throw new BackendError(`Backend '${ctx.backend.name}' returned no activation for layer '${layer.name}'.`);
  const [, length, hidden] = layerActivation.shape;
  const half = batch * length * hidden;
  return {
    input: { data: layerActivation.data.slice(0, half), shape: [batch, length, hidden] },
    baseline: { data: layerActivation.data.slice(half), shape: [batch, length, hidden] },
  };
}
