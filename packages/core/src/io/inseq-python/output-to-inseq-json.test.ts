import { describe, expect, it } from 'vitest';
import type { FeatureAttributionOutput } from '../../data/feature-attribution-output';
import { decodeSafetensors } from '../safetensors/decode-safetensors';
import { outputFromInseqJson } from './output-from-inseq-json';
import { outputToInseqJson } from './output-to-inseq-json';

/** A deterministic pseudo-random value in [-1, 1). */
const noise = (i: number) => ((Math.sin(i * 12.9898) * 43758.5453) % 1) * 1.0;

const tokens = (...words: string[]) => words.map((token, id) => ({ token, id: id + 100 }));
const output: FeatureAttributionOutput = {
  sequence_attributions: [
    {
      // Encoder-decoder, gradient-like: [source, steps, hidden].
      source: tokens('▁Hello', '▁world', '</s>'),
      target: tokens('<pad>', '▁Ciao', '▁mondo'),
      source_attributions: { data: Float32Array.from({ length: 3 * 2 * 4 }, (_, i) => noise(i)), shape: [3, 2, 4] },
      target_attributions: {
        data: Float32Array.from({ length: 3 * 2 * 4 }, (_, i) => (i % 5 === 0 ? Number.NaN : noise(i + 100))),
        shape: [3, 2, 4],
      },
      step_scores: { probability: { data: Float32Array.of(0.75, 0.0625), shape: [2] } },
      sequence_scores: { encoder_self_attentions: { data: Float32Array.from({ length: 6 }, (_, i) => i / 7), shape: [3, 2] } },
      attr_pos_start: 1,
      attr_pos_end: 3,
    },
    {
      // Decoder-only, token-level: [target, steps].
      source: tokens('a'),
      target: tokens('a', 'b'),
      source_attributions: null,
      target_attributions: { data: Float32Array.of(0.5, Number.NaN), shape: [2, 1] },
      step_scores: {},
      sequence_scores: {},
      attr_pos_start: 1,
      attr_pos_end: 2,
    },
  ],
  step_attributions: null,
  info: { model_name: 'Helsinki-NLP/opus-mt-en-it', attribution_method: 'saliency', step_scores: ['probability'], exec_time: 1.5 },
};

function maxError(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return Number.POSITIVE_INFINITY;
    if (!Number.isNaN(a[i])) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  }
  return worst;
}

function compare(loaded: FeatureAttributionOutput, tolerance: (value: number) => number) {
  expect(loaded.info).toEqual(output.info);
  expect(loaded.step_attributions).toBeNull();
  loaded.sequence_attributions.forEach((sequence, s) => {
    const original = output.sequence_attributions[s];
    expect(sequence.source).toEqual(original.source);
    expect(sequence.target).toEqual(original.target);
    expect([sequence.attr_pos_start, sequence.attr_pos_end]).toEqual([original.attr_pos_start, original.attr_pos_end]);
    const pairs = [
      [sequence.source_attributions, original.source_attributions],
      [sequence.target_attributions, original.target_attributions],
      ...Object.keys(original.step_scores).map((key) => [sequence.step_scores[key], original.step_scores[key]]),
      ...Object.keys(original.sequence_scores).map((key) => [sequence.sequence_scores[key], original.sequence_scores[key]]),
    ];
    expect(Object.keys(sequence.step_scores)).toEqual(Object.keys(original.step_scores));
    for (const [back, before] of pairs) {
      if (before === null) {
        expect(back).toBeNull();
        continue;
      }
      expect(back?.shape).toEqual(before.shape);
      for (let i = 0; i < before.data.length; i++) {
        if (Number.isNaN(before.data[i])) expect(back?.data[i]).toBeNaN();
        else expect(Math.abs(back!.data[i] - before.data[i])).toBeLessThanOrEqual(tolerance(before.data[i]));
      }
    }
  });
}

describe('outputToInseqJson', () => {
  it("writes Inseq's layout: instance types, sorted keys, a safetensors blob named 'attribution' per tensor", () => {
    const text = outputToInseqJson(output);
    expect(text).toContain('\n    "attributes": {'); // Inseq's indent=4
    const document = JSON.parse(text);
    expect(Object.keys(document)).toEqual(['__instance_type__', 'attributes']);
    expect(document.__instance_type__).toEqual(['inseq.data.attribution', 'FeatureAttributionOutput']);
    expect(Object.keys(document.attributes)).toEqual(['info', 'sequence_attributions', 'step_attributions']);
    expect(Object.keys(document.attributes.info)).toEqual(['attribution_method', 'exec_time', 'model_name', 'step_scores']);
    const [first, second] = document.attributes.sequence_attributions;
    expect(first.__instance_type__).toEqual(['inseq.data.attribution', 'GranularFeatureAttributionSequenceOutput']);
    expect(second.__instance_type__).toEqual(['inseq.data.attribution', 'FeatureAttributionSequenceOutput']);
    expect(Object.keys(first.attributes)).toEqual([
      'attr_pos_end',
      'attr_pos_start',
      'sequence_scores',
      'source',
      'source_attributions',
      'step_scores',
      'target',
      'target_attributions',
    ]);
    expect(first.attributes.source[0]).toEqual({
      __instance_type__: ['inseq.utils.typing', 'TokenWithId'],
      attributes: { id: 100, token: '▁Hello' },
    });
    expect(second.attributes.source_attributions).toBeNull();
    const blob = decodeSafetensors(Buffer.from(first.attributes.target_attributions, 'base64'));
    expect([...blob.tensors.keys()]).toEqual(['attribution']);
    expect(blob.tensors.get('attribution')?.dtype).toBe('F32');
    expect(blob.metadata).toEqual({});
    expect(outputToInseqJson(output, { compact: true })).not.toContain('\n');
  });

  it('stores float16 as F16 and float8 as unscaled F8_E4M3', () => {
    for (const [precision, dtype] of [
      ['float16', 'F16'],
      ['float8', 'F8_E4M3'],
    ] as const) {
      const document = JSON.parse(outputToInseqJson(output, { scoresPrecision: precision }));
      const value = document.attributes.sequence_attributions[0].attributes.step_scores.probability;
      expect(decodeSafetensors(Buffer.from(value, 'base64')).tensors.get('attribution')?.dtype).toBe(dtype);
    }
  });

  it('round-trips losslessly in float32', async () => {
    const loaded = await outputFromInseqJson(outputToInseqJson(output));
    compare(loaded, () => 0);
    expect(maxError(loaded.sequence_attributions[0].target_attributions!.data, output.sequence_attributions[0].target_attributions!.data)).toBe(0);
  });

  it('round-trips within 1e-3 in float16 and within float8 e4m3 precision in float8', async () => {
    compare(await outputFromInseqJson(outputToInseqJson(output, { scoresPrecision: 'float16' })), () => 1e-3);
    // e4m3: relative error ≤ 2^-4 for normals (|x| ≥ 2^-6), absolute ≤ 2^-10 below.
    compare(await outputFromInseqJson(outputToInseqJson(output, { scoresPrecision: 'float8' })), (value) =>
      Math.max(Math.abs(value) * 2 ** -4, 2 ** -10),
    );
  });

  it('rejects an unknown precision', () => {
    expect(() => outputToInseqJson(output, { scoresPrecision: 'int4' as 'float8' })).toThrow(/"int4" is unknown; use one of: float32, float16, float8/);
  });
});
