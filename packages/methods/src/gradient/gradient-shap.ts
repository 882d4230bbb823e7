import { defineMethod, defineOptions, jsonOption, requireTarget, type StepContext } from '@inseq/core';
import { attributedValues } from './attributed-values';
import { BASELINES, type BaselineName, jointBaselineEmbeddings } from './baseline-embeddings';
import { jointInputs, jointMask, splitAttributions } from './joint-inputs';
import { pointGradients } from './point-gradients';
import { seededRandom } from './seeded-random';
import { MAX_ROWS_PER_STEP } from '../cost-limits';

/** `baselines` as a list of names: one name, or the distribution the samples draw from; undefined when invalid. */
function parseBaselines(value: unknown): BaselineName[] | undefined {
  const names = typeof value === 'string' ? [value] : value;
  const valid = (name: unknown): name is BaselineName => (BASELINES as readonly unknown[]).includes(name);
  return Array.isArray(names) && names.length > 0 && names.every(valid) ? [...names] : undefined;
}

const options = defineOptions({
  n_samples: { type: 'number', default: 5, integer: true, min: 1, max: MAX_ROWS_PER_STEP, description: 'Random points per input (Captum n_samples).' },
  stdevs: { type: 'number', default: 0, min: 0, description: 'Standard deviation of the Gaussian noise added to the input (Captum stdevs).' },
  baselines: jsonOption({
    default: 'unk',
    expected: `one of ${BASELINES.map((b) => `'${b}'`).join(', ')}, or a non-empty list of them (the distribution samples are drawn from)`,
    parse: parseBaselines,
    description: 'Baselines the points are drawn from: unk, zeros, pad, or a list of them.',
  }),
  multiply_by_inputs: { type: 'boolean', default: true, description: 'Multiply by (input − baseline); false keeps the plain integrated gradient.' },
  return_convergence_delta: { type: 'boolean', default: false, description: 'Add the step score deltas = Σ attributions − (F(input) − F(baseline)).' },
  seed: { type: 'number', default: 42, integer: true, description: 'Seed of the random points (per row, independent of batching).' },
});

/**
 * The salt of a row's random stream: its target and real tokens (then, with a source, the real
 * source tokens), so padding and batch order change nothing.
 */
function rowSalt(ctx: StepContext, b: number): number[] {
  const salt = [ctx.targetIds[b]];
  for (const side of ctx.encoder ? [ctx, ctx.encoder] : [ctx]) {
    const length = side.inputIds.shape[1];
    for (let s = 0; s < length; s++) if (side.attentionMask.data[b * length + s] !== 0) salt.push(side.inputIds.data[b * length + s]);
  }
  return salt;
}

/**
 * GradientSHAP (Lundberg & Lee 2017, "A Unified Approach to Interpreting Model Predictions",
 * arXiv:1705.07874), as Captum's `GradientShap` (used by Inseq's `gradient_shap`): for each of
 * `n_samples` samples, a baseline x′ drawn from the `baselines` distribution, Gaussian noise of
 * std `stdevs` added to the input (x̃ = x + ε), α uniform in [0, 1), and the gradient at
 * x′ + α(x̃ − x′) times (x̃ − x′); attributions are the mean over samples (the expected gradient
 * times input-minus-baseline, an estimate of SHAP values).
 *
 * Randomness comes from `seed`; each row draws from its own stream, salted with its tokens, so a
 * run repeats exactly and a row's numbers do not depend on the rest of its batch. Padding gets no
 * noise. `return_convergence_delta` adds the step score `deltas`: Captum's per-sample
 * Σ attributions − (F(x̃) − F(x′)), averaged over samples. Output `[batch, sequenceLength, hidden]`;
 * encoder-decoder steps sample over the source and target embeddings jointly and also return
 * `sourceAttributions` `[batch, sourceLength, hidden]`.
 */
export const gradientShap = defineMethod({
  name: 'gradient_shap',
  paper: 'Lundberg & Lee (2017), A Unified Approach to Interpreting Model Predictions, arXiv:1705.07874',
  family: 'gradient',
  requires: ['gradients'],
  description: 'Expected gradients at random points between sampled baselines and noisy inputs, times (input - baseline) (seeded).',
  options,
  async attributeStep(ctx) {
    const opts = ctx.options;
    const nSamples = opts.n_samples;
    const stdevs = opts.stdevs;
    const names = opts.baselines;
    // With a source, rows are joint (target then source) and every sample moves both sides.
    const x = jointInputs(ctx);
    const mask = jointMask(ctx).data;
    const [batch, length, hidden] = x.shape;
    const rowSize = length * hidden;
    const distribution = await Promise.all(names.map((name) => jointBaselineEmbeddings(ctx, name)));

    // Per point (example b, sample s): its baseline x′ and its noisy input x̃, drawn up front.
    const count = batch * nSamples;
    const starts = new Float32Array(count * rowSize);
    const ends = new Float32Array(count * rowSize);
    const alphas = new Float64Array(count);
    for (let b = 0; b < batch; b++) {
      const random = seededRandom(opts.seed, rowSalt(ctx, b));
      const input = x.data.subarray(b * rowSize, (b + 1) * rowSize);
      for (let s = 0; s < nSamples; s++) {
        const p = b * nSamples + s;
        const choice = names.length > 1 ? Math.floor(random.uniform() * names.length) : 0;
        starts.set(distribution[choice].data.subarray(b * rowSize, (b + 1) * rowSize), p * rowSize);
        alphas[p] = random.uniform();
        const end = ends.subarray(p * rowSize, (p + 1) * rowSize);
        end.set(input);
        if (stdevs === 0) continue;
        for (let position = 0; position < length; position++) {
          if (mask[b * length + position] === 0) continue;
          for (let h = 0; h < hidden; h++) end[position * hidden + h] += stdevs * random.normal();
        }
      }
    }

    const sums = new Float64Array(x.data.length);
    await pointGradients(
      ctx,
      {
        count,
        example: (p) => Math.floor(p / nSamples),
        fill: (p, out) => {
          const alpha = alphas[p];
          for (let i = 0; i < rowSize; i++) {
            const start = starts[p * rowSize + i];
            out[i] = start + alpha * (ends[p * rowSize + i] - start);
          }
        },
        consume: (p, gradient) => {
          const offset = Math.floor(p / nSamples) * rowSize;
          for (let i = 0; i < rowSize; i++) {
            const scale = opts.multiply_by_inputs ? ends[p * rowSize + i] - starts[p * rowSize + i] : 1;
            sums[offset + i] += gradient[i] * scale;
          }
        },
      },
      { target: requireTarget(ctx, 'gradient_shap') },
    );
    const attributions = Float32Array.from(sums, (v) => v / nSamples);
    const result = splitAttributions(ctx, attributions, [hidden]);
    if (!opts.return_convergence_delta) return result;

    const both = new Float32Array(2 * count * rowSize);
    both.set(ends);
    both.set(starts, count * rowSize);
    const examples = Int32Array.from({ length: 2 * count }, (_, r) => Math.floor((r % count) / nSamples));
    const values = await attributedValues(ctx, both, examples);
    const deltas = new Float32Array(batch);
    for (let b = 0; b < batch; b++) {
      let total = 0;
      for (let i = 0; i < rowSize; i++) total += attributions[b * rowSize + i];
      let gain = 0;
      for (let s = 0; s < nSamples; s++) gain += values[b * nSamples + s] - values[count + b * nSamples + s];
      deltas[b] = total - gain / nSamples;
    }
    return { ...result, stepScores: { deltas } };
  },
});
