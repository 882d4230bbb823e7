import { MissingCapabilityError } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { buildGradientGraph } from './gradient-builder';
import { attr } from './gradient-rule';
import { type TestValue, checkGradient, expectGradient, irNode, testInput } from './gradient-test-support.test-support';
import { ONNX_DTYPE, type IrGraph, type IrNode } from './onnx-ir';

const ints = (name: string, data: number[], dims = [data.length]): TestValue => ({ name, type: 'int64', dims, data });
const graphOf = (nodes: IrNode[], inputs: string[]): IrGraph => ({
  name: 'g',
  nodes,
  inputs: inputs.map((name) => ({ name, dataType: ONNX_DTYPE.float })),
  outputs: [{ name: 'Y', dataType: ONNX_DTYPE.float }],
  initializers: [],
  valueInfo: [],
});

describe('buildGradientGraph', () => {
  it('prunes the shape branch (Shape → Gather → Concat → Reshape target) and an ids path', async () => {
    const nodes = [
      irNode('Shape', ['X'], ['shape']),
      irNode('Gather', ['shape', 'zero'], ['batch'], { axis: attr.int(0) }),
      irNode('Concat', ['batch', 'rest'], ['target'], { axis: attr.int(0) }),
      irNode('Reshape', ['X', 'target'], ['r']),
      irNode('Gather', ['E', 'ids'], ['emb']),
      irNode('Add', ['r', 'emb'], ['h']),
      irNode('Tanh', ['h'], ['Y']),
    ];
    const check = await expectGradient({
      nodes,
      inputs: [testInput('X', [2, 6], 1), testInput('E', [4, 3, 2], 2), ints('ids', [3, 3])],
      constants: [ints('zero', [0]), ints('rest', [3, 2])],
      output: 'Y',
      wrt: ['X', 'E'],
    });
    const shapeValues = new Set(['shape', 'batch', 'target']);
    expect(check.gradientNodes.some((node) => node.inputs.some((input) => shapeValues.has(input)) && node.opType !== 'Reshape')).toBe(false);
  });

  it('differentiates with respect to an intermediate value and gives zeros to a wrt that does not reach the output', async () => {
    const check = await checkGradient({
      nodes: [irNode('Mul', ['A', 'A'], ['sq']), irNode('Exp', ['sq'], ['Y']), irNode('Neg', ['B'], ['unused'])],
      inputs: [testInput('A', [2, 3], 3), testInput('B', [3], 4)],
      output: 'Y',
      wrt: ['A', 'B'],
    });
    expect(check.maxError).toBeLessThan(1e-6);
    expect(check.analytic.B).toEqual([0, 0, 0]);
    const built = buildGradientGraph(graphOf([irNode('Mul', ['A', 'A'], ['sq']), irNode('Exp', ['sq'], ['Y'])], ['A']), { output: 'Y', seed: 'dY', wrt: ['sq', 'A'] });
    expect(built.nodes.map((node) => node.opType)).toContain('Mul');
    expect(Object.keys(built.gradients)).toEqual(['sq', 'A']);
  });

  it.each([true, false])('sums broadcast gradients back to each input (shapes known at build time: %s)', async (declareShapes) => {
    // x [2,3,1] · w [2,3,4] + bias [4] + c [1,1,4]; Expand of a [3,1] to [2,3,4].
    const check = await expectGradient({
      nodes: [
        irNode('Mul', ['x', 'w'], ['xw']),
        irNode('Add', ['xw', 'bias'], ['h']),
        irNode('Sub', ['h', 'c'], ['k']),
        irNode('Expand', ['a', 'shape'], ['ae']),
        irNode('Mul', ['k', 'ae'], ['Y']),
      ],
      inputs: [testInput('x', [2, 3, 1], 1), testInput('w', [2, 3, 4], 2), testInput('bias', [4], 3), testInput('c', [1, 1, 4], 4), testInput('a', [3, 1], 5)],
      constants: [ints('shape', [2, 3, 4])],
      output: 'Y',
      wrt: ['x', 'w', 'bias', 'c', 'a'],
      declareShapes,
    });
    // Known shapes: constant reduction axes, no run-time search for them.
    expect(check.gradientNodes.some((node) => node.opType === 'NonZero')).toBe(!declareShapes);
  });

  it('drops the gradients no wrt reads: a weight MatMul gets dX = dY·Wᵀ only, not dW = Xᵀ·dY', () => {
    const graph: IrGraph = { ...graphOf([irNode('MatMul', ['X', 'W'], ['h']), irNode('Tanh', ['h'], ['Y'])], ['X']), initializers: [] };
    const built = buildGradientGraph(graph, { output: 'Y', seed: 'dY', wrt: ['X'] });
    // One product, dY·Wᵀ (a FusedMatMul reading W transposed in float32); Xᵀ·dY is not built.
    expect(built.nodes.filter((node) => node.opType === 'MatMul' || node.opType === 'FusedMatMul')).toHaveLength(1);
    expect(built.nodes.find((node) => node.opType === 'FusedMatMul')?.inputs[1]).toBe('W');
    // X is read only by the weight's gradient; X's own gradient reads only its shape.
    expect(built.nodes.filter((node) => node.inputs.includes('X')).map((node) => node.opType)).toEqual(['Shape']);
  });

  it('takes a seed of any shape: an encoder-like [batch, source, hidden] output differentiated with a [2, 3, 4] seed', async () => {
    await expectGradient({
      nodes: [
        irNode('MatMul', ['X', 'W'], ['h']),
        irNode('LayerNormalization', ['h', 'scale', 'bias'], ['n'], { axis: attr.int(-1), epsilon: attr.float(1e-5) }),
        irNode('Sigmoid', ['n'], ['s']),
        irNode('Mul', ['n', 's'], ['Y']),
      ],
      inputs: [testInput('X', [2, 3, 4], 21), testInput('W', [4, 4], 22), testInput('scale', [4], 23), testInput('bias', [4], 24)],
      output: 'Y',
      wrt: ['X'],
    });
  });

  it('names every generated value, node and constant uniquely under the prefix', () => {
    const built = buildGradientGraph(graphOf([irNode('Mul', ['A', 'A'], ['s']), irNode('Sigmoid', ['s'], ['Y'])], ['A']), { output: 'Y', seed: 'dY', wrt: ['A'] });
    const names = [...built.nodes.flatMap((node) => [node.name, ...node.outputs]), ...built.initializers.map((init) => init.name)];
    expect(new Set(names).size).toBe(names.length);
    expect(names.every((name) => name.startsWith('grad/'))).toBe(true);
    expect(built.gradients.A?.startsWith('grad/')).toBe(true);
  });

  it('throws a capability error naming the op and the node when an op on the path has no rule; ops off the path need none', () => {
    const onPath = irNode('Atan', ['A'], ['c']);
    const graph = graphOf([onPath, irNode('Mul', ['c', 'B'], ['Y'])], ['A', 'B']);
    expect(() => buildGradientGraph(graph, { output: 'Y', seed: 'dY', wrt: ['A'] })).toThrow(MissingCapabilityError);
    expect(() => buildGradientGraph(graph, { output: 'Y', seed: 'dY', wrt: ['A'] })).toThrow(new RegExp(`'Atan'.*'${onPath.name}'`));
    // Only B is differentiated: Atan lies on no path from B.
    expect(() => buildGradientGraph(graph, { output: 'Y', seed: 'dY', wrt: ['B'] })).not.toThrow();
  });

  it('refuses opsets below 13', () => {
    expect(() => buildGradientGraph(graphOf([irNode('Exp', ['A'], ['Y'])], ['A']), { output: 'Y', seed: 'dY', wrt: ['A'], opsetVersion: 12 })).toThrow(MissingCapabilityError);
  });

  it('chains a small transformer block (LayerNorm → MatMul → Softmax attention-like mix → Gelu) against finite differences', async () => {
    await expectGradient(
      {
        nodes: [
          irNode('LayerNormalization', ['X', 'S', 'B'], ['n']),
          irNode('MatMul', ['n', 'Wq'], ['q']),
          irNode('Transpose', ['n'], ['nt'], { perm: attr.ints([0, 2, 1]) }),
          irNode('MatMul', ['q', 'nt'], ['scores']),
          irNode('Softmax', ['scores'], ['p'], { axis: attr.int(-1) }),
          irNode('MatMul', ['p', 'n'], ['mixed']),
          irNode('Add', ['mixed', 'X'], ['res']),
          irNode('Gelu', ['res'], ['act'], {}, 'com.microsoft'),
          irNode('ReduceSum', ['act', 'axes'], ['Y'], { keepdims: attr.int(0) }),
        ],
        inputs: [
          testInput('X', [2, 3, 4], 5, -1, 1, 'float'),
          testInput('S', [4], 6, 0.5, 1.5, 'float'),
          testInput('B', [4], 7, -1, 1, 'float'),
          testInput('Wq', [4, 4], 8, -1, 1, 'float'),
        ],
        constants: [ints('axes', [-1])],
        output: 'Y',
        wrt: ['X', 'S', 'B', 'Wq'],
        step: 1e-2,
      },
      1e-2,
    );
  });
});
