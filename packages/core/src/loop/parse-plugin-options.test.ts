import { describe, expect, it } from 'vitest';
import { defineMethod, type AttributionMethod } from '../contracts/attribution-method';
import { InvalidInputError } from '../errors/invalid-input-error';
import { createRegistry } from '../registry';
import { attribute } from './attribute';
import { linearModel } from './linear-backend.test-support';

/** A method that records the options it was given, so the test sees what the loop parsed. */
const seen: Record<string, unknown>[] = [];
const recorder = defineMethod({
  name: 'recorder',
  family: 'perturbation',
  requires: ['forward'],
  embeddings: 'never',
  description: 'Records its options.',
  options: {
    n_samples: { type: 'number', default: 4, integer: true, min: 1, description: 'Samples.' },
    mode: { type: 'string', default: 'a', values: ['a', 'b'], description: 'Mode.' },
    strict: { type: 'boolean', description: 'Strictness.' },
  },
  checkOptions: (options) => {
    if (options.strict && options.mode === 'b') throw new InvalidInputError("recorder: strict needs mode 'a'.", { code: 'INVALID_ARGUMENT' });
  },
  async attributeStep(ctx) {
    seen.push({ ...ctx.options });
    const samples: number = ctx.options.n_samples; // typed from the spec, no cast
    return { attributions: { data: new Float32Array(ctx.inputIds.data.length).fill(samples), shape: ctx.inputIds.shape } };
  },
});
const methods = createRegistry<AttributionMethod>('attribution method').register(recorder);
const run = (options: Parameters<typeof attribute>[2]) => attribute(linearModel(), 'the cat', { method: 'recorder', methods, generatedTexts: 'the cat sat', ...options });

describe('the loop parses every plugin’s options once, before any work', () => {
  it('gives the method its parsed options with defaults, and saves them', async () => {
    seen.length = 0;
    const out = await run({ attributionArgs: { n_samples: 2 } });
    expect(seen).toEqual([{ n_samples: 2, mode: 'a' }]);
    expect(out.info.attribution_args).toEqual({ n_samples: 2, mode: 'a' });
  });
  it('refuses a misspelt method option before the first step, suggesting the right key', async () => {
    seen.length = 0;
    await expect(run({ attributionArgs: { nsamples: 2 } })).rejects.toThrow("recorder has no option 'nsamples'. Did you mean 'n_samples'?");
    await expect(run({ attributionArgs: { strict: true, mode: 'b' } })).rejects.toThrow("strict needs mode 'a'");
    expect(seen).toEqual([]);
  });
  it('shares step_scores_args between step scores, each getting its own keys and defaults', async () => {
    const out = await run({ stepScores: ['probability', 'top_p_size'], stepScoresArgs: { logprob: true, top_p: 0.5 } });
    const scores = out.sequence_attributions[0].step_scores;
    expect(scores.probability.data[0]).toBeLessThan(0); // a log-probability
    expect(scores.top_p_size.data[0]).toBeGreaterThanOrEqual(1);
    expect(out.info.step_scores_args).toEqual({ logprob: true, top_p: 0.5 });
  });
  it('refuses step_scores_args that no asked step score takes, and a required one missing', async () => {
    await expect(run({ stepScores: ['probability'], stepScoresArgs: { logprb: true } })).rejects.toThrow(
      "step_scores_args (for probability) has no option 'logprb'. Did you mean 'logprob'? Its options are: logprob.",
    );
    await expect(run({ stepScores: ['entropy'], stepScoresArgs: { logprob: true } })).rejects.toThrow(/no option 'logprob'/);
    await expect(run({ stepScores: ['top_p_size'] })).rejects.toThrow("Step function 'top_p_size' needs option 'top_p'");
  });
  it('parses attributed_fn_args against the attributed function', async () => {
    await expect(run({ attributedFn: 'probability', attributedFnArgs: { top_k: 3 } })).rejects.toThrow(
      "Step function 'probability' has no option 'top_k'. Its options are: logprob.",
    );
  });
});
