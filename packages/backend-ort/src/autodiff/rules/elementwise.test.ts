import { describe, it } from 'vitest';
import { attr } from '../gradient-rule';
import { type GradientCase, type TestValue, expectGradient, irNode, testInput } from '../gradient-test-support.test-support';
import { ONNX_DTYPE } from '../onnx-ir';

const input = testInput;

const binary = (opType: string, a: TestValue, b: TestValue): GradientCase => ({
  nodes: [irNode(opType, [a.name, b.name], ['Y'])],
  inputs: [a, b],
  output: 'Y',
  wrt: [a.name, b.name],
});

const unary = (opType: string, x: TestValue, attributes = {}): GradientCase => ({
  nodes: [irNode(opType, ['X'], ['Y'], attributes)],
  inputs: [x],
  output: 'Y',
  wrt: ['X'],
});

describe('elementwise gradient rules against central finite differences (double)', () => {
  it('Add broadcasts [2,3,4] + [4] and sums the gradient back to each shape', async () => {
    await expectGradient(binary('Add', input('A', [2, 3, 4], 1), input('B', [4], 2)));
  });
  it('Sub broadcasts [2,1] - [2,3] on the first input', async () => {
    await expectGradient(binary('Sub', input('A', [2, 1], 3), input('B', [2, 3], 4)));
  });
  it('Mul by a [1,3,1] tensor', async () => {
    await expectGradient(binary('Mul', input('A', [2, 3, 4], 5), input('B', [1, 3, 1], 6)));
  });
  it('Div by a [3] tensor, and a scalar divided by a [2,3]', async () => {
    await expectGradient(binary('Div', input('A', [2, 3], 7), input('B', [3], 8, 0.5, 2)));
    await expectGradient(binary('Div', input('A', [], 9), input('B', [2, 3], 10, 0.5, 2)));
  });
  it('Pow by a constant exponent, and by a differentiable one', async () => {
    await expectGradient({
      nodes: [irNode('Pow', ['X', 'three'], ['Y'])],
      inputs: [input('X', [2, 3], 11)],
      constants: [{ name: 'three', type: 'double', dims: [], data: [3] }],
      output: 'Y',
      wrt: ['X'],
    });
    await expectGradient(binary('Pow', input('A', [2, 3], 12, 0.5, 2), input('B', [3], 13, -1, 2)));
  });
  it('Neg, Identity, Exp, Tanh, Sigmoid on any values', async () => {
    for (const opType of ['Neg', 'Identity', 'Exp', 'Tanh', 'Sigmoid']) await expectGradient(unary(opType, input('X', [2, 3], 14)));
  });
  it('Sqrt, Reciprocal, Log on positive values', async () => {
    for (const opType of ['Sqrt', 'Reciprocal', 'Log']) await expectGradient(unary(opType, input('X', [2, 3], 15, 0.5, 2)));
  });
  it('Abs, Sin, Cos', async () => {
    for (const opType of ['Abs', 'Sin', 'Cos']) await expectGradient(unary(opType, input('X', [2, 3], 21)));
  });
  it('Clip between constant bounds (values away from them), Dropout in inference mode, Sum with broadcasting', async () => {
    const x: TestValue = { name: 'X', type: 'double', dims: [2, 3], data: [-1, 0.5, -0.3, 2, 0.1, -0.2] };
    const bounds: TestValue[] = [
      { name: 'lo', type: 'double', dims: [], data: [-0.5] },
      { name: 'hi', type: 'double', dims: [], data: [1] },
      { name: 'ratio', type: 'float', dims: [], data: [0.1] },
    ];
    await expectGradient({ nodes: [irNode('Clip', ['X', 'lo', 'hi'], ['c']), irNode('Exp', ['c'], ['Y'])], inputs: [x], constants: bounds, output: 'Y', wrt: ['X'] });
    await expectGradient({ nodes: [irNode('Clip', ['X', '', 'hi'], ['c']), irNode('Exp', ['c'], ['Y'])], inputs: [x], constants: bounds, output: 'Y', wrt: ['X'] });
    await expectGradient({ nodes: [irNode('Dropout', ['X', 'ratio'], ['d']), irNode('Exp', ['d'], ['Y'])], inputs: [x], constants: bounds, output: 'Y', wrt: ['X'] });
    await expectGradient({
      nodes: [irNode('Sum', ['A', 'B', 'C'], ['s']), irNode('Exp', ['s'], ['Y'])],
      inputs: [input('A', [2, 3], 22), input('B', [3], 23), input('C', [2, 1], 24)],
      output: 'Y',
      wrt: ['A', 'B', 'C'],
    });
  });
  it('Relu away from 0', async () => {
    const x: TestValue = { name: 'X', type: 'double', dims: [2, 3], data: [-1, 0.5, -0.3, 2, 0.1, -0.2] };
    await expectGradient(unary('Relu', x));
  });
  it('Where routes the gradient by the (non-differentiable) condition, with broadcasting', async () => {
    await expectGradient({
      nodes: [irNode('Where', ['C', 'A', 'B'], ['Y'])],
      inputs: [{ name: 'C', type: 'bool', dims: [2, 3], data: [1, 0, 0, 1, 1, 0] }, input('A', [2, 3], 16), input('B', [3], 17)],
      output: 'Y',
      wrt: ['A', 'B'],
    });
  });
  it('accumulates the gradients of a value used several times (x·x + exp(x) + x)', async () => {
    await expectGradient({
      nodes: [irNode('Mul', ['X', 'X'], ['sq']), irNode('Exp', ['X'], ['ex']), irNode('Add', ['sq', 'ex'], ['s']), irNode('Add', ['s', 'X'], ['Y'])],
      inputs: [input('X', [2, 3], 18)],
      output: 'Y',
      wrt: ['X'],
    });
  });
});

describe('elementwise gradient rules in float32', () => {
  it('Erf', async () => {
    await expectGradient({ ...unary('Erf', input('X', [2, 3], 19, -1, 1, 'float')), step: 1e-2 }, 1e-2);
  });
  it('Cast to float and back (gradient cast like the input)', async () => {
    await expectGradient(
      {
        nodes: [
          irNode('Cast', ['X'], ['xf'], { to: attr.int(ONNX_DTYPE.float) }),
          irNode('Mul', ['xf', 'xf'], ['sq']),
          irNode('Cast', ['sq'], ['Y'], { to: attr.int(ONNX_DTYPE.double) }),
        ],
        inputs: [input('X', [2, 3], 20)],
        output: 'Y',
        wrt: ['X'],
        step: 1e-3,
      },
      1e-4,
    );
  });
});
