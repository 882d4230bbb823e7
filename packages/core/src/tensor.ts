/**
 * The tensor that crosses package borders: a flat row-major buffer and its shape. Backends keep
 * their own tensor types inside and convert at the seam; nothing else is shared.
 */
export interface Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/** Integer tensor for token ids and masks, row-major like {@link Tensor}. */
export interface IntTensor {
  readonly data: Int32Array;
  readonly shape: readonly number[];
}

/** Number of elements of a shape. */
export function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}

/** Makes a {@link Tensor}, checking that the buffer length equals the product of the shape. */
export function createTensor(data: Float32Array | number[], shape: readonly number[]): Tensor {
  const buffer = data instanceof Float32Array ? data : Float32Array.from(data);
  if (buffer.length !== shapeSize(shape)) {
    throw new RangeError(`Tensor data has ${buffer.length} elements but shape [${shape.join(', ')}] needs ${shapeSize(shape)}.`);
  }
  return { data: buffer, shape: [...shape] };
}

/** Makes an {@link IntTensor} from rows of equal length, e.g. `[batch, sequenceLength]` ids. */
export function intTensorFromRows(rows: readonly (readonly number[])[]): IntTensor {
  const width = rows.length === 0 ? 0 : rows[0].length;
  const data = new Int32Array(rows.length * width);
  rows.forEach((row, i) => {
    if (row.length !== width) throw new RangeError(`Row ${i} has length ${row.length}, expected ${width}.`);
    data.set(row, i * width);
  });
  return { data, shape: [rows.length, width] };
}

/** Row `index` of the leading axis, as a view (no copy). */
export function tensorRow(tensor: Tensor, index: number): Tensor {
  const inner = tensor.shape.slice(1);
  const size = shapeSize(inner);
  return { data: tensor.data.subarray(index * size, (index + 1) * size), shape: inner };
}
