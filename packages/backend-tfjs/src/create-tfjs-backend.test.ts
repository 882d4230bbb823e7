import {
  type DifferentiableTarget,
  type ModelBackend,
  type Tensor,
  intTensorFromRows,
  logit,
  memoryModelFiles,
  probability,
} from '@inseq/core';
import { centralDifference, createRng, createTinyGpt2, referenceGpt2Forward } from '@inseq/testing';
import * as tf from './tf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTfjs } from './init-tfjs';
import { loadTfjsBackend } from './load-tfjs-backend';

const tiny = createTinyGpt2({ seed: 7 });
const hidden = tiny.config.n_embd as number;
const vocab = tiny.config.vocab_size as number;

// Left-padded batch: rows of 6, 4 and 2 real tokens.
const ids = [
  [11, 250, 3, 999, 64, 12],
  [0, 0, 40, 41, 42, 43],
  [0, 0, 0, 0, 500, 501],
];
const mask = ids.map((row, b) => row.map((_, s) => (s >= [0, 2, 4][b] ? 1 : 0)));
const targetIds = Int32Array.of(17, 1200, 256);

/** The target of row `b` computed by the float64 reference from that row's flat embeddings. */
function referenceTarget(target: 'probability' | 'logit', b: number, flat: Float64Array): number {
  const seq = ids[b].length;
  const nested = [Array.from({ length: seq }, (_, s) => Array.from(flat.subarray(s * hidden, (s + 1) * hidden)))];
  const { logits } = referenceGpt2Forward(tiny.weights, tiny.config, [ids[b]], [mask[b]], { inputsEmbeds: nested });
  const last = logits.subarray((seq - 1) * vocab, seq * vocab);
  const id = targetIds[b];
  if (target === 'logit') return last[id];
  const max = Math.max(...last);
  let total = 0;
  for (const value of last) total += Math.exp(value - max);
  return Math.exp(last[id] - max) / total;
}

describe('tfjs backend gradients and resources', () => {
  let backend: ModelBackend;
  let embeds: Tensor;
  const inputIds = intTensorFromRows(ids);
  const attentionMask = intTensorFromRows(mask);

  beforeAll(async () => {
    await initTfjs();
    backend = await loadTfjsBackend(memoryModelFiles(tiny.files, 'tiny-gpt2'));
    embeds = await backend.embed(inputIds);
  });
  afterAll(() => backend?.dispose());

  it('declares every capability', () => {
    expect(backend.name).toBe('tfjs');
    expect(backend.capabilities).toEqual({
      forward: true,
      embeddingInputs: true,
      gradients: true,
      attentions: true,
      layerActivations: true,
      hiddenStates: true,
      valueZeroing: true,
      rescaleGradients: true,
      dropout: true,
    });
  });

  for (const [name, target] of [
    ['probability', probability.differentiable!],
    ['logit', logit.differentiable!],
  ] as const) {
    it(`matches central finite differences of the float64 reference for '${name}'`, async () => {
      const { gradients, targetValues } = await backend.gradients!({ inputIds, attentionMask, inputsEmbeds: embeds, targetIds, target });
      const seq = ids[0].length;
      expect(gradients.shape).toEqual([3, seq, hidden]);
      expect(targetValues.length).toBe(3);
      const rng = createRng(42);
      let compared = 0;
      for (let b = 0; b < 3; b++) {
        const flat = Float64Array.from(embeds.data.subarray(b * seq * hidden, (b + 1) * seq * hidden));
        const f = (x: Float64Array) => referenceTarget(name, b, x);
        expect(targetValues[b]).toBeCloseTo(f(flat), 5);
        // The last token, the first real token, one padding position (gradient 0) and random ones.
        const firstReal = mask[b].indexOf(1);
        const coordinates = [(seq - 1) * hidden + 3, firstReal * hidden + 5, ...Array.from({ length: 4 }, () => Math.floor(rng.next() * seq * hidden))];
        if (firstReal > 0) coordinates.push(1); // position 0 is padding: gradient 0
        // Tolerances scale with the row's gradients: a probability near 1e-3 has gradients near
        // 1e-4, which a fixed absolute tolerance would wave through.
        const rowGradients = gradients.data.subarray(b * seq * hidden, (b + 1) * seq * hidden);
        const scale = Math.max(...rowGradients.map(Math.abs));
        expect(scale).toBeGreaterThan(name === 'logit' ? 1e-2 : 1e-2 * targetValues[b]);
        for (const index of coordinates) {
          const expected = centralDifference(f, flat, index, 1e-4);
          const actual = rowGradients[index];
          expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-4 * scale + 1e-2 * Math.abs(expected));
          compared++;
        }
      }
      expect(compared).toBeGreaterThanOrEqual(18);
    });
  }

  it('gives a padded row the gradients of its unpadded copy', async () => {
    const { gradients } = await backend.gradients!({ inputIds, attentionMask, inputsEmbeds: embeds, targetIds, target: probability.differentiable! });
    const single = intTensorFromRows([[500, 501]]);
    const singleEmbeds = await backend.embed(single);
    const alone = await backend.gradients!({
      inputIds: single,
      attentionMask: intTensorFromRows([[1, 1]]),
      inputsEmbeds: singleEmbeds,
      targetIds: Int32Array.of(256),
      target: probability.differentiable!,
    });
    const seq = ids[0].length;
    const padded = gradients.data.subarray((2 * seq + 4) * hidden, 3 * seq * hidden);
    for (let i = 0; i < padded.length; i++) expect(padded[i]).toBeCloseTo(alone.gradients.data[i], 6);
    // Padding positions get exactly zero gradient.
    expect(gradients.data.subarray(2 * seq * hidden, (2 * seq + 4) * hidden).every((value) => value === 0)).toBe(true);
  });

  it('builds composite targets from every TargetOps operation', async () => {
    // log(p) - logit + logSumExp written out: exp, log, sum, neg, add, sub, mul, logSoftmax all used.
    const composite: DifferentiableTarget = {
      name: 'composite',
      build: (ops, logits, target) => {
        const logProbability = ops.gather(ops.logSoftmax(logits), target);
        const logSumExp = ops.log(ops.sum(ops.exp(logits)));
        const viaSoftmax = ops.log(ops.gather(ops.softmax(logits), target));
        const zero = ops.add(ops.sub(logProbability, viaSoftmax), ops.neg(ops.mul(logSumExp, ops.sub(logSumExp, logSumExp))));
        return ops.add(zero, ops.add(ops.sub(logProbability, ops.gather(logits, target)), logSumExp));
      },
    };
    const { gradients, targetValues } = await backend.gradients!({ inputIds, attentionMask, inputsEmbeds: embeds, targetIds, target: composite });
    for (const value of targetValues) expect(Math.abs(value)).toBeLessThan(1e-4);
    expect(Math.max(...gradients.data.map(Math.abs))).toBeLessThan(1e-3);
  });

  it('leaks no tensor over 100 rounds of embed, forward and gradients, errors included', async () => {
    const before = tf.memory().numTensors;
    for (let round = 0; round < 100; round++) {
      const inputsEmbeds = await backend.embed(inputIds);
      await backend.forward({ inputIds, attentionMask });
      await backend.forward({ inputIds, attentionMask, inputsEmbeds });
      await backend.gradients!({ inputIds, attentionMask, inputsEmbeds, targetIds, target: round % 2 ? logit.differentiable! : probability.differentiable! });
    }
    const failing: DifferentiableTarget = { name: 'broken', build: (ops, logits) => ops.exp(logits) };
    await expect(backend.gradients!({ inputIds, attentionMask, inputsEmbeds: embeds, targetIds, target: failing })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    const throwing: DifferentiableTarget = {
      name: 'throwing',
      build: () => {
        throw new Error('boom');
      },
    };
    await expect(backend.gradients!({ inputIds, attentionMask, inputsEmbeds: embeds, targetIds, target: throwing })).rejects.toMatchObject({
      name: 'BackendError',
      code: 'BACKEND_FAILURE',
      cause: { message: 'boom' },
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('leaks no tensor over 30 rounds of every optional output and intervention, errors included', async () => {
    const layer = { name: 'transformer.h.0' };
    const { layerActivation } = await backend.forward({ inputIds, attentionMask, layer });
    const override = { ...layer, override: layerActivation! };
    const zeroValues = { layer: 1, positions: Int32Array.of(2, -1, 5) };
    const target = logit.differentiable!;
    const before = tf.memory().numTensors;
    for (let round = 0; round < 30; round++) {
      await backend.forward({ inputIds, attentionMask, outputAttentions: true, outputHiddenStates: true, logitsAt: 'all', zeroValues, dropoutSeed: round });
      await backend.forward({ inputIds, attentionMask, layer: round % 2 ? layer : override, outputHiddenStates: true });
      await backend.forward({ inputIds, attentionMask, layer: { name: 'transformer.ln_f', override: layerActivation! } });
      await backend.gradients!({ inputIds, attentionMask, inputsEmbeds: embeds, targetIds, target, layer: round % 2 ? layer : override });
      await backend.gradients!({ inputIds, attentionMask, inputsEmbeds: embeds, targetIds, target, rescale: { referenceEmbeds: embeds }, dropoutSeed: round });
      await backend.gradients!({ inputIds, attentionMask, inputsEmbeds: embeds, targetIds, target, layer, rescale: { referenceEmbeds: embeds }, zeroValues });
    }
    const throwing: DifferentiableTarget = {
      name: 'throwing',
      build: () => {
        throw new Error('boom');
      },
    };
    for (const extra of [{ layer }, { layer: override }, { layer, rescale: { referenceEmbeds: embeds } }]) {
      await expect(backend.gradients!({ inputIds, attentionMask, inputsEmbeds: embeds, targetIds, target: throwing, ...extra })).rejects.toMatchObject({
        code: 'BACKEND_FAILURE',
      });
    }
    await expect(backend.forward({ inputIds, attentionMask, layer: { name: 'nope' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(backend.forward({ inputIds, attentionMask, zeroValues: { layer: 9, positions: Int32Array.of(0, 0, 0) } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('frees its weights on dispose and refuses later calls', async () => {
    const before = tf.memory().numTensors;
    const other = await loadTfjsBackend(memoryModelFiles(tiny.files, 'tiny-gpt2'));
    // 4 embedding/final tensors + 12 per layer; the tied head is the same tensor as wte.
    expect(tf.memory().numTensors - before).toBe(4 + 12 * (tiny.config.n_layer as number));
    await other.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(other.forward({ inputIds, attentionMask })).rejects.toMatchObject({ code: 'BACKEND_FAILURE', message: expect.stringMatching(/disposed/) });
  });
});
