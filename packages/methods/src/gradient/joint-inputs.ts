import { InseqError, type IntTensor, type StepAttribution, type StepContext, type Tensor } from '@inseq/core';

/**
 * A step's inputs seen as one sequence per row, so that a method treats both sides of an
 * encoder-decoder model as Inseq does (one attribution over source and target inputs jointly):
 * the decoder's `length` positions first, then the encoder's `sourceLength` positions. Without
 * an encoder `sourceLength` is 0 and the joint row is the decoder row, unchanged.
 */
export interface JointLayout {
  readonly batch: number;
  /** Decoder (target prefix) positions. */
  readonly length: number;
  /** Encoder (source) positions; 0 for decoder-only models. */
  readonly sourceLength: number;
  /** `length + sourceLength`. */
  readonly positions: number;
  readonly hidden: number;
}

export function jointLayout(ctx: StepContext): JointLayout {
  // From the ids and the config, not inputsEmbeds: ids-only methods get no embeddings.
  const [batch, length] = ctx.inputIds.shape;
  const hidden = ctx.backend.config.hiddenSize;
  const sourceLength = ctx.encoder ? ctx.encoder.inputIds.shape[1] : 0;
  return { batch, length, sourceLength, positions: length + sourceLength, hidden };
}

/**
 * Concatenates, per row, a decoder-side `[rows, length, width]` buffer and an encoder-side
 * `[rows, sourceLength, width]` one into `[rows, positions, width]` (no copy without a source).
 */
export function joinSides<T extends Float32Array | Int32Array>(
  layout: JointLayout,
  target: T,
  source: T | undefined,
  width: number,
  rows = layout.batch,
): T {
  if (layout.sourceLength === 0 || !source) return target;
  const { length, sourceLength, positions } = layout;
  const out = new (target.constructor as new (length: number) => T)(rows * positions * width);
  for (let b = 0; b < rows; b++) {
    out.set(target.subarray(b * length * width, (b + 1) * length * width), b * positions * width);
    out.set(source.subarray(b * sourceLength * width, (b + 1) * sourceLength * width), (b * positions + length) * width);
  }
  return out;
}

/** The inverse of {@link joinSides} for `rows` joint rows: `{ target: [rows, length, width], source: [rows, sourceLength, width] }`. */
export function splitSides<T extends Float32Array | Int32Array>(
  layout: JointLayout,
  joint: T,
  width: number,
  rows = layout.batch,
): { target: T; source: T } {
  const { length, sourceLength, positions } = layout;
  const make = (n: number) => new (joint.constructor as new (length: number) => T)(n);
  if (sourceLength === 0) return { target: joint, source: make(0) };
  const target = make(rows * length * width);
  const source = make(rows * sourceLength * width);
  for (let r = 0; r < rows; r++) {
    target.set(joint.subarray(r * positions * width, (r * positions + length) * width), r * length * width);
    source.set(joint.subarray((r * positions + length) * width, (r + 1) * positions * width), r * sourceLength * width);
  }
  return { target, source };
}

/** Input embeddings of both sides, `[batch, positions, hidden]`. */
export function jointInputs(ctx: StepContext): Tensor {
  const layout = jointLayout(ctx);
  return {
    data: joinSides(layout, ctx.inputsEmbeds.data, ctx.encoder?.inputsEmbeds.data, layout.hidden),
    shape: [layout.batch, layout.positions, layout.hidden],
  };
}

/** Token ids of both sides, `[batch, positions]`. */
export function jointIds(ctx: StepContext): IntTensor {
  const layout = jointLayout(ctx);
  return { data: joinSides(layout, ctx.inputIds.data, ctx.encoder?.inputIds.data, 1), shape: [layout.batch, layout.positions] };
}

/** Attention masks of both sides, `[batch, positions]`: 0 on the decoder's left and the encoder's right padding. */
export function jointMask(ctx: StepContext): IntTensor {
  const layout = jointLayout(ctx);
  return { data: joinSides(layout, ctx.attentionMask.data, ctx.encoder?.attentionMask.data, 1), shape: [layout.batch, layout.positions] };
}

/**
 * The method's result from joint attributions `[batch, positions, …trailing]`: `attributions`
 * `[batch, length, …]`, and with an encoder `sourceAttributions` `[batch, sourceLength, …]`.
 */
export function splitAttributions(ctx: StepContext, joint: Float32Array, trailing: readonly number[] = []): StepAttribution {
  const layout = jointLayout(ctx);
  const width = trailing.reduce((a, b) => a * b, 1);
  const { target, source } = splitSides(layout, joint, width);
  const attributions = { data: target, shape: [layout.batch, layout.length, ...trailing] };
  if (!ctx.encoder) return { attributions };
  return { attributions, sourceAttributions: { data: source, shape: [layout.batch, layout.sourceLength, ...trailing] } };
}

/**
 * Joint gradients `[rows, positions, hidden]` from a backend's `gradients` output: with a source,
 * its `encoderGradients` are required (a backend that omits them cannot attribute the source).
 */
export function joinGradients(
  layout: JointLayout,
  output: { readonly gradients: Tensor; readonly encoderGradients?: Tensor },
  backendName: string,
  hasEncoder: boolean,
  rows = layout.batch,
): Float32Array {
  if (!hasEncoder) return output.gradients.data;
  if (!output.encoderGradients) {
    throw new InseqError(
      `Backend '${backendName}' returned no encoderGradients for an encoder-decoder step; source attributions need d target / d encoder inputsEmbeds.`, { code: 'BACKEND_FAILURE' },
    );
  }
  return joinSides(layout, output.gradients.data, output.encoderGradients.data, layout.hidden, rows);
}
