import { createRng } from '@inseq/testing';
import * as tf from '../tf';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfjs } from '../init-tfjs';
import { rmsNorm } from './rms-norm';

function random(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = createRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => (rng.next() * 2 - 1) * scale), shape);
}

describe('rmsNorm', () => {
  beforeAll(async () => {
    await initTfjs();
  });

  it('matches autodiff of T5LayerNorm’s formula in value and input gradient, and frees what it saved', () => {
    const [x, dy] = [random([2, 3, 16], 1, 3), random([2, 3, 16], 2)];
    const weight = random([16], 3) as tf.Tensor1D;
    const formula = (input: tf.Tensor) => tf.mul(tf.div(input, tf.sqrt(tf.add(tf.mean(tf.square(input), -1, true), 1e-6))), weight);
    const before = tf.memory().numTensors;
    const actual = tf.valueAndGrad((input: tf.Tensor) => tf.sum(tf.mul(rmsNorm(input, weight, 1e-6), dy)))(x);
    const expected = tf.valueAndGrad((input: tf.Tensor) => tf.sum(tf.mul(formula(input), dy)))(x);
    expect(actual.value.dataSync()[0]).toBeCloseTo(expected.value.dataSync()[0], 4);
    const [grad, reference] = [actual.grad.dataSync(), expected.grad.dataSync()];
    for (let i = 0; i < reference.length; i++) expect(grad[i]).toBeCloseTo(reference[i], 5);
    tf.dispose([actual.value, actual.grad, expected.value, expected.grad]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, dy, weight]);
  });
});
