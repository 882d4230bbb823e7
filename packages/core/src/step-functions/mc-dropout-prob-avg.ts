import { defineStepFunction } from '../contracts/step-function';
import { InvalidInputError } from '../errors/invalid-input-error';
import { probability } from './probability';

/**
 * Probability z-scored against MC-dropout samples (Inseq `mc_dropout_prob_avg`): (p − mean(p̃)) /
 * std(p̃) over `n_mcd_steps` (5) stochastic passes with dropout on, std unbiased as torch.
 * `logprob` scores log-probabilities; `seed` (42) makes the dropout masks repeat.
 */
export const mcDropoutProbAvg = defineStepFunction({
  name: 'mc_dropout_prob_avg',
  description: 'Probability z-scored against MC dropout samples; options n_mcd_steps (5), logprob, seed.',
  requires: ['dropout'],
  options: {
    n_mcd_steps: { type: 'number', default: 5, integer: true, min: 2, description: 'Stochastic forward passes with dropout on (at least 2 for a standard deviation).' },
    logprob: { type: 'boolean', default: false, description: 'Score log-probabilities instead of probabilities.' },
    seed: { type: 'number', default: 42, integer: true, description: 'Seed of the first pass’s dropout masks (pass k uses seed + k).' },
  },
  compute: async (ctx) => {
    if (!ctx.model) {
      throw new InvalidInputError('mc_dropout_prob_avg needs the model to run dropout passes; it cannot score perturbed logits.', { code: 'INVALID_ARGUMENT' });
    }
    const { n_mcd_steps: steps, seed } = ctx.options;
    const scoreOptions = { logprob: ctx.options.logprob };
    const original = await probability.compute({ ...ctx, options: scoreOptions });
    const samples: Float32Array[] = [];
    for (let k = 0; k < steps; k++) {
      const { logits } = await ctx.model.backend.forward({
        inputIds: ctx.model.inputIds,
        attentionMask: ctx.model.attentionMask,
        ...(ctx.model.encoder && { encoder: ctx.model.encoder }),
        dropoutSeed: seed + k,
      });
      samples.push(await probability.compute({ logits, targetIds: ctx.targetIds, options: scoreOptions }));
    }
    return original.map((p, b) => {
      const values = samples.map((sample) => sample[b]);
      const mean = values.reduce((a, v) => a + v, 0) / values.length;
      const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
      return (p - mean) / Math.sqrt(variance);
    });
  },
});
