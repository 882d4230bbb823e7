import { type AttributionModel, type FeatureAttributionOutput, loadTokenizer, memoryModelFiles } from '@inseq/core';
import { parseAggregationPipeline } from '@inseq/aggregators';
import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { createTinyGpt2 } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateAttributionScores } from './aggregate-attribution-scores';
import { attribute } from './attribute';
import { createDefaultRegistries } from './default-registries';

const tiny = createTinyGpt2();
let model: AttributionModel;
let saliency: FeatureAttributionOutput;
let attention: FeatureAttributionOutput;
const { methods } = createDefaultRegistries();

beforeAll(async () => {
  const files = memoryModelFiles(tiny.files, 'tiny-gpt2');
  model = { name: 'tiny-gpt2', backend: await loadTfjsBackend(files), tokenizer: await loadTokenizer(files) };
  saliency = await attribute(model, 'The cat sat', { method: 'saliency', generatedTexts: 'The cat sat on the mat' });
  attention = await attribute(model, 'The cat sat', { method: 'attention', generatedTexts: 'The cat sat on the mat' });
});
afterAll(() => model.backend.dispose());

/** Column `step` of a `[len, steps]` tensor. */
const column = (data: Float32Array, len: number, steps: number, step: number) => Array.from({ length: len }, (_, r) => data[r * steps + step]);

describe('aggregateAttributionScores (the CLI flags of Inseq)', () => {
  it('vnorm without normalisation is the L2 norm of each hidden vector; NaN stays NaN; the input is untouched', () => {
    const raw = saliency.sequence_attributions[0].target_attributions!;
    const copy = Float32Array.from(raw.data);
    const out = aggregateAttributionScores(saliency, { attributionAggregators: ['vnorm'] });
    const reduced = out.sequence_attributions[0].target_attributions!;
    const [len, steps, hidden] = raw.shape;
    expect(reduced.shape).toEqual([len, steps]);
    for (let cell = 0; cell < len * steps; cell++) {
      const vector = raw.data.subarray(cell * hidden, (cell + 1) * hidden);
      const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0));
      if (Number.isNaN(vector[0])) expect(reduced.data[cell]).toBeNaN();
      else expect(reduced.data[cell]).toBeCloseTo(norm, 5);
    }
    expect(raw.data).toEqual(copy);
  });

  it('--normalize-attributions makes each step column sum to 1; --rescale-attributions makes its largest magnitude 1', () => {
    const normalized = aggregateAttributionScores(saliency, { attributionAggregators: ['vnorm'], normalize: true }).sequence_attributions[0].target_attributions!;
    const rescaled = aggregateAttributionScores(saliency, { attributionAggregators: ['vnorm'], rescale: true }).sequence_attributions[0].target_attributions!;
    const [len, steps] = normalized.shape;
    for (let step = 0; step < steps; step++) {
      const values = column(normalized.data, len, steps, step).filter(Number.isFinite);
      expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(Math.max(...column(rescaled.data, len, steps, step).filter(Number.isFinite).map(Math.abs))).toBeCloseTo(1, 5);
    }
    expect(() => aggregateAttributionScores(saliency, { attributionAggregators: ['vnorm'], normalize: true, rescale: true })).toThrow(/exclude each other/);
  });

  it('--attribution-selectors pairs a select_idx (last axis) with each aggregator, by hand on attention', () => {
    const raw = attention.sequence_attributions[0].target_attributions!;
    const [len, steps, layers, heads] = raw.shape;
    const out = aggregateAttributionScores(attention, { attributionAggregators: ['max', 'mean'], attributionSelectors: [1] }).sequence_attributions[0]
      .target_attributions!;
    // Only the first pair runs (zip): head 1 of every layer, then max over the remaining layer axis.
    expect(out.shape).toEqual([len, steps]);
    for (let cell = 0; cell < len * steps; cell++) {
      const values = Array.from({ length: layers }, (_, l) => raw.data[(cell * layers + l) * heads + 1]);
      if (values.some(Number.isNaN)) continue;
      expect(out.data[cell]).toBeCloseTo(Math.max(...values), 6);
    }
    expect(() => aggregateAttributionScores(attention, { attributionSelectors: [0] })).toThrow(/needs --attribution-aggregators/);
  });

  it('subwords then a function: a pipeline of aggregator and function ids; unknown ids name the known ones', () => {
    const out = aggregateAttributionScores(saliency, { attributionAggregators: ['vnorm', 'subwords'] });
    expect(out.sequence_attributions[0].target_attributions!.shape.length).toBe(2);
    expect(() => aggregateAttributionScores(saliency, { attributionAggregators: ['subword'] })).toThrow(/subword.*subwords/s);
  });

  it('steps given as JSON take snake_case options; a camelCase key fails before any work with the snake_case one', () => {
    const empty = { sequence_attributions: [], step_attributions: null, info: {} };
    const steps = parseAggregationPipeline('[{"id":"mean","options":{"selectIdx":0}}]');
    expect(() => aggregateAttributionScores(empty, { attributionAggregators: steps })).toThrow(/has no option 'selectIdx'\. Did you mean 'select_idx'\?/);
    const picked = aggregateAttributionScores(saliency, { attributionAggregators: [{ id: 'sum', options: { select_idx: 0 } }] });
    expect(picked.sequence_attributions[0].target_attributions!.shape.length).toBe(2);
  });

  it('--aggregate-output applies the method family default: vnorm + normalise for saliency, mean for attention', () => {
    const gradient = aggregateAttributionScores(saliency, { aggregateOutput: true, methods }).sequence_attributions[0].target_attributions!;
    const [len, steps] = gradient.shape;
    expect(gradient.shape.length).toBe(2);
    expect(column(gradient.data, len, steps, 0).filter(Number.isFinite).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(aggregateAttributionScores(attention, { aggregateOutput: true, methods }).sequence_attributions[0].target_attributions!.shape.length).toBe(2);
    expect(aggregateAttributionScores(saliency, {})).toBe(saliency);
  });
});
