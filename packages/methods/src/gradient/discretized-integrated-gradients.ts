import { defineMethod, defineOptions, InvalidInputError, type Tensor, requireTarget, type StepContext } from '@inseq/core';
import { convergenceDeltas } from './convergence-deltas';
import { monotonicPaths, PATH_STRATEGIES, type PathStrategy } from './monotonic-paths';
import { jointBaselineKeepMask } from './baseline-embeddings';
import { jointIds, jointInputs, splitAttributions } from './joint-inputs';
import { pointGradients } from './point-gradients';
import { vocabularyIndex } from './vocabulary-index';
import { MAX_ROWS_PER_STEP } from '../cost-limits';

const options = defineOptions({
  n_steps: { type: 'number', default: 50, integer: true, min: 2, max: MAX_ROWS_PER_STEP, description: 'Interpolation points of the monotonic path (at least 2).' },
  method: { type: 'string', default: 'greedy', values: PATH_STRATEGIES, description: 'Path strategy: greedy or maxcount (Sanyal & Ren 2021).' },
  n_neighbors: { type: 'number', default: 50, integer: true, min: 1, description: 'Nearest vocabulary embeddings considered at each anchor.' },
  internal_batch_size: { type: 'number', integer: true, min: 1, description: 'Rows per backend call (default: all at once).' },
  baselines: { type: 'string', default: 'unk', values: ['unk', 'pad'], description: 'Baseline token the path starts from: unk or pad.' },
  multiply_by_inputs: { type: 'boolean', default: false, description: 'Multiply by (input − baseline); false keeps the plain integrated gradient.' },
  return_convergence_delta: { type: 'boolean', default: false, description: 'Add the step score deltas = Σ attributions − (F(input) − F(baseline)).' },
});

/** The baseline token id (a path through the vocabulary needs a token, so no `zeros`). */
function baselineId(ctx: StepContext, name: string): number {
  const special = ctx.specialTokenIds;
  const id = name === 'unk' ? special.unk : (special.pad ?? special.eos);
  if (id === undefined) {
    throw new InvalidInputError(
      `discretized_integrated_gradients baseline '${name}' needs the tokenizer's ${name === 'unk' ? 'unk_token' : 'pad_token (or eos_token)'}, ` +
        `which this model's tokenizer does not define. Use the other of baselines: 'unk', 'pad'.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  return id;
}

/**
 * Discretized Integrated Gradients (Sanyal & Ren 2021, "Discretized Integrated Gradients for
 * Explaining Language Models", arXiv:2108.13654): gradients along a monotonic path through the
 * vocabulary embeddings from the baseline token (UNK by default, as Inseq) to each input token,
 * summed Riemann-style over the discrete path, Σₖ ∂F(pₖ)/∂x · (pₖ₊₁ − pₖ), as the DIG reference
 * code and Inseq's `discretized_integrated_gradients` do. Paths: {@link monotonicPaths}
 * (`method` 'greedy' or 'maxcount', `n_neighbors` nearest vocabulary neighbours, computed here
 * and cached per model). Every position moves along its own path at once; padding and the positions
 * Inseq's baseline keeps (the eos unless `include_eos_baseline`, the decoder start) stay put.
 * The sum already carries the path's steps, so `multiply_by_inputs` defaults to false (Inseq);
 * true multiplies by (x − x′) once more. `return_convergence_delta` adds the step score
 * `deltas` = Σ attributions − (F(x) − F(x′)). Output `[batch, sequenceLength, hidden]`;
 * encoder-decoder steps move the source tokens too, along paths through the encoder's embedding
 * table, and also return `sourceAttributions` `[batch, sourceLength, hidden]`.
 */
export const discretizedIntegratedGradients = defineMethod({
  name: 'discretized_integrated_gradients',
  paper: 'Sanyal & Ren (2021), Discretized Integrated Gradients for Explaining Language Models, arXiv:2108.13654',
  family: 'gradient',
  requires: ['gradients'],
  description: 'Gradients along monotonic paths through the vocabulary embeddings from the baseline (UNK) token to each input token.',
  options,
  async attributeStep(ctx) {
    const opts = ctx.options;
    const nSteps = opts.n_steps;
    // With a source, rows are joint (target then source); each side's tokens walk its own table.
    const x = jointInputs(ctx);
    // Padding, and the positions Inseq's baseline keeps (eos, decoder start), stay at their input.
    const keep = jointBaselineKeepMask(ctx);
    const ids = jointIds(ctx).data;
    const [batch, length, hidden] = x.shape;
    const rowSize = length * hidden;
    const decoderLength = ctx.inputsEmbeds.shape[1];
    const base = baselineId(ctx, opts.baselines);
    const special = ctx.specialTokenIds;
    const pathOptions = {
      nSteps,
      strategy: opts.method,
      nNeighbors: opts.n_neighbors,
      specialIds: new Set([special.bos, special.eos, special.unk, special.pad].filter((id) => id !== undefined)),
    };

    // paths[b·length + s]: `[nSteps, hidden]`, built together per side; kept positions stay at their input.
    const built = new Map<number, Float32Array>();
    for (const side of ctx.encoder ? (['decoder', 'encoder'] as const) : (['decoder'] as const)) {
      const real: number[] = [];
      for (let at = 0; at < batch * length; at++) {
        if (keep[at] === 0 && (at % length < decoderLength) === (side === 'decoder')) real.push(at);
      }
      const index = await vocabularyIndex(ctx.backend, side);
      monotonicPaths(
        index,
        real.map((at) => ids[at]),
        base,
        pathOptions,
      ).forEach((path, r) => {
        built.set(real[r], path);
      });
    }
    const paths: Float32Array[] = [];
    for (let at = 0; at < batch * length; at++) {
      const input = x.data.subarray(at * hidden, (at + 1) * hidden);
      let path: Float32Array;
      if (keep[at] === 0) {
        path = built.get(at)!;
      } else {
        path = new Float32Array(nSteps * hidden);
        for (let k = 0; k < nSteps; k++) path.set(input, k * hidden);
      }
      // The path ends at the vocabulary row; the input itself is where attributions are taken.
      path.set(input, (nSteps - 1) * hidden);
      paths.push(path);
    }

    // Point (example b, step k < nSteps − 1): every position at its k-th path point. The last
    // point's gradient would be weighted by a zero step, so it is not computed.
    const sums = new Float64Array(x.data.length);
    await pointGradients(
      ctx,
      {
        count: batch * (nSteps - 1),
        example: (p) => Math.floor(p / (nSteps - 1)),
        fill: (p, out) => {
          const b = Math.floor(p / (nSteps - 1));
          const k = p % (nSteps - 1);
          for (let s = 0; s < length; s++) out.set(paths[b * length + s].subarray(k * hidden, (k + 1) * hidden), s * hidden);
        },
        consume: (p, gradient) => {
          const b = Math.floor(p / (nSteps - 1));
          const k = p % (nSteps - 1);
          for (let s = 0; s < length; s++) {
            const path = paths[b * length + s];
            for (let h = 0; h < hidden; h++) {
              const step = path[(k + 1) * hidden + h] - path[k * hidden + h];
              sums[b * rowSize + s * hidden + h] += gradient[s * hidden + h] * step;
            }
          }
        },
      },
      { target: requireTarget(ctx, 'discretized_integrated_gradients'), chunkSize: opts.internal_batch_size },
    );
    const starts = new Float32Array(x.data.length);
    paths.forEach((path, at) => {
      starts.set(path.subarray(0, hidden), at * hidden);
    });
    const attributions = Float32Array.from(sums, (v, i) => (opts.multiply_by_inputs ? v * (x.data[i] - starts[i]) : v));
    const result = splitAttributions(ctx, attributions, [hidden]);
    if (!opts.return_convergence_delta) return result;
    const baseline: Tensor = { data: starts, shape: [batch, length, hidden] };
    return { ...result, stepScores: { deltas: await convergenceDeltas(ctx, attributions, baseline) } };
  },
});
