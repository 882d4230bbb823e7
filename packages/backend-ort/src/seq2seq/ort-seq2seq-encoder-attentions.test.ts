import { loadTfjsBackend } from '@inseq/backend-tfjs';
import {
  type AttributionMethod,
  type AttributionModel,
  type ForwardInput,
  InseqError,
  type ModelBackend,
  attribute,
  createRegistry,
  intTensorFromRows,
  loadTokenizer,
  memoryModelFiles,
} from '@inseq/core';
import { registerBuiltinMethods } from '@inseq/methods';
import { createTinyBart, createTinyMarian, createTinyT5, maxAbsDiff, tinyBartOnnxFiles, tinyMarianOnnxFiles, tinyT5OnnxFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrtBackend } from '../load-ort-backend';

const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));

const families: [string, () => Record<string, Uint8Array>, () => { files: Record<string, Uint8Array>; config: Record<string, unknown> }][] = [
  ['marian (decoder + with past)', () => tinyMarianOnnxFiles({ withPast: true, outputAttentions: true }), () => createTinyMarian()],
  ['bart (merged)', () => tinyBartOnnxFiles({ merged: true, outputAttentions: true }), () => createTinyBart()],
  ['mbart (decoder)', () => tinyBartOnnxFiles({ family: 'mbart', outputAttentions: true }), () => createTinyBart({ family: 'mbart' })],
  ['t5 gated-gelu (merged)', () => tinyT5OnnxFiles({ feedForwardProj: 'gated-gelu', merged: true, outputAttentions: true }), () => createTinyT5({ feedForwardProj: 'gated-gelu' })],
];

/** Three right-padded sources (ending in </s>) and left-padded decoder prefixes of different lengths. */
function paddedInput(config: Record<string, unknown>): ForwardInput {
  const pad = config.pad_token_id as number;
  const eos = config.eos_token_id as number;
  const start = config.decoder_start_token_id as number;
  return {
    inputIds: intTensorFromRows([
      [start, 17, 230, 9],
      [pad, pad, pad, start],
      [pad, pad, start, 3],
    ]),
    attentionMask: intTensorFromRows([
      [1, 1, 1, 1],
      [0, 0, 0, 1],
      [0, 0, 1, 1],
    ]),
    encoder: {
      inputIds: intTensorFromRows([
        [12, 7, 301, 45, 60, eos],
        [88, 5, eos, pad, pad, pad],
        [640, eos, pad, pad, pad, pad],
      ]),
      attentionMask: intTensorFromRows([
        [1, 1, 1, 1, 1, 1],
        [1, 1, 1, 0, 0, 0],
        [1, 1, 0, 0, 0, 0],
      ]),
    },
    outputAttentions: true,
  };
}

describe.each(families)('encoderAttentions of %s on ort equal tfjs on the same weights', (name, onnxFiles, safetensors) => {
  const model = safetensors();
  let ort: ModelBackend;
  let tfjs: ModelBackend;
  beforeAll(async () => {
    ort = await loadOrtBackend(memoryModelFiles(onnxFiles(), `${name}-onnx`), { intraOpNumThreads: 1 });
    tfjs = await loadTfjsBackend(memoryModelFiles(model.files, name));
  });
  afterAll(async () => {
    await ort?.dispose();
    await tfjs?.dispose();
  });

  it('per encoder layer [batch, heads, sourceLength, sourceLength] within 1e-5, padded keys exactly 0', async () => {
    const input = paddedInput(model.config);
    const [a, b] = await Promise.all([ort.forward(input), tfjs.forward(input)]);
    expect(ort.capabilities.attentions).toBe(true);
    expect(b.encoderAttentions!.length).toBeGreaterThan(0);
    expect(a.encoderAttentions?.length).toBe(b.encoderAttentions!.length);
    for (const [layer, expected] of b.encoderAttentions!.entries()) {
      const got = a.encoderAttentions![layer];
      expect(got.shape).toEqual(expected.shape);
      expect(got.shape.slice(2)).toEqual([6, 6]);
      expect(maxAbsDiff(got.data, expected.data), `layer ${layer}`).toBeLessThan(1e-5);
      // Row 2 has two real source tokens: every query gives the four padded keys no weight.
      const [, heads, queries, keys] = got.shape;
      const row = got.data.subarray(2 * heads * queries * keys, 3 * heads * queries * keys);
      expect(Array.from(row).filter((_, i) => i % keys >= 2).every((weight) => weight === 0)).toBe(true);
    }
  });

  it('returns no encoderAttentions unless outputAttentions is asked', async () => {
    const out = await ort.forward({ ...paddedInput(model.config), outputAttentions: false });
    expect(out.encoderAttentions).toBeUndefined();
    expect(out.attentions).toBeUndefined();
  });
});

describe('attention_rollout on the ort Marian', () => {
  const tiny = createTinyMarian();
  let ort: AttributionModel;
  let tfjs: AttributionModel;
  beforeAll(async () => {
    const onnx = memoryModelFiles(tinyMarianOnnxFiles({ withPast: true, outputAttentions: true }), 'tiny-marian-onnx');
    ort = { name: 'tiny-marian-onnx', backend: await loadOrtBackend(onnx, { intraOpNumThreads: 1 }), tokenizer: await loadTokenizer(onnx) };
    const safetensors = memoryModelFiles(tiny.files, 'tiny-marian');
    tfjs = { name: 'tiny-marian', backend: await loadTfjsBackend(safetensors), tokenizer: await loadTokenizer(safetensors) };
  });
  afterAll(async () => {
    await ort?.backend.dispose();
    await tfjs?.backend.dispose();
  });

  it('equals tfjs through attribute within 1e-4 (source and target, a padded batch of two)', async () => {
    const run = (model: AttributionModel) =>
      attribute(model, ['The cat sat on the mat', 'A dog'], { method: 'attention_rollout', methods, generatedTexts: ['Le chat', 'Un chien dort'], attributeTarget: true });
    const [a, b] = [await run(ort), await run(tfjs)];
    expect(a.sequence_attributions).toHaveLength(2);
    a.sequence_attributions.forEach((sequence, i) => {
      const other = b.sequence_attributions[i];
      expect(sequence.source_attributions!.shape).toEqual(other.source_attributions!.shape);
      expect(maxAbsDiff(sequence.source_attributions!.data, other.source_attributions!.data)).toBeLessThan(1e-4);
      expect(sequence.target_attributions!.shape).toEqual(other.target_attributions!.shape);
      const finite = (data: Float32Array) => Array.from(data).filter(Number.isFinite);
      expect(maxAbsDiff(finite(sequence.target_attributions!.data), finite(other.target_attributions!.data))).toBeLessThan(1e-4);
    });
  });

  it('is refused with an InseqError when the encoder graph has no encoder_attentions.{i}', async () => {
    const files = tinyMarianOnnxFiles({ outputAttentions: true });
    files['onnx/encoder_model.onnx'] = tinyMarianOnnxFiles()['onnx/encoder_model.onnx'];
    const folder = memoryModelFiles(files, 'tiny-marian-no-encoder-attentions');
    const model: AttributionModel = { name: 'no-encoder-attentions', backend: await loadOrtBackend(folder, { intraOpNumThreads: 1 }), tokenizer: await loadTokenizer(folder) };
    try {
      const error = await attribute(model, 'The cat sat', { method: 'attention_rollout', methods, generatedTexts: 'Le chat' }).catch((caught: unknown) => caught);
      expect(InseqError.isInstance(error), String(error)).toBe(true);
      expect(String((error as Error).message)).toContain('encoder self-attention');
    } finally {
      await model.backend.dispose();
    }
  });
});
