import { shapeSize, type Tensor } from '../tensor';

/** A copy of `tensor` keeping, along `axis`, the given positions in the given order. */
export function selectAlongAxis(tensor: Tensor, axis: number, positions: readonly number[]): Tensor {
  const outer = shapeSize(tensor.shape.slice(0, axis));
  const length = tensor.shape[axis];
  const inner = shapeSize(tensor.shape.slice(axis + 1));
  const data = new Float32Array(outer * positions.length * inner);
  for (let o = 0; o < outer; o++) {
    positions.forEach((position, i) => {
      const from = (o * length + position) * inner;
      data.set(tensor.data.subarray(from, from + inner), (o * positions.length + i) * inner);
    });
  }
  const shape = [...tensor.shape];
  shape[axis] = positions.length;
  return { data, shape };
}

/** `[start, start + 1, …, end - 1]`. */
export function span(start: number, end: number): number[] {
  return Array.from({ length: Math.max(0, end - start) }, (_, i) => start + i);
}
