import { type DifferentiableTarget, InvalidInputError, selectContrastRows, type StepContext, type Tensor } from '@inseq/core';
import { joinGradients, jointLayout, splitSides } from './joint-inputs';
import { selectRows } from './select-rows';

/**
 * The points a path method evaluates. Each point is a variant of one example of the step's batch:
 * its input embeddings `[sequenceLength, hidden]` (with a source, the joint row
 * `[sequenceLength + sourceLength, hidden]`), or, with a `layer`, that layer's output.
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
  /** DeepLIFT Rescale against these reference embeddings, joint rows `[batch, positions, hidden]` (one row per example). */
  readonly rescaleReference?: Tensor;
}

/**
 * Gradients of the step's target at many points (path integrals, samples), in chunks of whole
 * points. Ids, masks, target ids and contrastive rows follow each point's example.
 *
 * Encoder-decoder steps (`ctx.encoder`): a point is a joint row (see {@link jointLayout}), the
 * decoder's embeddings then the encoder's, `[length + sourceLength, hidden]`; the backend
 * differentiates both (`inputsEmbeds`, `encoder.inputsEmbeds`) and the gradient comes back joined
 * the same way. Layer points are decoder-only (layer methods refuse encoder-decoder steps).
 */
export async function pointGradients(ctx: StepContext, points: GradientPoints, options: PointGradientOptions): Promise<void> {
  const layout = jointLayout(ctx);
  const { length, hidden } = layout;
  const encoder = ctx.encoder;
  if (encoder && options.layer) {
    throw new InvalidInputError('Layer gradients of encoder-decoder models are not supported yet.', { code: 'INVALID_ARGUMENT' });
  }
  const pointHidden = options.layer?.hidden ?? hidden;
  const pointSize = (options.layer ? length : layout.positions) * pointHidden;
  const chunkSize = Math.min(options.chunkSize ?? points.count, points.count);
  for (let first = 0; first < points.count; first += chunkSize) {
    const rows = Math.min(chunkSize, points.count - first);
    const examples = Int32Array.from({ length: rows }, (_, r) => points.example(first + r));
    const values = new Float32Array(rows * pointSize);
    for (let r = 0; r < rows; r++) points.fill(first + r, values.subarray(r * pointSize, (r + 1) * pointSize));
    const sides = splitSides(layout, values, pointHidden, rows);
    const pointTensor = { data: sides.target, shape: [rows, length, pointHidden] };
    const reference = options.rescaleReference && splitSides(layout, selectRows(options.rescaleReference, examples).data, hidden, rows);
    const output = await ctx.backend.gradients!({
      inputIds: selectRows(ctx.inputIds, examples),
      attentionMask: selectRows(ctx.attentionMask, examples),
      inputsEmbeds: options.layer ? selectRows(ctx.inputsEmbeds, examples) : pointTensor,
      targetIds: Int32Array.from(examples, (b) => ctx.targetIds[b]),
      target: options.target,
      ...(ctx.contrast && { contrast: selectContrastRows(ctx.contrast, examples) }),
      ...(options.layer && { layer: { name: options.layer.name, override: pointTensor } }),
      ...(reference && {
        rescale: {
          referenceEmbeds: { data: reference.target, shape: [rows, length, hidden] },
          ...(encoder && { encoderReferenceEmbeds: { data: reference.source, shape: [rows, layout.sourceLength, hidden] } }),
        },
      }),
      ...(encoder && {
        encoder: {
          inputIds: selectRows(encoder.inputIds, examples),
          attentionMask: selectRows(encoder.attentionMask, examples),
          inputsEmbeds: { data: sides.source, shape: [rows, layout.sourceLength, hidden] },
        },
      }),
    });
    const gradients = joinGradients(layout, output, ctx.backend.name, encoder !== undefined, rows);
    for (let r = 0; r < rows; r++) points.consume(first + r, gradients.subarray(r * pointSize, (r + 1) * pointSize));
  }
}
