import { defineMethod, defineOptions } from '@inseq/core';
import { BASELINES, type BaselineName } from '../gradient/baseline-embeddings';
import { jointLayout, jointMask, splitAttributions } from '../gradient/joint-inputs';
import { baselineReplacement } from './baseline-replacement';
import { realPositions } from './real-positions';
import { scoreVariants } from './score-variants';

const options = defineOptions({
  baselines: { type: 'string', default: 'unk', values: BASELINES, description: 'Token that replaces the occluded one: unk, zeros or pad.' },
  internal_batch_size: { type: 'number', integer: true, min: 1, description: 'Rows per backend call (default: all at once).' },
  abs: { type: 'boolean', default: true, description: 'Absolute value of the change in the attributed function.' },
});

/**
 * Occlusion (Zeiler & Fergus 2014, "Visualizing and Understanding Convolutional Networks",
 * arXiv:1311.2901), as Inseq's `occlusion` runs Captum's `Occlusion` with a sliding window of one
 * token across the whole hidden size: each real position i in turn gets the baseline embedding
 * (`baselines`, UNK by default, as Inseq), and its score is F(x) − F(x with token i occluded),
 * F the step's attributed function. Like Inseq, the absolute value is returned (`abs: false`
 * keeps the sign).
 *
 * Captum repeats the score over the hidden size and Inseq keeps one slice; the output here is
 * that slice, `[batch, sequenceLength]` (0 on padding). Cost per step: prefix length + 1 forward
 * rows per input (the original and one per token), all in one `forward` call unless
 * `internal_batch_size` caps the rows per call.
 *
 * Encoder-decoder steps occlude every real source token as well (in the encoder's input, with the
 * baseline from the encoder's table) and also return `sourceAttributions` `[batch, sourceLength]`.
 *
 * On a backend without `embeddingInputs` (ONNX Runtime) a token baseline replaces the token's id,
 * which gives the same numbers; `zeros` there is refused with an InvalidInputError.
 *
 * Options: `baselines` ('unk' | 'zeros' | 'pad', @defaultValue 'unk'), `internal_batch_size`
 * (@defaultValue every variant of the step in one call), `abs` (@defaultValue true).
 */
export const occlusion = defineMethod({
  name: 'occlusion',
  paper: 'Zeiler & Fergus (2014), Visualizing and Understanding Convolutional Networks, arXiv:1311.2901',
  family: 'perturbation',
  // A token baseline ('unk', 'pad') also runs on ids-only backends; 'zeros' is checked per step.
  requires: [],
  // Baseline embeddings only where the backend runs on embeddings; ids-only backends get baseline ids.
  embeddings: 'embeddingInputs',
  description: 'Change of the attributed function when each token in turn is replaced by a baseline (UNK) embedding.',
  options,
  async attributeStep(ctx) {
    const opts = ctx.options;
    // With a source, positions are joint (target then source): source tokens are occluded too.
    const { batch, positions: length } = jointLayout(ctx);
    const mask = jointMask(ctx);
    const replacement = await baselineReplacement(ctx, 'occlusion', opts.baselines);
    // Variant layout: per row, the unperturbed input (occluded −1) then one per real position.
    const rowOf: number[] = [];
    const occluded: number[] = [];
    for (let b = 0; b < batch; b++) {
      for (const position of [-1, ...realPositions(mask, b)]) {
        rowOf.push(b);
        occluded.push(position);
      }
    }
    const chunkRows = opts.internal_batch_size ?? rowOf.length;
    const scores = await scoreVariants(ctx, Int32Array.from(rowOf), chunkRows, replacement, (v) =>
      occluded[v] >= 0 ? [occluded[v]] : [],
    );
    const attributions = new Float32Array(batch * length);
    let original = 0;
    for (let v = 0; v < rowOf.length; v++) {
      if (occluded[v] < 0) {
        original = scores[v];
        continue;
      }
      const delta = original - scores[v];
      attributions[rowOf[v] * length + occluded[v]] = opts.abs ? Math.abs(delta) : delta;
    }
    return splitAttributions(ctx, attributions);
  },
});
