import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const distEntry = fileURLToPath(new URL('../dist/index.js', import.meta.url));

// Run by plain Node on the built package (resolved by its own name, so through `exports`), with no
// `@tensorflow/tfjs` umbrella anywhere it could be resolved from: the gradient and chained-op
// registrations bundled into dist must register into the one @tensorflow/tfjs-core.
const script = `
const backend = await import('@inseq/backend-tfjs');
let umbrella = 'absent';
try { import.meta.resolve('@tensorflow/tfjs'); umbrella = 'resolvable'; } catch {}
const tf = await import('@tensorflow/tfjs-core');
const device = await backend.initTfjs();
const square = tf.grad((x) => tf.sum(tf.mul(x, x)));
const gradient = Array.from(await square(tf.tensor1d([1, 2, 3])).data());
const chained = tf.tensor1d([1, 2]).add(tf.scalar(1)).clone().arraySync();
const cpuGradient = await (async () => { await backend.initTfjs('cpu'); return Array.from(await square(tf.tensor1d([-1, 4])).data()); })();
console.log(JSON.stringify({ umbrella, device, gradient, chained, cpuGradient, backends: Object.keys(tf.engine().registryFactory).sort() }));
`;

describe('the built package in plain Node', () => {
  it('loads alone, registers cpu and wasm, and computes gradients', async () => {
    expect(existsSync(distEntry), `${distEntry} is missing: build first (pnpm --filter @inseq/backend-tfjs... build)`).toBe(true);
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: packageDir });
    expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '')).toEqual({
      umbrella: 'absent',
      device: 'wasm',
      gradient: [2, 4, 6],
      chained: [2, 3],
      cpuGradient: [-2, 8],
      backends: ['cpu', 'wasm'],
    });
  });
});
