/**
 * Rows `indices` of a `[rows, …]` tensor (ids, masks, embeddings), in that order: how methods
 * expand a step's batch into the many points they evaluate.
 */
export function selectRows<T extends Float32Array | Int32Array>(
  tensor: { readonly data: T; readonly shape: readonly number[] },
  indices: ArrayLike<number>,
): { data: T; shape: number[] } {
  const rowSize = tensor.shape.slice(1).reduce((a, b) => a * b, 1);
  const data = new (tensor.data.constructor as new (length: number) => T)(indices.length * rowSize);
  for (let r = 0; r < indices.length; r++) {
    data.set(tensor.data.subarray(indices[r] * rowSize, (indices[r] + 1) * rowSize), r * rowSize);
  }
  return { data, shape: [indices.length, ...tensor.shape.slice(1)] };
}
