import type { StepContext, Tensor } from '@inseq/core';
import { attributedValues } from './attributed-values';
import { jointInputs } from './joint-inputs';

/**
 * Captum's convergence delta per example, `[batch]`: Σ attributions − (F(input) − F(baseline)),
 * F being the attributed function, both values from one forward pass over inputs and baselines.
 * With a source, `attributions` and `baseline` are joint rows (see `jointLayout`), so the sum runs
 * over source and target and both sides move from baseline to input.
 */
export async function convergenceDeltas(ctx: StepContext, attributions: Float32Array, baseline: Tensor): Promise<Float32Array> {
  const x = jointInputs(ctx);
  const batch = x.shape[0];
  const rowSize = attributions.length / batch;
  const both = new Float32Array(2 * x.data.length);
  both.set(x.data);
  both.set(baseline.data, x.data.length);
  const examples = Int32Array.from({ length: 2 * batch }, (_, r) => r % batch);
  const values = await attributedValues(ctx, both, examples);
  const deltas = new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    let sum = 0;
    for (let i = 0; i < rowSize; i++) sum += attributions[b * rowSize + i];
    deltas[b] = sum - (values[b] - values[batch + b]);
  }
  return deltas;
}
