import { createRng } from '@inseq/testing';
import * as tf from '../tf';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfjs } from '../init-tfjs';
import { layerNorm } from './layer-norm';

function random(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = createRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => (rng.next() * 2 - 1) * scale), shape);
}

describe('layerNorm', () => {
  beforeAll(async () => {
    await initTfjs();
  });

  it('matches autodiff of the textbook formula in value and input gradient, and frees what it saved', async () => {
    const [x, dy] = [random([2, 3, 16], 1, 3), random([2, 3, 16], 2)];
    const [weight, bias] = [random([16], 3) as tf.Tensor1D, random([16], 4) as tf.Tensor1D];
    const textbook = (input: tf.Tensor) => {
      const centered = tf.sub(input, tf.mean(input, -1, true));
      const variance = tf.mean(tf.square(centered), -1, true);
      return tf.add(tf.mul(tf.div(centered, tf.sqrt(tf.add(variance, 1e-5))), weight), bias);
    };
    const before = tf.memory().numTensors;
    const { value, grad } = tf.valueAndGrad((input: tf.Tensor) => tf.sum(tf.mul(layerNorm(input, weight, bias, 1e-5), dy)))(x);
    const expected = tf.valueAndGrad((input: tf.Tensor) => tf.sum(tf.mul(textbook(input), dy)))(x);
    expect(value.dataSync()[0]).toBeCloseTo(expected.value.dataSync()[0], 4);
    const [actual, reference] = [grad.dataSync(), expected.grad.dataSync()];
    for (let i = 0; i < reference.length; i++) expect(actual[i]).toBeCloseTo(reference[i], 5);
    for (const tensor of [value, grad, expected.value, expected.grad]) tensor.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
