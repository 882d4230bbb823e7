import { createRng } from '@inseq/testing';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfjs } from '../init-tfjs';
import { activations } from './activations';

describe('activations', () => {
  beforeAll(async () => {
    await initTfjs();
  });

  it('gelu_new (sigmoid form, written-out derivative) matches autodiff of HF’s tanh formula', () => {
    const rng = createRng(5);
    // Wide enough to reach the saturated tails on both sides.
    const x = tf.tensor1d(Float32Array.from({ length: 200 }, () => (rng.next() * 2 - 1) * 8));
    const tanhForm = (input: tf.Tensor) => {
      const inner = tf.mul(tf.add(input, tf.mul(tf.pow(input, 3), 0.044715)), Math.sqrt(2 / Math.PI));
      return tf.mul(tf.mul(input, 0.5), tf.add(1, tf.tanh(inner)));
    };
    const before = tf.memory().numTensors;
    const actual = tf.valueAndGrad((input: tf.Tensor) => tf.sum(activations.gelu_new(input)))(x);
    const expected = tf.valueAndGrad((input: tf.Tensor) => tf.sum(tanhForm(input)))(x);
    const [value, reference] = tf.tidy(() => [activations.gelu_new(x).dataSync(), tanhForm(x).dataSync()]);
    for (let i = 0; i < reference.length; i++) expect(value[i]).toBeCloseTo(reference[i], 5);
    const [grad, referenceGrad] = [actual.grad.dataSync(), expected.grad.dataSync()];
    for (let i = 0; i < referenceGrad.length; i++) expect(grad[i]).toBeCloseTo(referenceGrad[i], 5);
    tf.dispose([actual.value, actual.grad, expected.value, expected.grad]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
