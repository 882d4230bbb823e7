import { createRng } from '@inseq/testing';
import * as tf from '../tf';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfjs } from '../init-tfjs';
import { batchedMatMul } from './batched-mat-mul';

function random(shape: number[], seed: number): tf.Tensor3D {
  const rng = createRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor3d(Float32Array.from({ length: size }, () => rng.next() * 2 - 1), shape as [number, number, number]);
}

async function maxAbsDifference(x: tf.Tensor, y: tf.Tensor): Promise<number> {
  const [a, b] = [await x.data<'float32'>(), await y.data<'float32'>()];
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe('batchedMatMul (wasm: grouped products as one depthwise convolution)', () => {
  beforeAll(async () => {
    expect(await initTfjs('wasm')).toBe('wasm');
  });

  // [groups, m, k, n], including single rows, single groups and attention-like sizes.
  const shapes = [
    [3, 5, 7, 2],
    [1, 1, 1, 1],
    [2, 1, 4, 3],
    [16, 12, 64, 12],
  ];
  for (const [groups, m, k, n] of shapes) {
    for (const [transposeA, transposeB] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ]) {
      it(`matches tf.matMul and its gradients for [${groups}, ${m}, ${k}] @ [${groups}, ${k}, ${n}], transposeA ${transposeA}, transposeB ${transposeB}`, async () => {
        const a = random(transposeA ? [groups, k, m] : [groups, m, k], 1);
        const b = random(transposeB ? [groups, n, k] : [groups, k, n], 2);
        const dy = random([groups, m, n], 3);
        const before = tf.memory().numTensors;
        const objective = (product: typeof batchedMatMul) => (x: tf.Tensor, y: tf.Tensor) =>
          tf.sum(tf.mul(product(x as tf.Tensor3D, y as tf.Tensor3D, transposeA, transposeB), dy));
        const [value, expectedValue] = [batchedMatMul(a, b, transposeA, transposeB), tf.matMul(a, b, transposeA, transposeB)];
        const grads = tf.grads(objective(batchedMatMul))([a, b]);
        const expectedGrads = tf.grads(objective((x, y) => tf.matMul(x, y, transposeA, transposeB)))([a, b]);
        expect(value.shape).toEqual([groups, m, n]);
        expect(await maxAbsDifference(value, expectedValue)).toBeLessThan(1e-5);
        for (let i = 0; i < 2; i++) {
          expect(grads[i].shape).toEqual(expectedGrads[i].shape);
          expect(await maxAbsDifference(grads[i], expectedGrads[i])).toBeLessThan(1e-5);
        }
        for (const tensor of [value, expectedValue, ...grads, ...expectedGrads]) tensor.dispose();
        expect(tf.memory().numTensors).toBe(before);
        for (const tensor of [a, b, dy]) tensor.dispose();
      });
    }
  }
});
