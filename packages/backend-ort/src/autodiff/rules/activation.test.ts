import { describe, it } from 'vitest';
import { attr } from '../gradient-rule';
import { expectGradient, irNode, testInput } from '../gradient-test-support.test-support';

const MS = 'com.microsoft';
const f32 = (name: string, dims: number[], seed: number) => testInput(name, dims, seed, -2, 2, 'float');

describe('GELU gradient rules against central finite differences (float32)', () => {
  it('com.microsoft Gelu and BiasGelu (erf form)', async () => {
    await expectGradient({ nodes: [irNode('Gelu', ['X'], ['Y'], {}, MS)], inputs: [f32('X', [2, 5], 1)], output: 'Y', wrt: ['X'], step: 1e-2 }, 1e-2);
    await expectGradient({ nodes: [irNode('BiasGelu', ['X', 'B'], ['Y'], {}, MS)], inputs: [f32('X', [2, 5], 2), f32('B', [5], 3)], output: 'Y', wrt: ['X', 'B'], step: 1e-2 }, 1e-2);
  });
  it('com.microsoft FastGelu (tanh form) with and without bias', async () => {
    await expectGradient({ nodes: [irNode('FastGelu', ['X'], ['Y'], {}, MS)], inputs: [f32('X', [2, 5], 4)], output: 'Y', wrt: ['X'], step: 1e-2 }, 1e-2);
    await expectGradient({ nodes: [irNode('FastGelu', ['X', 'B'], ['Y'], {}, MS)], inputs: [f32('X', [2, 5], 5), f32('B', [5], 6)], output: 'Y', wrt: ['X', 'B'], step: 1e-2 }, 1e-2);
  });
  it('ai.onnx Gelu (opset 20), exact and tanh-approximated', async () => {
    for (const approximate of ['none', 'tanh']) {
      await expectGradient(
        { nodes: [irNode('Gelu', ['X'], ['Y'], { approximate: attr.string(approximate) })], inputs: [f32('X', [2, 5], 7)], output: 'Y', wrt: ['X'], opsetVersion: 20, step: 1e-2 },
        1e-2,
      );
    }
  });
});
