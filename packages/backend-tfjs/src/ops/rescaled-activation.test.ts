import { createRng } from '@inseq/testing';
import * as tf from '../tf';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfjs } from '../init-tfjs';
import { activations, elementwiseActivations } from './activations';
import { rescaleEpsilon, rescaledActivation } from './rescaled-activation';

/** The activations in float64, written from their definitions. */
const exact: Record<string, (x: number) => number> = {
  gelu_new: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  gelu: (x) => {
    // Φ by the Abramowitz–Stegun 7.1.26 erf (|error| < 1.5e-7).
    const z = Math.abs(x) / Math.SQRT2;
    const t = 1 / (1 + 0.3275911 * z);
    const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
    return 0.5 * x * (1 + Math.sign(x) * erf);
  },
  relu: (x) => Math.max(0, x),
};

describe('rescaledActivation (DeepLIFT Rescale rule)', () => {
  beforeAll(async () => {
    await initTfjs();
  });

  for (const name of ['gelu_new', 'gelu', 'relu']) {
    it(`${name}: multiplier · (x − x′) = f(x) − f(x′), f′(x) where |x − x′| < ${rescaleEpsilon}, value f(x), no leak`, () => {
      const rng = createRng(17);
      const n = 400;
      const x = Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * 5);
      // Half far references, a quarter within ε (fallback), a quarter equal.
      const reference = x.map((value, i) => (i < n / 2 ? (rng.next() * 2 - 1) * 5 : i < (3 * n) / 4 ? value + (rng.next() - 0.5) * 1e-6 : value));
      const [xs, references] = [tf.tensor1d(x), tf.tensor1d(reference)];
      const activation = elementwiseActivations[name];
      const before = tf.memory().numTensors;
      const { value, grad } = tf.valueAndGrad((input: tf.Tensor) => tf.sum(rescaledActivation(activation, input, references)))(xs);
      const plain = tf.grad((input: tf.Tensor) => tf.sum(activations[name](input)))(xs);
      const [sum, multipliers, derivatives] = [value.dataSync()[0], grad.dataSync(), plain.dataSync()];
      const plainValue = tf.tidy(() => tf.sum(activations[name](xs)).dataSync()[0]);
      expect(sum).toBeCloseTo(plainValue, 3);
      const f = exact[name];
      let secants = 0;
      for (let i = 0; i < n; i++) {
        const delta = x[i] - reference[i];
        if (Math.abs(delta) < rescaleEpsilon) {
          expect(multipliers[i]).toBe(derivatives[i]);
        } else {
          secants++;
          const expected = f(x[i]) - f(reference[i]);
          expect(Math.abs(multipliers[i] * delta - expected)).toBeLessThan(1e-5 * Math.max(1, Math.abs(expected)));
        }
      }
      expect(secants).toBeGreaterThanOrEqual(n / 2);
      tf.dispose([value, grad, plain]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([xs, references]);
    });
  }
});
