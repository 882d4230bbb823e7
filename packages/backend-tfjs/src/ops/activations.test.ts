import { createRng } from '@inseq/testing';
import * as tf from '../tf';
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

  it('gelu and relu: written-out derivatives match autodiff of their formulas', () => {
    const rng = createRng(6);
    const x = tf.tensor1d(Float32Array.from({ length: 200 }, (_, i) => (i === 0 ? 0 : (rng.next() * 2 - 1) * 6)));
    const formulas: Record<string, (input: tf.Tensor) => tf.Tensor> = {
      gelu: (input) => tf.mul(tf.mul(input, 0.5), tf.add(1, tf.erf(tf.mul(input, Math.SQRT1_2)))),
      relu: (input) => tf.relu(input),
    };
    const before = tf.memory().numTensors;
    for (const [name, formula] of Object.entries(formulas)) {
      const [grad, expected] = [tf.grad((input: tf.Tensor) => tf.sum(activations[name](input)))(x), tf.grad((input: tf.Tensor) => tf.sum(formula(input)))(x)];
      const [values, referenceValues] = tf.tidy(() => [activations[name](x).dataSync(), formula(x).dataSync()]);
      const [actual, reference] = [grad.dataSync(), expected.dataSync()];
      for (let i = 0; i < reference.length; i++) {
        expect(values[i]).toBeCloseTo(referenceValues[i], 6);
        expect(actual[i]).toBeCloseTo(reference[i], 5);
      }
      tf.dispose([grad, expected]);
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
