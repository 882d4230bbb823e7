import * as tf from '../tf';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfjs } from '../init-tfjs';
import { UNPACKED_WEIGHT_BYTES, backwardTimesWeight, weightMatMul } from './weight-mat-mul';

/** Float64 `dy @ weight` of row-major data. */
function reference(dy: Float32Array, weight: Float32Array, rows: number, n: number, k: number): Float64Array {
  const out = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) for (let c = 0; c < k; c++) out[r * k + c] += dy[r * n + j] * weight[j * k + c];
  return out;
}

describe('weightMatMul', () => {
  beforeAll(async () => {
    await initTfjs('wasm');
  });

  it('the unpacked backward product of a large weight equals dy @ weight, leaves no tensor behind, and so does the packed one of x @ weightᵀ', () => {
    const [rows, n, k] = [3, 1000, 6];
    const dyData = Float32Array.from({ length: rows * n }, (_, i) => Math.sin(i * 0.37));
    const weightData = Float32Array.from({ length: n * k }, (_, i) => Math.cos(i * 0.11));
    const expected = reference(dyData, weightData, rows, n, k);
    const dy = tf.tensor2d(dyData, [rows, n]);
    const weight = tf.tensor2d(weightData, [n, k]);
    const before = tf.memory().numTensors;
    // The naive-kernel path, forced by lowering the size where it starts.
    const unpacked = backwardTimesWeight(dy, weight, 0);
    expect(tf.memory().numTensors).toBe(before + 1);
    const actual = unpacked.dataSync();
    for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThan(1e-4);
    // The gradient through weightMatMul (transposed weight) is the same product.
    const x = tf.tensor2d(Float32Array.from({ length: rows * k }, (_, i) => i / 10), [rows, k]);
    const gradient = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(weightMatMul(input as tf.Tensor2D, weight, true), dy)))(x);
    const plain = gradient.dataSync();
    for (let i = 0; i < expected.length; i++) expect(Math.abs(plain[i] - expected[i])).toBeLessThan(1e-4);
    tf.dispose([dy, weight, unpacked, x, gradient]);
    expect(UNPACKED_WEIGHT_BYTES).toBe(256 * 2 ** 20);
  });
});
