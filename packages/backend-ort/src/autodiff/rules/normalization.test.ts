import { describe, it } from 'vitest';
import { attr } from '../gradient-rule';
import { expectGradient, irNode, testInput } from '../gradient-test-support.test-support';

const MS = 'com.microsoft';

describe('normalization gradient rules against central finite differences', () => {
  it('LayerNormalization (double) over the last axis and over the last two', async () => {
    await expectGradient({
      nodes: [irNode('LayerNormalization', ['X', 'S', 'B'], ['n'], { axis: attr.int(-1), epsilon: attr.float(1e-5) }), irNode('Mul', ['n', 'W'], ['Y'])],
      inputs: [testInput('X', [2, 3, 4], 1), testInput('S', [4], 2), testInput('B', [4], 3), testInput('W', [2, 3, 4], 4)],
      output: 'Y',
      wrt: ['X', 'S', 'B'],
    });
    await expectGradient({
      nodes: [irNode('LayerNormalization', ['X', 'S', 'B'], ['n'], { axis: attr.int(1) }), irNode('Mul', ['n', 'W'], ['Y'])],
      inputs: [testInput('X', [2, 3, 4], 5), testInput('S', [3, 4], 6), testInput('B', [3, 4], 7), testInput('W', [2, 3, 4], 8)],
      output: 'Y',
      wrt: ['X', 'S', 'B'],
    });
  });
  it('SimplifiedLayerNormalization (RMSNorm, float32)', async () => {
    await expectGradient(
      {
        nodes: [irNode('SimplifiedLayerNormalization', ['X', 'S'], ['n'], { axis: attr.int(-1), epsilon: attr.float(1e-5) }), irNode('Mul', ['n', 'W'], ['Y'])],
        inputs: [testInput('X', [2, 3, 4], 9, -1, 1, 'float'), testInput('S', [4], 10, -1, 1, 'float'), testInput('W', [2, 3, 4], 11, -1, 1, 'float')],
        output: 'Y',
        wrt: ['X', 'S'],
        step: 1e-2,
      },
      1e-2,
    );
  });
  it('com.microsoft SkipLayerNormalization with beta, bias and the sum output used (float32)', async () => {
    await expectGradient(
      {
        nodes: [
          irNode('SkipLayerNormalization', ['X', 'K', 'G', 'Be', 'Bi'], ['n', '', '', 'sum'], { epsilon: attr.float(1e-5) }, MS),
          irNode('Mul', ['n', 'W'], ['nw']),
          irNode('Mul', ['sum', 'W'], ['sw']),
          irNode('Add', ['nw', 'sw'], ['Y']),
        ],
        inputs: [
          testInput('X', [2, 3, 4], 12, -1, 1, 'float'),
          testInput('K', [2, 3, 4], 13, -1, 1, 'float'),
          testInput('G', [4], 14, -1, 1, 'float'),
          testInput('Be', [4], 15, -1, 1, 'float'),
          testInput('Bi', [4], 16, -1, 1, 'float'),
          testInput('W', [2, 3, 4], 17, -1, 1, 'float'),
        ],
        output: 'Y',
        wrt: ['X', 'K', 'G', 'Be', 'Bi'],
        step: 1e-2,
      },
      1e-2,
    );
  });
  it('com.microsoft SkipSimplifiedLayerNormalization (float32)', async () => {
    await expectGradient(
      {
        nodes: [irNode('SkipSimplifiedLayerNormalization', ['X', 'K', 'G'], ['n'], { epsilon: attr.float(1e-5) }, MS), irNode('Mul', ['n', 'W'], ['Y'])],
        inputs: [testInput('X', [2, 3, 4], 18, -1, 1, 'float'), testInput('K', [2, 3, 4], 19, -1, 1, 'float'), testInput('G', [4], 20, -1, 1, 'float'), testInput('W', [2, 3, 4], 21, -1, 1, 'float')],
        output: 'Y',
        wrt: ['X', 'K', 'G'],
        step: 1e-2,
      },
      1e-2,
    );
  });
});
