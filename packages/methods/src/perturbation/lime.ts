import { defineMethod, defineOptions, type SpecialTokenIds } from '@inseq/core';
import { BASELINES, type BaselineName } from '../gradient/baseline-embeddings';
import { jointIds, jointLayout, jointMask, splitAttributions } from '../gradient/joint-inputs';
import { baselineReplacement } from './baseline-replacement';
import { fitRidge } from './fit-ridge';
import { realPositions } from './real-positions';
import { scoreVariants } from './score-variants';
import { seededRandom } from '../gradient/seeded-random';
import { MAX_ROWS_PER_STEP } from '../cost-limits';

const options = defineOptions({
  n_samples: { type: 'number', default: 50, integer: true, min: 1, max: MAX_ROWS_PER_STEP, description: 'Perturbed samples per input.' },
  mask_prob: { type: 'number', default: 0.3, min: 0, max: 1, description: 'Probability that a token is masked in a sample.' },
  mask_token: { type: 'string', default: 'unk', values: BASELINES, description: 'Token that replaces masked ones: unk, zeros or pad.' },
  alpha: { type: 'number', default: 1, min: 0, description: 'Ridge regularisation of the surrogate linear model.' },
  seed: { type: 'number', default: 42, integer: true, description: 'Seed of the masks (per row, independent of batching).' },
  internal_batch_size: { type: 'number', integer: true, min: 1, description: 'Rows per backend call (default: all at once).' },
});

function specialIds(special: SpecialTokenIds): Set<number> {
  return new Set([special.bos, special.eos, special.unk, special.pad].filter((id): id is number => id !== undefined));
}

/**
 * LIME (Ribeiro et al. 2016, "Why Should I Trust You?": Explaining the Predictions of Any
 * Classifier", arXiv:1602.04938), as Inseq's `lime` (`inseq/attr/feat/ops/lime.py`, on Captum's
 * `LimeBase`): `n_samples` perturbations per input, each real token replaced by the
 * `mask_token` embedding with probability `mask_prob` (special tokens always kept), scored with
 * the step's attributed function; a ridge surrogate (scikit-learn `Ridge` defaults: `alpha` 1,
 * fitted intercept) is fitted with Inseq's similarity kernel as sample weights (the number of
 * tokens left unchanged), and its coefficients are the attributions, `[batch, sequenceLength]`
 * (0 on padding and special tokens).
 *
 * Differs from Inseq on purpose: the surrogate's features are the binary keep/mask indicators of
 * each token (standard LIME, Captum's `Lime`), where Inseq regresses on the perturbed token ids
 * themselves. Sampling uses an in-house seeded generator per row (`seed`), so runs repeat exactly
 * and a row's samples do not depend on the rest of the batch.
 *
 * Encoder-decoder steps mask source tokens as well (one surrogate over the source and target
 * tokens of a row, as Inseq's LIME explains both) and also return `sourceAttributions`
 * `[batch, sourceLength]`.
 *
 * On a backend without `embeddingInputs` (ONNX Runtime) a token mask replaces the token's id,
 * which gives the same numbers; `mask_token: 'zeros'` there is refused with an InvalidInputError.
 *
 * Options: `n_samples` (@defaultValue 50), `mask_prob` (@defaultValue 0.3), `mask_token`
 * ('unk' | 'zeros' | 'pad', @defaultValue 'unk'), `alpha` (@defaultValue 1), `seed`
 * (@defaultValue 42), `internal_batch_size` (Captum `perturbations_per_eval`; @defaultValue every
 * sample of the step in one `forward` call).
 */
export const lime = defineMethod({
  name: 'lime',
  paper: 'Ribeiro, Singh & Guestrin (2016), "Why Should I Trust You?": Explaining the Predictions of Any Classifier, arXiv:1602.04938',
  family: 'perturbation',
  // A token mask ('unk', 'pad') also runs on ids-only backends; 'zeros' is checked per step.
  requires: [],
  // Baseline embeddings only where the backend runs on embeddings; ids-only backends get baseline ids.
  embeddings: 'embeddingInputs',
  description: 'Local linear surrogate (ridge) fitted on random token maskings; its coefficients are the attributions.',
  options,
  async attributeStep(ctx) {
    const opts = ctx.options;
    const nSamples = opts.n_samples;
    const maskProb = opts.mask_prob;
    const maskToken = opts.mask_token;
    // With a source, positions are joint (target then source): source tokens are features too.
    const { batch, positions: length } = jointLayout(ctx);
    const mask = jointMask(ctx);
    const inputIds = jointIds(ctx).data;
    const replacement = await baselineReplacement(ctx, 'lime', maskToken);
    const special = specialIds(ctx.specialTokenIds);
    const { unk, pad, eos } = ctx.specialTokenIds;
    const maskId = maskToken === 'unk' ? unk : maskToken === 'pad' ? (pad ?? eos) : undefined;

    // Per row: the positions that are features, and each sample's keep mask over them.
    const rows = Array.from({ length: batch }, (_, b) => {
      const real = realPositions(mask, b);
      const ids = real.map((s) => inputIds[b * length + s]);
      const features = real.filter((_, n) => !special.has(ids[n]));
      const random = seededRandom(opts.seed, [...ids, ctx.targetIds[b]]).uniform;
      const samples = Array.from({ length: nSamples }, () => Float64Array.from(features, () => (random() < maskProb ? 0 : 1)));
      // Inseq's kernel: how many tokens the perturbed input shares with the original (a masked
      // token that already was the mask token counts as shared).
      const alreadyMasked = features.map((s) => inputIds[b * length + s] === maskId);
      const weights = samples.map((keep) =>
        keep.reduce((count, k, f) => count + (k === 1 || alreadyMasked[f] ? 1 : 0), real.length - features.length),
      );
      return { features, samples, weights };
    });

    const rowOf = new Int32Array(batch * nSamples).map((_, v) => Math.floor(v / nSamples));
    const chunkRows = opts.internal_batch_size ?? rowOf.length;
    const scores = await scoreVariants(ctx, rowOf, chunkRows, replacement, (v) => {
      const { features, samples } = rows[rowOf[v]];
      const keep = samples[v % nSamples];
      return features.filter((_, f) => keep[f] === 0);
    });

    const attributions = new Float32Array(batch * length);
    rows.forEach(({ features, samples, weights }, b) => {
      if (features.length === 0) return;
      const fit = fitRidge(samples, scores.subarray(b * nSamples, (b + 1) * nSamples), weights, opts.alpha);
      features.forEach((s, f) => {
        attributions[b * length + s] = fit.coefficients[f];
      });
    });
    return splitAttributions(ctx, attributions);
  },
});
