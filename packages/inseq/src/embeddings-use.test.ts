import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { type AttributionModel, defineMethod, InseqError, loadTokenizer, memoryModelFiles, type ModelBackend } from '@inseq/core';
import { createTinyGpt2 } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attribute } from './attribute';

const tiny = createTinyGpt2();
let tfjs: ModelBackend;
let tokenizer: AttributionModel['tokenizer'];

beforeAll(async () => {
  const files = memoryModelFiles(tiny.files, 'tiny-gpt2');
  tfjs = await loadTfjsBackend(files);
  tokenizer = await loadTokenizer(files);
});
afterAll(() => tfjs.dispose());

/**
 * The tfjs backend with `embed` counting its calls, and optionally throwing (as an ONNX export
 * without a findable embedding table) and without `embeddingInputs` (as an ids-only backend).
 */
function watched(options: { throwing: boolean; idsOnly: boolean }) {
  const calls = { embed: 0 };
  const backend: ModelBackend = {
    ...tfjs,
    name: 'watched',
    capabilities: { ...tfjs.capabilities, ...(options.idsOnly && { embeddingInputs: false }) },
    forward: (input) => tfjs.forward(input),
    ...(tfjs.gradients && { gradients: (input: Parameters<NonNullable<ModelBackend['gradients']>>[0]) => tfjs.gradients!(input) }),
    async embed(ids, side) {
      calls.embed++;
      if (options.throwing) throw new Error('embed must not be called');
      return tfjs.embed(ids, side);
    },
    dispose: async () => {},
  };
  return { model: { name: 'tiny-gpt2', backend, tokenizer } satisfies AttributionModel, calls };
}

const prompt = 'The capital of France is';
const continuation = 'The capital of France is Paris.';

describe('the loop looks up embeddings only for methods that read them', () => {
  it.each([
    ['dummy', { stepScores: ['probability', 'entropy'] }],
    ['attention', {}],
    ['attention', { contrastTargets: 'The capital of France is Rome.' }],
    ['attention_rollout', {}],
    ['attention_rollout', { contrastTargets: 'The capital of France is Rome.' }],
    ['reagent', { attributionArgs: { seed: 1, num_probes: 2, max_probe_steps: 20 } }],
    ['occlusion', {}],
    ['lime', { attributionArgs: { n_samples: 4, seed: 3 } }],
  ] as const)('%s %j never calls embed on an ids-only backend whose embed throws', async (method, extra) => {
    const { model, calls } = watched({ throwing: true, idsOnly: true });
    const out = await attribute(model, prompt, { method, generatedTexts: continuation, ...extra });
    expect(calls.embed).toBe(0);
    expect(out.sequence_attributions).toHaveLength(1);
  });

  it('free generation and step scores never call embed', async () => {
    const { model, calls } = watched({ throwing: true, idsOnly: true });
    const out = await attribute(model, prompt, { method: 'dummy', maxNewTokens: 3, stepScores: ['probability'] });
    expect(calls.embed).toBe(0);
    expect(out.sequence_attributions[0].target.length).toBe(tokenizer.encode(prompt).length + 3);
    expect(out.sequence_attributions[0].step_scores.probability.data.every((p) => p > 0 && p <= 1)).toBe(true);
  });

  it('occlusion on ids gives the numbers of occlusion on embeddings (UNK id = UNK embedding), looking up no embeddings', async () => {
    const ids = watched({ throwing: true, idsOnly: true });
    const embeds = watched({ throwing: false, idsOnly: false });
    const onIds = await attribute(ids.model, prompt, { method: 'occlusion', generatedTexts: continuation });
    const onEmbeds = await attribute(embeds.model, prompt, { method: 'occlusion', generatedTexts: continuation });
    expect(ids.calls.embed).toBe(0);
    // The embeddings path looks them up (and the baseline's) for every step.
    expect(embeds.calls.embed).toBeGreaterThan(0);
    const a = onIds.sequence_attributions[0].target_attributions!.data;
    const b = onEmbeds.sequence_attributions[0].target_attributions!.data;
    expect(a.length).toBe(b.length);
    a.forEach((value, i) => {
      if (Number.isNaN(b[i])) expect(value).toBeNaN();
      else expect(value).toBeCloseTo(b[i], 5);
    });
  });

  it.each(['saliency', 'input_x_gradient', 'integrated_gradients'])('%s still gets the embeddings', async (method) => {
    const { model, calls } = watched({ throwing: false, idsOnly: true });
    const out = await attribute(model, prompt, { method, generatedTexts: continuation, attributionArgs: method === 'integrated_gradients' ? { n_steps: 4 } : {} });
    const steps = out.sequence_attributions[0].target.length - tokenizer.encode(prompt).length;
    expect(calls.embed).toBeGreaterThanOrEqual(steps);
    expect(out.sequence_attributions[0].target_attributions!.data.some((v) => Number.isFinite(v) && v !== 0)).toBe(true);
  });

  it('a gradient method on a backend whose embed fails reports that failure', async () => {
    const { model } = watched({ throwing: true, idsOnly: true });
    await expect(attribute(model, prompt, { method: 'saliency', generatedTexts: continuation })).rejects.toThrow(/embed must not be called/);
  });

  it("a method declaring embeddings: 'never' that reads inputsEmbeds fails loudly", async () => {
    const { model, calls } = watched({ throwing: true, idsOnly: true });
    const liar = defineMethod({
      name: 'liar',
      family: 'perturbation',
      requires: [],
      description: 'Reads inputsEmbeds although it declares it never does (test method).',
      embeddings: 'never',
      async attributeStep(ctx) {
        return { attributions: { data: new Float32Array(ctx.inputsEmbeds.data.length), shape: [1, 1] } };
      },
    });
    const error = await attribute(model, prompt, { method: liar, generatedTexts: continuation }).catch((e: unknown) => e);
    expect(InseqError.isInstance(error) && error.code).toBe('INVALID_ARGUMENT');
    expect((error as Error).message).toMatch(/liar read inputsEmbeds.*embeddings: 'never'/);
    expect(calls.embed).toBe(0);
  });
});
