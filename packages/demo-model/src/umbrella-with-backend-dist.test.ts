import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

// A program that loads both the umbrella @tensorflow/tfjs and the built @inseq/backend-tfjs (which
// bundles its own copy of tfjs-core's gradient registrations), in either order: one engine, the
// umbrella's optimizers train variables, gradients and clone() work.
const script = (first: string, second: string) => `
const a = await import('${first}');
const b = await import('${second}');
const tf = await import('@tensorflow/tfjs');
const backend = await import('@inseq/backend-tfjs');
await backend.initTfjs('cpu');
const w = tf.variable(tf.tensor1d([3, -2]));
const optimizer = tf.train.adam(0.1);
for (let i = 0; i < 5; i++) optimizer.minimize(() => tf.sum(tf.mul(w, w)));
const grad = Array.from(await tf.grad((x) => tf.sum(tf.mul(x, x)))(tf.tensor1d([1, 2])).data());
console.log(JSON.stringify({ grad, shrank: Math.abs(w.dataSync()[0]) < 3, clone: w.clone().shape, backend: tf.getBackend() }));
`;

describe('@tensorflow/tfjs and the built @inseq/backend-tfjs in one Node process', () => {
  for (const [first, second] of [
    ['@tensorflow/tfjs', '@inseq/backend-tfjs'],
    ['@inseq/backend-tfjs', '@tensorflow/tfjs'],
  ] as const) {
    it(`works when ${first} is imported first`, async () => {
      const dist = fileURLToPath(new URL('../../backend-tfjs/dist/index.js', import.meta.url));
      expect(existsSync(dist), `${dist} is missing: build first (pnpm --filter @inseq/backend-tfjs... build)`).toBe(true);
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script(first, second)], { cwd: packageDir });
      expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '')).toEqual({ grad: [2, 4], shrank: true, clone: [2], backend: 'cpu' });
    });
  }
});
