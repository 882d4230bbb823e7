import { describe, it } from 'vitest';
import { attr } from '../gradient-rule';
import { type TestValue, expectGradient, irNode, testInput } from '../gradient-test-support.test-support';

const ints = (name: string, data: number[]): TestValue => ({ name, type: 'int64', dims: [data.length], data });
/** A nonlinear weighting after the op. */
const then = (value: string) => [irNode('Exp', [value], ['Y'])];

describe('reduce and softmax gradient rules against central finite differences (double)', () => {
  it('ReduceSum with axes as input: negative axis without keepdims, two axes with keepdims, all axes', async () => {
    await expectGradient({ nodes: [irNode('ReduceSum', ['X', 'axes'], ['r'], { keepdims: attr.int(0) }), ...then('r')], inputs: [testInput('X', [2, 3, 4], 1)], constants: [ints('axes', [-1])], output: 'Y', wrt: ['X'] });
    await expectGradient({ nodes: [irNode('ReduceSum', ['X', 'axes'], ['r']), ...then('r')], inputs: [testInput('X', [2, 3, 4], 2)], constants: [ints('axes', [0, 2])], output: 'Y', wrt: ['X'] });
    await expectGradient({ nodes: [irNode('ReduceSum', ['X'], ['r'], { keepdims: attr.int(0) }), ...then('r')], inputs: [testInput('X', [2, 3], 3)], output: 'Y', wrt: ['X'] });
  });
  it('ReduceMean with axes as attribute (opset 17) and as input (opset 18)', async () => {
    await expectGradient({ nodes: [irNode('ReduceMean', ['X'], ['r'], { axes: attr.ints([-1, 1]), keepdims: attr.int(0) }), ...then('r')], inputs: [testInput('X', [2, 3, 4], 4)], output: 'Y', wrt: ['X'] });
    await expectGradient({
      nodes: [irNode('ReduceMean', ['X', 'axes'], ['r'], { keepdims: attr.int(0) }), ...then('r')],
      inputs: [testInput('X', [2, 3, 4], 5)],
      constants: [ints('axes', [-2])],
      output: 'Y',
      wrt: ['X'],
      opsetVersion: 18,
    });
  });
  it('Softmax on the last axis and on a middle axis', async () => {
    await expectGradient({ nodes: [irNode('Softmax', ['X'], ['s']), irNode('Mul', ['s', 'W'], ['Y'])], inputs: [testInput('X', [2, 3, 4], 6), testInput('W', [2, 3, 4], 7)], output: 'Y', wrt: ['X'] });
    await expectGradient({ nodes: [irNode('Softmax', ['X'], ['s'], { axis: attr.int(1) }), irNode('Mul', ['s', 'W'], ['Y'])], inputs: [testInput('X', [2, 3, 4], 8), testInput('W', [2, 3, 4], 9)], output: 'Y', wrt: ['X'] });
  });
  it('LogSoftmax on the last axis', async () => {
    await expectGradient({ nodes: [irNode('LogSoftmax', ['X'], ['s'], { axis: attr.int(-1) }), irNode('Mul', ['s', 'W'], ['Y'])], inputs: [testInput('X', [2, 5], 10), testInput('W', [2, 5], 11)], output: 'Y', wrt: ['X'] });
  });
});
