import { describe, expect, it } from 'vitest';
import { attr } from '../gradient-rule';
import { type GradientCase, type TestValue, expectGradient, irNode, testInput } from '../gradient-test-support.test-support';

const matmul = (a: TestValue, b: TestValue): GradientCase => ({ nodes: [irNode('MatMul', ['A', 'B'], ['Y'])], inputs: [a, b], output: 'Y', wrt: ['A', 'B'] });

describe('matmul gradient rules against central finite differences (double)', () => {
  it('MatMul of matrices', async () => {
    await expectGradient(matmul(testInput('A', [3, 4], 1), testInput('B', [4, 2], 2)));
  });
  it('MatMul of a batch by a matrix (a linear layer): the matrix gradient sums over the batch', async () => {
    await expectGradient(matmul(testInput('A', [2, 3, 4], 3), testInput('B', [4, 5], 4)));
  });
  it('MatMul broadcasting both batch shapes ([2,1,3,4] @ [3,4,2])', async () => {
    await expectGradient(matmul(testInput('A', [2, 1, 3, 4], 5), testInput('B', [3, 4, 2], 6)));
  });
  it('MatMul in float32 reads operands transposed in place (com.microsoft FusedMatMul), batched and broadcast', async () => {
    const f32 = (name: string, dims: number[], seed: number) => testInput(name, dims, seed, -1, 1, 'float');
    for (const [a, b] of [
      [[3, 4], [4, 2]],
      [[2, 3, 4], [4, 5]],
      [[2, 1, 3, 4], [3, 4, 2]],
    ]) {
      // Central differences of a bilinear function are exact up to float32 rounding.
      const check = await expectGradient({ ...matmul(f32('A', a, 17), f32('B', b, 18)), step: 1e-2 }, 1e-3);
      expect(check.gradientNodes.filter((node) => node.opType === 'FusedMatMul' && node.domain === 'com.microsoft')).toHaveLength(2);
      expect(check.gradientNodes.some((node) => node.opType === 'Einsum' || node.opType === 'Transpose')).toBe(false);
    }
  });
  it('Gemm with every transA / transB, alpha, beta and a broadcast C', async () => {
    for (const transA of [0, 1]) {
      for (const transB of [0, 1]) {
        const a = testInput('A', transA ? [4, 3] : [3, 4], 7 + transA);
        const b = testInput('B', transB ? [2, 4] : [4, 2], 9 + transB);
        await expectGradient({
          nodes: [irNode('Gemm', ['A', 'B', 'C'], ['Y'], { transA: attr.int(transA), transB: attr.int(transB), alpha: attr.float(0.75), beta: attr.float(1.5) })],
          inputs: [a, b, testInput('C', [2], 11)],
          output: 'Y',
          wrt: ['A', 'B', 'C'],
        });
      }
    }
  });
  it('Gemm without C, and with a full C', async () => {
    await expectGradient({ nodes: [irNode('Gemm', ['A', 'B'], ['Y'], { transB: attr.int(1) })], inputs: [testInput('A', [3, 4], 12), testInput('B', [2, 4], 13)], output: 'Y', wrt: ['A', 'B'] });
    await expectGradient({ nodes: [irNode('Gemm', ['A', 'B', 'C'], ['Y'])], inputs: [testInput('A', [3, 4], 14), testInput('B', [4, 2], 15), testInput('C', [3, 2], 16)], output: 'Y', wrt: ['A', 'B', 'C'] });
  });
});
