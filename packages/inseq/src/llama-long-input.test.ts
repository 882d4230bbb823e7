import { type AttributionModel, memoryModelFiles } from '@inseq/core';
import { createTinyLlama } from '@inseq/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attribute } from './attribute';
import { loadModel } from './load-model';

// Inseq users run out of memory on long inputs; a Llama-shaped model must attend and
// differentiate over 2,048+ tokens here (24 GiB machine, tfjs wasm).
const LENGTH = 2100;

describe(`a Llama-shaped model over ${LENGTH} tokens (tfjs)`, () => {
  let model: AttributionModel;
  let text = '';
  beforeAll(async () => {
    model = await loadModel(memoryModelFiles(createTinyLlama({ maxPositions: 4096 }).files, 'tiny-llama-4k'));
    const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'then', 'it', 'slept'];
    // Estimate the words needed from a sample, then grow a few words at a time (encoding after every
    // word was quadratic: 6 s of tokenization).
    const sentence = (n: number) => Array.from({ length: n }, (_, i) => words[i % words.length]).join(' ');
    const perWord = (model.tokenizer.encode(sentence(100)).length - model.tokenizer.encode('').length) / 100;
    for (let n = Math.floor(LENGTH / perWord) - 8; model.tokenizer.encode(text).length < LENGTH; n += 2) text = sentence(n);
  });
  afterAll(() => model?.backend.dispose());

  it('attention over the whole sequence: one pass, rows sum to 1 over the visible tokens', async () => {
    const ids = model.tokenizer.encode(text);
    expect(ids.length).toBeGreaterThanOrEqual(2048);
    const before = process.memoryUsage().rss;
    const out = await attribute(model, model.tokenizer.decode(ids.slice(1, -2), { skipSpecialTokens: true }), {
      method: 'attention',
      generatedTexts: text,
    });
    const sequence = out.sequence_attributions[0];
    const [len, steps, layers, heads] = sequence.target_attributions!.shape;
    expect(len).toBeGreaterThanOrEqual(2048);
    expect(steps).toBeGreaterThanOrEqual(1);
    // Last step, layer 0, head 0: weights over positions < len - 1 sum to 1.
    let sum = 0;
    for (let p = 0; p < len - 1; p++) sum += sequence.target_attributions!.data[((p * steps + steps - 1) * layers + 0) * heads + 0];
    expect(sum).toBeCloseTo(1, 3);
    expect(process.memoryUsage().rss - before).toBeLessThan(4 * 2 ** 30);
  });

  it('integrated gradients at the last position over 2,048+ tokens: finite, complete, memory flat', async () => {
    const ids = model.tokenizer.encode(text);
    const prompt = model.tokenizer.decode(ids.slice(1, -1), { skipSpecialTokens: true });
    const tensorsBefore = tf.memory().numTensors;
    const out = await attribute(model, prompt, {
      method: 'integrated_gradients',
      generatedTexts: text,
      attributionArgs: { n_steps: 2, internal_batch_size: 2, return_convergence_delta: true },
    });
    const sequence = out.sequence_attributions[0];
    const values = Array.from(sequence.target_attributions!.data).filter(Number.isFinite);
    expect(values.length).toBeGreaterThanOrEqual(2048 * 32);
    expect(Math.abs(sequence.step_scores.deltas.data[0])).toBeLessThan(0.1);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});
