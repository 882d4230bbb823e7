import { defineMethod, parseOptions, requireTarget, type IntTensor } from '@inseq/core';
import { BASELINES, type BaselineName, baselineEmbeddings } from './baseline-embeddings';
import { INTEGRATION_METHODS, type IntegrationMethod, integrationRule } from './integration-rule';

const options = {
  n_steps: { type: 'number', default: 50, integer: true, min: 1 },
  method: { type: 'string', default: 'gausslegendre', values: INTEGRATION_METHODS },
  internal_batch_size: { type: 'number', integer: true, min: 1 },
  baselines: { type: 'string', default: 'unk', values: BASELINES },
  multiply_by_inputs: { type: 'boolean', default: true },
  return_convergence_delta: { type: 'boolean', default: false },
} as const;

function concat<T extends Float32Array | Int32Array>(a: T, b: T): T {
  const out = new (a.constructor as new (length: number) => T)(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function repeatRows(tensor: IntTensor, times: number): IntTensor {
  const data = new Int32Array(tensor.data.length * times);
  for (let t = 0; t < times; t++) data.set(tensor.data, t * tensor.data.length);
  return { data, shape: [tensor.shape[0] * times, ...tensor.shape.slice(1)] };
}

/**
 * Integrated Gradients (Sundararajan et al. 2017, "Axiomatic Attribution for Deep Networks",
 * arXiv:1703.01365): (x − x′) · ∫₀¹ ∂F(x′ + α(x − x′))/∂x dα over the input embeddings, the
 * integral approximated as in Captum's `IntegratedGradients` (Gauss–Legendre by default, or the
 * Riemann rules). Baseline x′ defaults to the UNK token embedding, as Inseq.
 * `return_convergence_delta` adds the step score `deltas` = Σ attributions − (F(x) − F(x′)),
 * Captum's convergence delta. Output `[batch, sequenceLength, hidden]`.
 */
export const integratedGradients = defineMethod({
  name: 'integrated_gradients',
  family: 'gradient',
  requires: ['gradients'],
  description: 'Path integral of gradients from a baseline (UNK embedding) to the input, times (input - baseline).',
  parseOptions: (raw) => parseOptions('integrated_gradients', raw, options),
  async attributeStep(ctx) {
    const target = requireTarget(ctx, 'integrated_gradients');
    const opts = ctx.options;
    const nSteps = opts.n_steps as number;
    const { alphas, stepSizes } = integrationRule(opts.method as IntegrationMethod, nSteps);
    const x = ctx.inputsEmbeds;
    const [batch, length, hidden] = x.shape;
    const rowSize = length * hidden;
    const baseline = await baselineEmbeddings(ctx, opts.baselines as BaselineName);
    const difference = x.data.map((value, i) => value - baseline.data[i]);

    // Rows of the expanded batch are (alpha k, example b); chunks hold whole rows.
    const total = nSteps * batch;
    const chunkRows = Math.min((opts.internal_batch_size as number | undefined) ?? total, total);
    const integral = new Float64Array(x.data.length);
    for (let first = 0; first < total; first += chunkRows) {
      const rows = Math.min(chunkRows, total - first);
      const scaled = new Float32Array(rows * rowSize);
      const ids = new Int32Array(rows * length);
      const mask = new Int32Array(rows * length);
      const targetIds = new Int32Array(rows);
      for (let r = 0; r < rows; r++) {
        const k = Math.floor((first + r) / batch);
        const b = (first + r) % batch;
        const alpha = alphas[k];
        for (let i = 0; i < rowSize; i++) scaled[r * rowSize + i] = baseline.data[b * rowSize + i] + alpha * difference[b * rowSize + i];
        ids.set(ctx.inputIds.data.subarray(b * length, (b + 1) * length), r * length);
        mask.set(ctx.attentionMask.data.subarray(b * length, (b + 1) * length), r * length);
        targetIds[r] = ctx.targetIds[b];
      }
      const { gradients } = await ctx.backend.gradients!({
        inputIds: { data: ids, shape: [rows, length] },
        attentionMask: { data: mask, shape: [rows, length] },
        inputsEmbeds: { data: scaled, shape: [rows, length, hidden] },
        targetIds,
        target,
      });
      for (let r = 0; r < rows; r++) {
        const k = Math.floor((first + r) / batch);
        const b = (first + r) % batch;
        const weight = stepSizes[k];
        for (let i = 0; i < rowSize; i++) integral[b * rowSize + i] += weight * gradients.data[r * rowSize + i];
      }
    }
    const attributions = new Float32Array(x.data.length);
    for (let i = 0; i < attributions.length; i++) {
      attributions[i] = opts.multiply_by_inputs ? integral[i] * difference[i] : integral[i];
    }
    if (!opts.return_convergence_delta) return { attributions: { data: attributions, shape: [batch, length, hidden] } };

    // F at the input and at the baseline, in one forward pass over both.
    const both = await ctx.backend.forward({
      inputIds: repeatRows(ctx.inputIds, 2),
      attentionMask: repeatRows(ctx.attentionMask, 2),
      inputsEmbeds: { data: concat(x.data, baseline.data), shape: [2 * batch, length, hidden] },
    });
    const values = await ctx.attributedFn.compute({
      logits: both.logits,
      targetIds: concat(ctx.targetIds, ctx.targetIds),
      options: {},
    });
    const deltas = new Float32Array(batch);
    for (let b = 0; b < batch; b++) {
      let sum = 0;
      for (let i = 0; i < rowSize; i++) sum += attributions[b * rowSize + i];
      deltas[b] = sum - (values[b] - values[batch + b]);
    }
    return { attributions: { data: attributions, shape: [batch, length, hidden] }, stepScores: { deltas } };
  },
});
