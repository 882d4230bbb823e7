import { expect } from 'vitest';

/**
 * `toEqual` on typed arrays, byte for byte: vitest's generic deep equality walks them element by
 * element through its iterable protocol, which made comparing a model's bytes or a tensor's data
 * most of some tests' time. Same verdicts as `Object.is` per element (so +0 ≠ -0, NaN = NaN), except
 * that NaNs with different payload bits differ.
 */
function typedArraysEqual(a: unknown, b: unknown): boolean | undefined {
  const viewA = ArrayBuffer.isView(a) && !(a instanceof DataView);
  const viewB = ArrayBuffer.isView(b) && !(b instanceof DataView);
  if (!viewA || !viewB) return undefined;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const x = a as ArrayBufferView & { length: number };
  const y = b as ArrayBufferView & { length: number };
  if (x.length !== y.length || x.byteLength !== y.byteLength) return false;
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}

const installed = Symbol.for('inseq.vitest.typedArrayTester');
const scope = globalThis as { [installed]?: boolean };
if (!scope[installed]) {
  scope[installed] = true;
  expect.addEqualityTesters([typedArraysEqual]);
}
