import { type DifferentiableTarget, selectContrastRows, type StepContext, type Tensor } from '@inseq/core';
import { selectRows } from './select-rows';

/**
 * The points a path method evaluates. Each point is a variant of one example of the step's batch:
 * its input embeddings `[sequenceLength, hidden]`, or, with a `layer`, that layer's output.
 */
export interface GradientPoints {
  readonly count: number;
  /** The example (row of the step's batch) that point `p` varies. */
  example(point: number): number;
  /** Writes point `p` (embeddings, or the layer output with `layer`) into `out`. */
  fill(point: number, out: Float32Array): void;
  /** Receives the gradient at point `p`, shaped like the point; valid only during the call. */
  consume(point: number, gradient: Float32Array): void;
}

/** How {@link pointGradients} calls the backend. */
export interface PointGradientOptions {
  readonly target: DifferentiableTarget;
  /** Points per backend call (Captum's `internal_batch_size`). @defaultValue every point in one call */
  readonly chunkSize?: number;
  /**
   * Differentiate with respect to this layer's output, each point being the layer's replaced
   * output `[sequenceLength, layerHidden]`; the input embeddings stay the example's own.
   */
  readonly layer?: { readonly name: string; readonly hidden: number };
  /** DeepLIFT Rescale against these reference embeddings `[batch, sequenceLength, hidden]` (one row per example). */
  readonly rescaleReference?: Tensor;
}

/**
 * Gradients of the step's target at many points (path integrals, samples), in chunks of whole
 * points. Ids, masks, target ids and contrastive rows follow each point's example.
 */
export async function pointGradients(ctx: StepContext, points: GradientPoints, options: PointGradientOptions): Promise<void> {
  const [, length, hidden] = ctx.inputsEmbeds.shape;
  const pointHidden = options.layer?.hidden ?? hidden;
  const pointSize = length * pointHidden;
  const chunkSize = Math.min(options.chunkSize ?? points.count, points.count);
  for (let first = 0; first < points.count; first += chunkSize) {
    const rows = Math.min(chunkSize, points.count - first);
    const examples = Int32Array.from({ length: rows }, (_, r) => points.example(first + r));
    const values = new Float32Array(rows * pointSize);
    for (let r = 0; r < rows; r++) points.fill(first + r, values.subarray(r * pointSize, (r + 1) * pointSize));
    const pointTensor = { data: values, shape: [rows, length, pointHidden] };
    const { gradients } = await ctx.backend.gradients!({
      inputIds: selectRows(ctx.inputIds, examples),
      attentionMask: selectRows(ctx.attentionMask, examples),
      inputsEmbeds: options.layer ? selectRows(ctx.inputsEmbeds, examples) : pointTensor,
      targetIds: Int32Array.from(examples, (b) => ctx.targetIds[b]),
      target: options.target,
      ...(ctx.contrast && { contrast: selectContrastRows(ctx.contrast, examples) }),
      ...(options.layer && { layer: { name: options.layer.name, override: pointTensor } }),
      ...(options.rescaleReference && { rescale: { referenceEmbeds: selectRows(options.rescaleReference, examples) } }),
    });
    for (let r = 0; r < rows; r++) points.consume(first + r, gradients.data.subarray(r * pointSize, (r + 1) * pointSize));
  }
}
