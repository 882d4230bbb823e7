import { parseMethodOptions } from '@inseq/core';
import { attentionLinearModel } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { expectSameLayout, stepwise } from '../attention/sequence-context.test-support';
import { valueZeroing } from './value-zeroing';
import { valueZeroingDistances } from './value-zeroing-distances';

const model = attentionLinearModel();
const { layers } = model;

/** Hidden states of `ids` (one row, no padding), optionally with value j zeroed in `layer`. */
async function states(ids: number[], zero?: { layer: number; position: number }) {
  const n = ids.length;
  const { hiddenStates } = await model.backend.forward({
    inputIds: { data: Int32Array.from(ids), shape: [1, n] },
    attentionMask: { data: new Int32Array(n).fill(1), shape: [1, n] },
    outputHiddenStates: true,
    zeroValues: zero && { layer: zero.layer, positions: Int32Array.of(zero.position) },
  });
  return hiddenStates!;
}

const cosineDistance = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return 1 - dot / Math.sqrt(na * nb);
};

describe('value_zeroing on a closed-form attention model', () => {
  const text = 'the cat sat on the mat';
  const prompt = 'the cat sat on';
  const ids = model.tokenizer.encode(text);
  const hidden = model.hidden;

  it('scores key j at layer l by 1 − cos(clean, value-j-zeroed) of layer l’s output at the query, normalised over keys', async () => {
    const [sequence] = await stepwise(model, 'value_zeroing', [prompt], [text]);
    const nSteps = 2;
    expect(sequence.shape).toEqual([6, nSteps, layers]);
    for (const s of [0, 1]) {
      const p = 4 + s;
      const prefix = ids.slice(0, p);
      const clean = await states(prefix);
      for (let l = 0; l < layers; l++) {
        const raw: number[] = [];
        for (let j = 0; j < p; j++) {
          const zeroed = await states(prefix, { layer: l, position: j });
          const at = (t: { data: Float32Array }) => t.data.subarray((p - 1) * hidden, p * hidden);
          raw.push(cosineDistance(at(clean[l + 1]), at(zeroed[l + 1])));
        }
        const total = raw.reduce((a, b) => a + b, 0);
        for (let j = 0; j < 6; j++) {
          const value = sequence.data[(j * nSteps + s) * layers + l];
          if (j < p) expect(value).toBeCloseTo(raw[j] / total, 5);
          else expect(value).toBeNaN();
        }
      }
    }
  });

  it('is causal: zeroing a later key leaves an earlier query’s output exactly unchanged (score 0)', async () => {
    const n = ids.length;
    const [distances] = await valueZeroingDistances({
      backend: model.backend,
      inputIds: { data: Int32Array.from(ids), shape: [1, n] },
      attentionMask: { data: new Int32Array(n).fill(1), shape: [1, n] },
      queries: [[0, 1, 2, 3, 4, 5]],
      keys: [[0, 1, 2, 3, 4, 5]],
      metric: 'cosine',
      chunkRows: 4,
    });
    for (let q = 0; q < n; q++) {
      for (let j = 0; j < n; j++) {
        for (let l = 0; l < layers; l++) {
          const value = distances[(q * n + j) * layers + l];
          if (j > q) expect(value).toBe(0);
          else expect(value).toBeGreaterThan(0);
        }
      }
    }
  });

  it('attributeSequence equals the step-by-step result for a padded batch, and euclidean is the L2 distance', async () => {
    const prompts = ['the', 'a dog sat'];
    const texts = ['the cat sat on the mat', 'a dog sat on a mat'];
    for (const metric of ['cosine', 'euclidean']) {
      const steps = await stepwise(model, 'value_zeroing', prompts, texts, { similarity_metric: metric });
      const whole = await stepwise(model, 'value_zeroing', prompts, texts, { similarity_metric: metric, internal_batch_size: 5 }, 'loop');
      whole.forEach((tensor, r) => {
        expect(tensor.shape).toEqual(steps[r].shape);
        expectSameLayout(tensor.data, steps[r].data, 5);
      });
    }
    const [euclidean] = await stepwise(model, 'value_zeroing', ['the cat'], ['the cat sat'], { similarity_metric: 'euclidean' });
    const clean = await states(ids.slice(0, 2));
    const distances = await Promise.all(
      [0, 1].map(async (j) => {
        const zeroed = await states(ids.slice(0, 2), { layer: 0, position: j });
        return Math.hypot(...Array.from(clean[1].data.subarray(hidden, 2 * hidden), (v, i) => v - zeroed[1].data[hidden + i]));
      }),
    );
    // [3 tokens, 1 step, layers]: keys 0 and 1 at layer 0.
    expect([euclidean.data[0], euclidean.data[layers]]).toEqual(distances.map((d) => expect.closeTo(d / (distances[0] + distances[1]), 5)));
  });

  it('declares what it needs from the backend', () => {
    expect(valueZeroing.requires).toEqual(['valueZeroing', 'hiddenStates']);
    expect(() => parseMethodOptions(valueZeroing, { similarity_metric: 'dot' })).toThrow(/one of 'cosine', 'euclidean'/);
  });
});
