import * as tf from '@tensorflow/tfjs';
import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { type AttributionModel, loadTokenizer, memoryModelFiles } from '@inseq/core';
import { createTinyGpt2 } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { attribute } from './attribute';

describe('memory', () => {
  it('holds tf.memory() flat over 100 attributions', async () => {
    const files = memoryModelFiles(createTinyGpt2().files, 'tiny-gpt2');
    const model: AttributionModel = { name: 'tiny', backend: await loadTfjsBackend(files), tokenizer: await loadTokenizer(files) };
    const run = (i: number) =>
      attribute(model, ['Hello world', 'The capital of France is'], {
        method: i % 10 === 0 ? 'integrated_gradients' : i % 2 ? 'saliency' : 'input_x_gradient',
        attributionArgs: i % 10 === 0 ? { n_steps: 3, return_convergence_delta: true } : {},
        maxNewTokens: 2,
        stepScores: ['probability', 'logit'],
      });
    await run(0); // warm-up: tfjs caches some kernels' helpers on first use
    const before = tf.memory();
    for (let i = 1; i <= 100; i++) await run(i);
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    await model.backend.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before.numTensors);
  });
});
