import { InseqError } from '@inseq/core';
import { encoderDecoderLinearModel } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { attribute } from './attribute';
import { createDefaultRegistries } from './default-registries';

/**
 * Every method through the whole loop on a closed-form encoder-decoder model: Inseq's layout
 * (`source_attributions` always, `target_attributions` with attributeTarget), or the capability
 * error for the methods this model cannot serve.
 */
const { methods } = createDefaultRegistries();
const small: Record<string, Record<string, unknown>> = {
  integrated_gradients: { n_steps: 4 },
  discretized_integrated_gradients: { n_steps: 4 },
  sequential_integrated_gradients: { n_steps: 2 },
  gradient_shap: { n_samples: 2 },
  lime: { n_samples: 8 },
  reagent: { keep_top_n: 1, max_probe_steps: 2, num_probes: 2 },
};
// Every method attributes encoder-decoder models; this closed-form model lacks layers and hidden
// states, so the layer methods and value zeroing are refused here by capability (they run on the
// tfjs seq2seq models: encoder-decoder-layer-methods.test.ts, seq2seq-conformance.test.ts).

describe('every method through the loop on an encoder-decoder model', () => {
  it.each(methods.list())('%s', async (name) => {
    const model = encoderDecoderLinearModel();
    const run = () =>
      attribute(model, ['the cat sat', 'a dog'], {
        method: name,
        methods,
        generatedTexts: ['the mat', 'a cat on'],
        attributeTarget: true,
        attributionArgs: small[name] ?? {},
        stepScores: ['probability'],
      });
    const missing = methods.get(name).requires.filter((capability) => model.backend.capabilities[capability] !== true);
    if (missing.length > 0) {
      const error = await run().catch((caught: unknown) => caught);
      expect(InseqError.isInstance(error), String(error)).toBe(true);
      expect((error as InseqError).code).toBe('MISSING_CAPABILITY');
      return;
    }
    const out = await run();
    for (const sequence of out.sequence_attributions) {
      const steps = sequence.attr_pos_end - sequence.attr_pos_start;
      expect(sequence.attr_pos_start).toBe(1);
      expect(sequence.source[sequence.source.length - 1].token).toBe('<eos>');
      expect(sequence.target[0].token).toBe('<pad>');
      expect(sequence.step_scores.probability.shape).toEqual([steps]);
      if (name === 'dummy') {
        expect(sequence.source_attributions).toBeNull();
        continue;
      }
      const source = sequence.source_attributions!;
      expect(source.shape.slice(0, 2)).toEqual([sequence.source.length, steps]);
      expect(Array.from(source.data).every(Number.isFinite)).toBe(true);
      const target = sequence.target_attributions!;
      expect(target.shape.slice(0, 2)).toEqual([sequence.target.length, steps]);
      const inner = target.shape.slice(2).reduce((a, b) => a * b, 1);
      for (let p = 0; p < sequence.target.length; p++) {
        for (let s = 0; s < steps; s++) {
          const value = target.data[(p * steps + s) * inner];
          if (p < 1 + s) expect(Number.isFinite(value), `${name} position ${p}, step ${s}`).toBe(true);
          else expect(value).toBeNaN();
        }
      }
    }
  });
});
