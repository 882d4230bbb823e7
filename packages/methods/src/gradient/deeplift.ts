import { defineMethod, defineOptions } from '@inseq/core';
import { BASELINES, type BaselineName, jointBaselineEmbeddings } from './baseline-embeddings';
import { convergenceDeltas } from './convergence-deltas';
import { jointInputs, splitAttributions } from './joint-inputs';
import { stepGradients } from './step-gradients';

const options = defineOptions({
  baselines: { type: 'string', default: 'unk', values: BASELINES, description: 'Baseline token: unk (Inseq), zeros (zero embeddings) or pad.' },
  multiply_by_inputs: { type: 'boolean', default: true, description: 'Multiply by (input − baseline); false keeps the plain integrated gradient.' },
  return_convergence_delta: { type: 'boolean', default: false, description: 'Add the step score deltas = Σ attributions − (F(input) − F(baseline)).' },
});

/**
 * DeepLIFT (Shrikumar et al. 2017, "Learning Important Features Through Propagating Activation
 * Differences", arXiv:1704.02685) with the Rescale rule: (x − x′) · m, where the multipliers m are
 * the gradient with every elementwise non-linearity's derivative replaced by
 * (f(x) − f(x′)) / (x − x′) against a reference pass on the baseline (backend capability
 * `rescaleGradients`). Matches Captum's `DeepLift` (`multiply_by_inputs=True`) as used by Inseq's
 * `deeplift`; the attributed function (e.g. a softmax probability) is differentiated normally,
 * as Captum does for functions computed outside modules. Baseline x′ defaults to the UNK token
 * embedding, as Inseq. `return_convergence_delta` adds the step score `deltas` =
 * Σ attributions − (F(x) − F(x′)). Output `[batch, sequenceLength, hidden]`; encoder-decoder
 * steps also get `sourceAttributions` `[batch, sourceLength, hidden]`: both sides move from their
 * baseline together (the reference pass has the baseline source, `encoderReferenceEmbeds`), and
 * `deltas` sum over both.
 */
export const deeplift = defineMethod({
  name: 'deeplift',
  paper: 'Shrikumar, Greenside & Kundaje (2017), Learning Important Features Through Propagating Activation Differences, arXiv:1704.02685',
  family: 'gradient',
  requires: ['gradients', 'rescaleGradients'],
  description: 'DeepLIFT (Rescale rule): multipliers against a baseline (UNK embedding) pass, times (input - baseline).',
  options,
  async attributeStep(ctx) {
    const opts = ctx.options;
    const x = jointInputs(ctx);
    const baseline = await jointBaselineEmbeddings(ctx, opts.baselines);
    const attributions = await stepGradients(ctx, 'deeplift', baseline);
    if (opts.multiply_by_inputs) for (let i = 0; i < attributions.length; i++) attributions[i] *= x.data[i] - baseline.data[i];
    const result = splitAttributions(ctx, attributions, [x.shape[2]]);
    if (!opts.return_convergence_delta) return result;
    return { ...result, stepScores: { deltas: await convergenceDeltas(ctx, attributions, baseline) } };
  },
});
