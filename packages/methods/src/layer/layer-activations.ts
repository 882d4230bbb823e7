import { BackendError, type StepContext, type Tensor } from '@inseq/core';
import { selectRows } from '../gradient/select-rows';

/**
 * Output of layer `name`, `[batch, sequenceLength, layerHidden]`, on the step's input embeddings
 * and on `baseline` embeddings, from one forward pass over both.
 */
export async function layerActivations(ctx: StepContext, name: string, baseline: Tensor): Promise<{ input: Tensor; baseline: Tensor }> {
  const x = ctx.inputsEmbeds;
  const batch = x.shape[0];
  const both = new Float32Array(2 * x.data.length);
  both.set(x.data);
  both.set(baseline.data, x.data.length);
  const examples = Int32Array.from({ length: 2 * batch }, (_, r) => r % batch);
  const { layerActivation } = await ctx.backend.forward({
    inputIds: selectRows(ctx.inputIds, examples),
    attentionMask: selectRows(ctx.attentionMask, examples),
    inputsEmbeds: { data: both, shape: [2 * batch, ...x.shape.slice(1)] },
    layer: { name },
  });
  if (!layerActivation) throw new BackendError(`Backend '${ctx.backend.name}' returned no activation for layer '${name}'.`);
  const [, length, hidden] = layerActivation.shape;
  const half = batch * length * hidden;
  return {
    input: { data: layerActivation.data.slice(0, half), shape: [batch, length, hidden] },
    baseline: { data: layerActivation.data.slice(half), shape: [batch, length, hidden] },
  };
}
