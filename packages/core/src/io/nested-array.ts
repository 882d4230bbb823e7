import { InseqError } from '../errors/inseq-error';
import { type Tensor, shapeSize } from '../tensor';

/** A tensor as JSON nested arrays; NaN is written `null` (JSON has no NaN). */
export type NestedArray = number | null | NestedArray[];

/** Writes a tensor as row-major nested arrays, NaN as `null`. */
export function tensorToNested(tensor: Tensor): NestedArray {
  const { data, shape } = tensor;
  const build = (axis: number, offset: number): NestedArray => {
    if (axis === shape.length) {
      const value = data[offset];
      return Number.isNaN(value) ? null : value;
    }
    const stride = shapeSize(shape.slice(axis + 1));
    return Array.from({ length: shape[axis] }, (_, i) => build(axis + 1, offset + i * stride));
  };
  return build(0, 0);
}

/**
 * Reads rectangular nested arrays of numbers (`null` or NaN for NaN) as a float32 tensor. Without
 * recursion (any depth ends in a result or this error, never a stack overflow), and checked whole
 * before the buffer is allocated, so a ragged array cannot claim a huge shape.
 *
 * @param where - names the field in errors.
 * @throws InseqError `INVALID_FILE` for ragged arrays or non-numbers.
 */
export function nestedToTensor(nested: unknown, where: string): Tensor {
  const shape: number[] = [];
  for (let level: unknown = nested; Array.isArray(level); level = level[0]) shape.push(level.length);
  const rank = shape.length;
  const leaf = (value: unknown) => {
    if (value !== null && typeof value !== 'number') {
      const shown = Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : JSON.stringify(value).slice(0, 40);
      throw new InseqError(`${where} holds a non-number value ${shown} where its shape [${shape.join(', ')}] puts numbers; expected numbers or null.`, { code: 'INVALID_FILE' });
    }
  };
  const ragged = (axis: number) =>
    new InseqError(`${where} is not a rectangular nested array (ragged at depth ${axis}; the first row along each axis gives the shape [${shape.join(', ')}]).`, { code: 'INVALID_FILE' });
  // Pass 1: the shape holds everywhere and every leaf is a number or null.
  if (rank === 0) leaf(nested);
  const stack: { value: unknown; axis: number }[] = rank === 0 ? [] : [{ value: nested, axis: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, axis } = item;
    if (!Array.isArray(value) || value.length !== shape[axis]) throw ragged(axis);
    if (axis === rank - 1) for (const child of value) leaf(child);
    else for (const child of value) stack.push({ value: child, axis: axis + 1 });
  }
  // Pass 2: copy the leaves in row-major order (children pushed in reverse so the first pops first).
  const data = new Float32Array(shapeSize(shape));
  if (rank === 0) {
    data[0] = nested === null ? Number.NaN : (nested as number);
    return { data, shape };
  }
  let index = 0;
  const rows: { value: unknown[]; axis: number }[] = [{ value: nested as unknown[], axis: 0 }];
  for (let item = rows.pop(); item !== undefined; item = rows.pop()) {
    const { value, axis } = item;
    if (axis === rank - 1) {
      for (const child of value) data[index++] = child === null ? Number.NaN : (child as number);
    } else {
      for (let i = value.length - 1; i >= 0; i--) rows.push({ value: value[i] as unknown[], axis: axis + 1 });
    }
  }
  return { data, shape };
}
