import { describe, it } from 'vitest';
import { attr } from '../gradient-rule';
import { type TestValue, expectGradient, irNode, testInput } from '../gradient-test-support.test-support';

const ints = (name: string, data: number[], dims = [data.length]): TestValue => ({ name, type: 'int64', dims, data });
/** A weighting after the op so every output element has its own derivative. */
const weighted = (value: string) => [irNode('Exp', [value], ['Y'])];

describe('shape gradient rules against central finite differences (double)', () => {
  it('Reshape, Flatten, Squeeze and Unsqueeze (negative axes) give the gradient back its shape', async () => {
    await expectGradient({ nodes: [irNode('Reshape', ['X', 'shape'], ['r']), ...weighted('r')], inputs: [testInput('X', [2, 6], 1)], constants: [ints('shape', [3, -1])], output: 'Y', wrt: ['X'] });
    await expectGradient({ nodes: [irNode('Flatten', ['X'], ['r'], { axis: attr.int(2) }), ...weighted('r')], inputs: [testInput('X', [2, 3, 2], 2)], output: 'Y', wrt: ['X'] });
    await expectGradient({ nodes: [irNode('Squeeze', ['X', 'axes'], ['r']), ...weighted('r')], inputs: [testInput('X', [2, 1, 3], 3)], constants: [ints('axes', [-2])], output: 'Y', wrt: ['X'] });
    await expectGradient({ nodes: [irNode('Unsqueeze', ['X', 'axes'], ['r']), ...weighted('r')], inputs: [testInput('X', [2, 3], 4)], constants: [ints('axes', [-1, 0])], output: 'Y', wrt: ['X'] });
  });
  it('Transpose with a permutation and without (reversed axes)', async () => {
    await expectGradient({ nodes: [irNode('Transpose', ['X'], ['t'], { perm: attr.ints([2, 0, 1]) }), irNode('Mul', ['t', 'W'], ['Y'])], inputs: [testInput('X', [2, 3, 4], 5), testInput('W', [4, 2, 3], 6)], output: 'Y', wrt: ['X'] });
    await expectGradient({ nodes: [irNode('Transpose', ['X'], ['t']), irNode('Mul', ['t', 'W'], ['Y'])], inputs: [testInput('X', [2, 3, 4], 7), testInput('W', [4, 3, 2], 8)], output: 'Y', wrt: ['X'] });
  });
  it('Concat on a negative axis, with one input used twice', async () => {
    await expectGradient({
      nodes: [irNode('Concat', ['A', 'B', 'A'], ['c'], { axis: attr.int(-1) }), irNode('Mul', ['c', 'W'], ['Y'])],
      inputs: [testInput('A', [2, 3], 9), testInput('B', [2, 2], 10), testInput('W', [2, 8], 11)],
      output: 'Y',
      wrt: ['A', 'B'],
    });
  });
  it('Concat with an empty KV cache (a 0-sized axis) gives an empty gradient of the right shape', async () => {
    await expectGradient({
      nodes: [irNode('Concat', ['past', 'X'], ['c'], { axis: attr.int(-2) }), irNode('Add', ['c', 'B'], ['s']), ...weighted('s')],
      inputs: [testInput('past', [2, 0, 3], 18), testInput('X', [2, 2, 3], 19), testInput('B', [1, 3], 20)],
      output: 'Y',
      wrt: ['past', 'X', 'B'],
    });
  });
  it('Split with one output unused (zeros for its gradient)', async () => {
    await expectGradient({
      nodes: [irNode('Split', ['X', 'sizes'], ['a', 'b', 'c'], { axis: attr.int(1) }), irNode('Mul', ['a', 'c'], ['Y'])],
      inputs: [testInput('X', [2, 7], 12)],
      constants: [ints('sizes', [2, 3, 2])],
      output: 'Y',
      wrt: ['X'],
    });
  });
  it('Slice with steps, negative bounds and a negative step', async () => {
    await expectGradient({
      nodes: [irNode('Slice', ['X', 'starts', 'ends', 'axes', 'steps'], ['s']), ...weighted('s')],
      inputs: [testInput('X', [3, 7], 13)],
      constants: [ints('starts', [1, 0]), ints('ends', [3, -1]), ints('axes', [0, -1]), ints('steps', [1, 2])],
      output: 'Y',
      wrt: ['X'],
    });
    await expectGradient({
      nodes: [irNode('Slice', ['X', 'starts', 'ends', 'axes', 'steps'], ['s']), ...weighted('s')],
      inputs: [testInput('X', [3, 7], 14)],
      constants: [ints('starts', [-1]), ints('ends', [-100]), ints('axes', [1]), ints('steps', [-2])],
      output: 'Y',
      wrt: ['X'],
    });
  });
  it('Gather with repeated and negative indices accumulates (scatter-add at opset 17, one-hot product at opset 14)', async () => {
    for (const opsetVersion of [17, 14]) {
      await expectGradient({
        nodes: [irNode('Gather', ['X', 'ids'], ['g']), ...weighted('g')],
        inputs: [testInput('X', [5, 3], 15), ints('ids', [0, 2, 0, 4, -1, 0], [2, 3])],
        output: 'Y',
        wrt: ['X'],
        opsetVersion,
      });
    }
    await expectGradient({
      nodes: [irNode('Gather', ['X', 'ids'], ['g'], { axis: attr.int(-1) }), ...weighted('g')],
      inputs: [testInput('X', [2, 4], 16), ints('ids', [3, 1, 3])],
      output: 'Y',
      wrt: ['X'],
    });
  });
  it('Expand sums the gradient back over the expanded axes', async () => {
    await expectGradient({ nodes: [irNode('Expand', ['X', 'shape'], ['e']), ...weighted('e')], inputs: [testInput('X', [3, 1], 17)], constants: [ints('shape', [2, 3, 4])], output: 'Y', wrt: ['X'] });
  });
});
