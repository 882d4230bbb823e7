import { type AttributionModel, InseqError, memoryModelFiles } from '@inseq/core';
import { loadOrtBackend } from '@inseq/backend-ort';
import { loadTokenizer } from '@inseq/core';
import { createTinyBart, createTinyMarian, createTinyT5, tinyBartOnnxFiles, tinyMarianOnnxFiles, tinyT5OnnxFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attribute } from './attribute';
import { createDefaultRegistries } from './default-registries';
import { loadModel } from './load-model';

/**
 * Every method on every encoder-decoder architecture (tfjs, loaded by loadModel from the Hugging
 * Face folder; ort from the transformers.js layout): Inseq's layout — source with </s>, target from the decoder start,
 * `source_attributions [len(source), nSteps, …]`, `target_attributions` with attributeTarget and NaN
 * on positions not yet generated (value zeroing: the source side NaN, it zeroes decoder values
 * only) — or a clear refusal for the methods that the backend cannot run (the capability error:
 * gradient and layer methods, value zeroing on ort), or whose inputs an export lacks
 * (attention_rollout needs encoder self-attentions: the T5 export here has no attention outputs).
 */
const { methods } = createDefaultRegistries();
const small: Record<string, Record<string, unknown>> = {
  integrated_gradients: { n_steps: 3 },
  discretized_integrated_gradients: { n_steps: 3 },
  sequential_integrated_gradients: { n_steps: 2 },
  gradient_shap: { n_samples: 2 },
  lime: { n_samples: 6 },
  reagent: { keep_top_n: 1, max_probe_steps: 2, num_probes: 2 },
};
// Value zeroing zeroes the decoder's self-attention values only (as Inseq): its source side is NaN.
const targetOnly = new Set(['value_zeroing']);

const tfjs = (files: () => Record<string, Uint8Array>) => (name: string) => loadModel(memoryModelFiles(files(), name));
const ort = (files: () => Record<string, Uint8Array>) => async (name: string): Promise<AttributionModel> => {
  const folder = memoryModelFiles(files(), name);
  return { name, backend: await loadOrtBackend(folder, { intraOpNumThreads: 1 }), tokenizer: await loadTokenizer(folder) };
};
const architectures: [string, (name: string) => Promise<AttributionModel>][] = [
  ['marian · tfjs', tfjs(() => createTinyMarian().files)],
  ['bart · tfjs', tfjs(() => createTinyBart().files)],
  ['mbart · tfjs', tfjs(() => createTinyBart({ family: 'mbart' }).files)],
  ['t5 (gated-gelu) · tfjs', tfjs(() => createTinyT5({ feedForwardProj: 'gated-gelu' }).files)],
  ['marian · ort (attentions)', ort(() => tinyMarianOnnxFiles({ withPast: true, outputAttentions: true }))],
  ['bart · ort (merged)', ort(() => tinyBartOnnxFiles({ merged: true, outputAttentions: true }))],
  ['t5 · ort (merged)', ort(() => tinyT5OnnxFiles({ merged: true }))],
];

describe.each(architectures)('every method on %s', (name, load) => {
  let model: AttributionModel;
  beforeAll(async () => {
    model = await load(name);
  });
  afterAll(() => model?.backend.dispose());

  it('is loaded as an encoder-decoder and generates greedily from the decoder start', async () => {
    expect(model.backend.config.isEncoderDecoder).toBe(true);
    const out = await attribute(model, 'The cat sat', { method: 'dummy', methods, maxNewTokens: 4 });
    const sequence = out.sequence_attributions[0];
    expect(sequence.target[0].id).toBe(model.backend.config.decoderStartTokenId);
    expect(sequence.target.length).toBeGreaterThan(1);
    expect(sequence.source.length).toBeGreaterThan(1);
  });

  it.each(methods.list())('%s', async (method) => {
    const run = () =>
      attribute(model, ['The cat sat', 'A dog'], {
        method,
        methods,
        generatedTexts: ['Le chat', 'Un'],
        attributeTarget: true,
        attributionArgs: small[method] ?? {},
        stepScores: ['probability'],
      });
    const missing = methods.get(method).requires.filter((capability) => model.backend.capabilities[capability] !== true);
    if (missing.length > 0) {
      const error = await run().catch((caught: unknown) => caught);
      expect(InseqError.isInstance(error), String(error)).toBe(true);
      if (missing.length > 0) expect((error as InseqError).code).toBe('MISSING_CAPABILITY');
      return;
    }
    const out = await run();
    for (const sequence of out.sequence_attributions) {
      const steps = sequence.attr_pos_end - sequence.attr_pos_start;
      expect(sequence.step_scores.probability.shape).toEqual([steps]);
      if (method === 'dummy') continue;
      const source = sequence.source_attributions!;
      expect(source.shape.slice(0, 2)).toEqual([sequence.source.length, steps]);
      if (targetOnly.has(method)) expect(Array.from(source.data).every(Number.isNaN), `${method}: source not attributed`).toBe(true);
      else expect(Array.from(source.data).every(Number.isFinite), `${method}: finite source attributions`).toBe(true);
      const target = sequence.target_attributions!;
      const inner = target.shape.slice(2).reduce((a, b) => a * b, 1);
      expect(target.shape.slice(0, 2)).toEqual([sequence.target.length, steps]);
      for (let p = 0; p < sequence.target.length; p++) {
        for (let s = 0; s < steps; s++) {
          const value = target.data[(p * steps + s) * inner];
          if (p < sequence.attr_pos_start + s) expect(Number.isFinite(value), `${method} position ${p} step ${s}`).toBe(true);
          else expect(value).toBeNaN();
        }
      }
    }
  });
});

describe('integrated gradients on Marian (tfjs) are complete over source and target', () => {
  it('|delta| shrinks with n_steps', async () => {
    const model = await loadModel(memoryModelFiles(createTinyMarian().files, 'marian'));
    try {
      const delta = async (n_steps: number) => {
        const out = await attribute(model, 'The cat sat', {
          method: 'integrated_gradients',
          methods,
          generatedTexts: 'Le chat',
          attributeTarget: true,
          attributionArgs: { n_steps, return_convergence_delta: true },
        });
        return Math.max(...Array.from(out.sequence_attributions[0].step_scores.deltas.data, Math.abs));
      };
      const [coarse, fine] = [await delta(2), await delta(64)];
      expect(fine).toBeLessThan(0.02);
      expect(fine).toBeLessThan(coarse);
    } finally {
      await model.backend.dispose();
    }
  });
});
