import { loadTfjsBackend } from '@inseq/backend-tfjs';
import {
  type AttributionMethod,
  type AttributionModel,
  attribute,
  createRegistry,
  type FeatureAttributionOutput,
  intTensorFromRows,
  loadTokenizer,
  type ModelBackend,
  memoryModelFiles,
  probability,
  type Tensor,
} from '@inseq/core';
import { registerBuiltinMethods } from '@inseq/methods';
import { createTinyBart, createTinyMarian, createTinyT5, maxAbsDiff, tinyBartOnnxFiles, tinyMarianOnnxFiles, tinyT5OnnxFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeOnnxModel } from '../autodiff/decode-onnx-model';
import { encodeOnnxModel } from '../autodiff/encode-onnx-model';
import { loadOrtBackend } from '../load-ort-backend';

const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));

/** Largest |a − b| over the finite entries of `b`, relative to the largest |b| (NaN where b is NaN). */
function relativeError(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  let worst = 0;
  for (let k = 0; k < b.length; k++) {
    if (!Number.isFinite(b[k])) {
      expect(a[k]).toBeNaN();
      continue;
    }
    scale = Math.max(scale, Math.abs(b[k]));
    worst = Math.max(worst, Math.abs(a[k] - b[k]));
  }
  expect(scale).toBeGreaterThan(0);
  return worst / scale;
}

/**
 * Per generation step (axis 1 of Inseq's `[length, steps, …]` source / target attributions), the
 * largest error relative to that step's largest value.
 */
function worstStepError(ours: FeatureAttributionOutput, theirs: FeatureAttributionOutput, side: 'source_attributions' | 'target_attributions'): number {
  let worst = 0;
  for (const [i, sequence] of ours.sequence_attributions.entries()) {
    const a = sequence[side]!;
    const b = theirs.sequence_attributions[i][side]!;
    expect(a.shape).toEqual(b.shape);
    const steps = a.shape[1];
    const stride = a.shape.slice(2).reduce((x, y) => x * y, 1);
    for (let step = 0; step < steps; step++) {
      const pick = (t: { data: Float32Array }) => Float32Array.from(t.data.filter((_, k) => Math.floor(k / stride) % steps === step));
      const expected = pick(b);
      if (!expected.some((v) => Number.isFinite(v) && v !== 0)) continue;
      worst = Math.max(worst, relativeError(pick(a), expected));
    }
  }
  return worst;
}

const families: [string, () => Record<string, Uint8Array>, () => Record<string, Uint8Array>][] = [
  ['marian', () => tinyMarianOnnxFiles({ withPast: true }), () => createTinyMarian().files],
  ['bart (merged decoder)', () => tinyBartOnnxFiles({ merged: true }), () => createTinyBart().files],
  ['t5 (merged decoder)', () => tinyT5OnnxFiles({ merged: true }), () => createTinyT5().files],
];

describe.each(families)('gradient methods on the ort %s equal tfjs on the same weights (source and target sides)', (name, onnxFiles, safetensorsFiles) => {
  let ort: AttributionModel;
  let tfjs: AttributionModel;
  beforeAll(async () => {
    const onnx = memoryModelFiles(onnxFiles(), `${name}-onnx`);
    const safetensors = memoryModelFiles(safetensorsFiles(), name);
    ort = { name, backend: await loadOrtBackend(onnx, { intraOpNumThreads: 1 }), tokenizer: await loadTokenizer(onnx) };
    tfjs = { name, backend: await loadTfjsBackend(safetensors), tokenizer: await loadTokenizer(safetensors) };
  });
  afterAll(async () => {
    await ort?.backend.dispose();
    await tfjs?.backend.dispose();
  });

  it('offers gradients and embeddingInputs', () => {
    expect(ort.backend.capabilities).toMatchObject({ gradients: true, embeddingInputs: true });
  });

  it('occlusion with a zeros baseline (forward from embeddings on both sides)', async () => {
    const options = { method: 'occlusion', methods, generatedTexts: 'Le chat', attributeTarget: true, attributionArgs: { baselines: 'zeros' } };
    const [a, b] = [await attribute(ort, 'The cat sat', options), await attribute(tfjs, 'The cat sat', options)];
    expect(worstStepError(a, b, 'source_attributions')).toBeLessThan(1e-4);
    expect(worstStepError(a, b, 'target_attributions')).toBeLessThan(1e-4);
  });

  const gradientMethods = [
    ['saliency', {}],
    ['integrated_gradients', { n_steps: 6, return_convergence_delta: true }],
    ['input_x_gradient', {}],
    ['gradient_shap', { n_samples: 3 }],
    ['sequential_integrated_gradients', { n_steps: 3 }],
    ['discretized_integrated_gradients', { n_steps: 4, n_neighbors: 5 }],
  ] as const;
  // Every gradient method on Marian; saliency and integrated gradients on the other exports (the
  // methods differ only in the points they ask the same gradient model for, and tfjs's side of each
  // comparison is most of its cost).
  it.each(name === 'marian' ? gradientMethods : gradientMethods.slice(0, 2))('%s', async (method, attributionArgs) => {
    // Two rows of different target lengths: the decoder batch is left-padded, the source right-padded.
    const options = { method, methods, generatedTexts: ['Le chat est', 'Un'], attributeTarget: true, attributionArgs, stepScores: ['probability'] };
    const inputs = ['The cat sat on the mat', 'A dog'];
    const [a, b] = [await attribute(ort, inputs, options), await attribute(tfjs, inputs, options)];
    const source = worstStepError(a, b, 'source_attributions');
    const target = worstStepError(a, b, 'target_attributions');
    console.info(`${name} ${method}: source ${source.toExponential(2)}, target ${target.toExponential(2)} (max |Δ| / step's max |tfjs|)`);
    expect(source).toBeLessThan(1e-4);
    expect(target).toBeLessThan(1e-4);
    for (const [i, sequence] of a.sequence_attributions.entries()) {
      for (const [id, score] of Object.entries(sequence.step_scores)) {
        const reference = b.sequence_attributions[i].step_scores[id].data;
        score.data.forEach((v, k) => {
          expect(v).toBeCloseTo(reference[k], 4);
        });
      }
    }
  });
});

describe('the ort Marian from embeddings and on left-padded decoder batches, against tfjs', () => {
  let ort: ModelBackend;
  let tfjs: ModelBackend;
  const pad = createTinyMarian().config.pad_token_id as number;
  // Decoder prefixes of three lengths (three padding groups), sources right-padded.
  const decoder = {
    inputIds: intTensorFromRows([
      [pad, 17, 230, 9],
      [pad, pad, pad, pad],
      [pad, pad, 402, 3],
    ]),
    attentionMask: intTensorFromRows([
      [1, 1, 1, 1],
      [0, 0, 0, 1],
      [0, 0, 1, 1],
    ]),
  };
  const source = {
    inputIds: intTensorFromRows([
      [12, 7, 301, 45, 0],
      [88, 5, 0, pad, pad],
      [640, 0, pad, pad, pad],
    ]),
    attentionMask: intTensorFromRows([
      [1, 1, 1, 1, 1],
      [1, 1, 1, 0, 0],
      [1, 1, 0, 0, 0],
    ]),
  };
  const scaled = (t: Tensor, by: number): Tensor => ({ data: t.data.map((v) => v * by), shape: t.shape });
  beforeAll(async () => {
    ort = await loadOrtBackend(memoryModelFiles(tinyMarianOnnxFiles(), 'marian-onnx'), { intraOpNumThreads: 1 });
    tfjs = await loadTfjsBackend(memoryModelFiles(createTinyMarian().files, 'marian'));
  });
  afterAll(async () => {
    await ort?.dispose();
    await tfjs?.dispose();
  });

  it('forward from the embeddings of either side or both equals forward from ids; from other embeddings it equals tfjs (last and all positions)', async () => {
    const [decoderEmbeds, sourceEmbeds] = [await ort.embed(decoder.inputIds), await ort.embed(source.inputIds, 'encoder')];
    const fromIds = await ort.forward({ ...decoder, encoder: source, logitsAt: 'all' });
    for (const input of [
      { ...decoder, inputsEmbeds: decoderEmbeds, encoder: source },
      { ...decoder, encoder: { ...source, inputsEmbeds: sourceEmbeds } },
      { ...decoder, inputsEmbeds: decoderEmbeds, encoder: { ...source, inputsEmbeds: sourceEmbeds } },
    ]) {
      expect(maxAbsDiff((await ort.forward({ ...input, logitsAt: 'all' })).logits.data, fromIds.logits.data)).toBeLessThan(1e-5);
    }
    // Perturbed embeddings (what path methods feed): the same logits as tfjs.
    const perturbed = { ...decoder, inputsEmbeds: scaled(decoderEmbeds, 0.7), encoder: { ...source, inputsEmbeds: scaled(sourceEmbeds, -1.3) } };
    for (const logitsAt of ['last', 'all'] as const) {
      const [a, b] = [await ort.forward({ ...perturbed, logitsAt }), await tfjs.forward({ ...perturbed, logitsAt })];
      expect(a.logits.shape).toEqual(b.logits.shape);
      // Padded decoder positions are not fed on ort (their logits stay 0); compare the real ones.
      const vocab = ort.config.vocabSize;
      const real = (t: Tensor) => (logitsAt === 'last' ? t.data : t.data.filter((_, k) => decoder.attentionMask.data[Math.floor(k / vocab)] === 1));
      expect(maxAbsDiff(real(a.logits), real(b.logits))).toBeLessThan(1e-4);
    }
  });

  it('gradients of a left-padded batch (three padding groups) equal tfjs on both sides; padded decoder positions get 0', async () => {
    const input = {
      ...decoder,
      inputsEmbeds: scaled(await ort.embed(decoder.inputIds), 0.9),
      encoder: { ...source, inputsEmbeds: await ort.embed(source.inputIds, 'encoder') },
      targetIds: Int32Array.of(4, 11, 250),
      target: probability.differentiable!,
    };
    const [a, b] = [await ort.gradients!(input), await tfjs.gradients!(input)];
    expect(a.gradients.shape).toEqual([3, 4, ort.config.hiddenSize]);
    expect(a.encoderGradients!.shape).toEqual([3, 5, ort.config.hiddenSize]);
    const relative = (x: Tensor, y: Tensor) => maxAbsDiff(x.data, y.data) / Math.max(...Array.from(y.data, Math.abs));
    expect(relative(a.gradients, b.gradients)).toBeLessThan(1e-4);
    expect(relative(a.encoderGradients!, b.encoderGradients!)).toBeLessThan(1e-4);
    a.targetValues.forEach((v, row) => {
      expect(v).toBeCloseTo(b.targetValues[row], 5);
    });
    const hidden = ort.config.hiddenSize;
    // Row 1 has three padded decoder positions.
    expect(a.gradients.data.subarray(4 * hidden, 4 * hidden + 3 * hidden).every((v) => v === 0)).toBe(true);
  });

  it('refuses what it does not differentiate: no encoder embeddings, an unknown layer, DeepLIFT', async () => {
    const base = { ...decoder, inputsEmbeds: await ort.embed(decoder.inputIds), targetIds: Int32Array.of(1, 2, 3), target: probability.differentiable! };
    await expect(ort.gradients!({ ...base, encoder: source })).rejects.toThrow(/need inputsEmbeds .* and encoder.inputsEmbeds/);
    const encoder = { ...source, inputsEmbeds: await ort.embed(source.inputIds, 'encoder') };
    await expect(ort.gradients!({ ...base, encoder, layer: { name: 'model.decoder.layers.9' } })).rejects.toThrow(/"model\.decoder\.layers\.9" is not a layer of this marian model; its layers are: model\.encoder\.embed_tokens, /);
    await expect(ort.gradients!({ ...base, encoder, rescale: { referenceEmbeds: base.inputsEmbeds } })).rejects.toThrow(/rescale \(DeepLIFT\).*backend-tfjs/);
  });
});

describe('gradients of a merged decoder with an If (Optimum) and of an export with an op that has no rule', () => {
  it('the If is specialised to its no-cache branch: saliency equals the plain decoder', async () => {
    const tokenizerFiles = memoryModelFiles(tinyMarianOnnxFiles(), 'plain');
    const tokenizer = await loadTokenizer(tokenizerFiles);
    const [merged, plain] = [
      await loadOrtBackend(memoryModelFiles(tinyMarianOnnxFiles({ merged: 'if' }), 'merged'), { intraOpNumThreads: 1 }),
      await loadOrtBackend(tokenizerFiles, { intraOpNumThreads: 1 }),
    ];
    expect(merged.capabilities.gradients).toBe(true);
    const options = { method: 'saliency', methods, generatedTexts: 'Le chat est', attributeTarget: true };
    const [a, b] = [await attribute({ name: 'merged', backend: merged, tokenizer }, 'The cat sat', options), await attribute({ name: 'plain', backend: plain, tokenizer }, 'The cat sat', options)];
    for (const side of ['source_attributions', 'target_attributions'] as const) {
      const want = b.sequence_attributions[0][side]!.data;
      a.sequence_attributions[0][side]!.data.forEach((v, k) => {
        if (Number.isFinite(want[k])) expect(v).toBeCloseTo(want[k], 5);
        else expect(v).toBeNaN();
      });
    }
    await Promise.all([merged.dispose(), plain.dispose()]);
  });

  it('loads without gradients; a gradient method names the op and the node before any work', async () => {
    const files = tinyMarianOnnxFiles();
    const model = decodeOnnxModel(files['onnx/encoder_model.onnx']);
    // Route the encoder's states through a Max, which has no gradient rule.
    const producer = model.graph.nodes.find((node) => node.outputs.includes('last_hidden_state'))!;
    const nodes = model.graph.nodes.map((node) => (node === producer ? { ...node, outputs: ['states_before_max'] } : node));
    nodes.push({ opType: 'Max', name: 'no_rule_max', inputs: ['states_before_max', 'states_before_max'], outputs: ['last_hidden_state'], attributes: {} });
    const folder = memoryModelFiles({ ...files, 'onnx/encoder_model.onnx': encodeOnnxModel({ ...model, graph: { ...model.graph, nodes } }) }, 'marian-max');
    const backend = await loadOrtBackend(folder, { intraOpNumThreads: 1 });
    expect(backend.capabilities).toMatchObject({ gradients: false, embeddingInputs: false });
    const run = attribute({ name: 'marian-max', backend, tokenizer: await loadTokenizer(folder) }, 'The cat', { method: 'saliency', methods, generatedTexts: 'Le chat' });
    await expect(run).rejects.toMatchObject({ name: 'MissingCapabilityError' });
    await expect(run).rejects.toThrow(/Max.*no_rule_max/);
    await backend.dispose();
  });
});
