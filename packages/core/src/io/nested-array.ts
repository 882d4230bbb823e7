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
 * Reads rectangular nested arrays of numbers (`null` or NaN for NaN) as a float32 tensor.
 *
 * @param where - names the field in errors.
 * @throws InseqError `INVALID_FILE` for ragged arrays or non-numbers.
 */
export function nestedToTensor(nested: unknown, where: string): Tensor {
  const shape: number[] = [];
  for (let level: unknown = nested; Array.isArray(level); level = level[0]) shape.push(level.length);
  const data = new Float32Array(shapeSize(shape));
  let index = 0;
  const walk = (value: unknown, axis: number) => {
    if (axis === shape.length) {
      if (value !== null && typeof value !== 'number') {
        throw new InseqError(`${where} holds a non-number value ${JSON.stringify(value)}; expected numbers or null.`, { code: 'INVALID_FILE' });
      }
      data[index++] = value === null ? Number.NaN : value;
      return;
    }
    if (!Array.isArray(value) || value.length !== shape[axis]) {
      throw new InseqError(`${where} is not a rectangular nested array (ragged at depth ${axis}).`, { code: 'INVALID_FILE' });
    }
    for (const item of value) walk(item, axis + 1);
  };
  walk(nested, 0);
  return { data, shape };
}
