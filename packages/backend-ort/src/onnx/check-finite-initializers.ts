import { type NonFiniteCount, type NonFiniteTensor, countNonFinite, emptyNonFiniteCount, isBadNonFiniteCount } from '@inseq/core';
import type { OnnxGraph } from './read-onnx-graph';
import { type ExternalDataReader, onnxElementCount, onnxTensorFields } from './read-onnx-initializer';

// TensorProto.DataType of the float types checked: FLOAT 1, FLOAT16 10, DOUBLE 11, BFLOAT16 16.
const widths: Readonly<Record<number, number>> = { 1: 4, 10: 2, 11: 8, 16: 2 };

/** External data is scanned in chunks of this many bytes, so a large file is never held whole. */
const chunkBytes = 16 * 1024 * 1024;

/** Counts the non-finite values of little-endian `bytes` of `dataType` (a whole number of elements) into `into`. */
function countRaw(dataType: number, bytes: Uint8Array, into: NonFiniteCount): void {
  if (dataType === 1) {
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    countNonFinite(new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4), into);
    return;
  }
  if (dataType === 11) {
    const aligned = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
    countNonFinite(new Float64Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 8), into);
    return;
  }
  // float16 (exponent 0x7c00) and bfloat16 (0x7f80): all exponent bits set is ±∞ (mantissa 0) or NaN.
  const exponent = dataType === 10 ? 0x7c00 : 0x7f80;
  const mantissa = dataType === 10 ? 0x03ff : 0x007f;
  const start = into.total;
  const count = bytes.byteLength / 2;
  for (let i = 0; i < count; i++) {
    const bits = bytes[2 * i] | (bytes[2 * i + 1] << 8);
    if ((bits & 0x7fff) === 0) continue;
    if ((bits & exponent) !== exponent) {
      into.nonZeroFinite++;
      continue;
    }
    if (into.first < 0) into.first = start + i;
    if ((bits & mantissa) !== 0) into.nan++;
    else if (bits & 0x8000) into.negativeInfinity++;
    else into.positiveInfinity++;
  }
  into.total = start + count;
}

/** Every initializer of `graph` and its subgraphs (If branches of merged decoders), with its `TensorProto` bytes. */
function* allInitializers(graph: OnnxGraph): Generator<[string, Uint8Array]> {
  yield* graph.initializers;
  for (const node of graph.nodes) for (const attribute of node.attributes.values()) for (const sub of attribute.graphs ?? []) yield* allInitializers(sub);
}

/**
 * The float initializers (float32, float16, bfloat16, float64) of an ONNX graph that hold NaN or
 * ±∞ (an additive mask of only 0 and −∞ excepted), stored inline or in external data, which is
 * read through `readExternal` in 16 MiB chunks: one linear pass over the weights, at load.
 * Integer (quantized) initializers cannot be non-finite; their float scales are checked.
 * Initializers whose storage the walk cannot size (external data missing or short, dims that do
 * not match) are left to ONNX Runtime, which refuses them itself.
 */
export async function findNonFiniteInitializers(graph: OnnxGraph, readExternal: ExternalDataReader): Promise<NonFiniteTensor[]> {
  const found: NonFiniteTensor[] = [];
  for (const [name, bytes] of allInitializers(graph)) {
    const tensor = onnxTensorFields(bytes);
    const width = widths[tensor.dataType];
    if (width === undefined) continue;
    const size = onnxElementCount(tensor.dims);
    if (size === undefined) continue;
    const count = emptyNonFiniteCount();
    if (tensor.external) {
      const location = tensor.external.location;
      const offset = Number(tensor.external.offset ?? 0);
      if (location === undefined || !Number.isSafeInteger(offset) || offset < 0) continue;
      const total = size * width;
      const step = chunkBytes - (chunkBytes % width);
      for (let done = 0; done < total; done += step) {
        const chunk = await readExternal(location, offset + done, Math.min(step, total - done));
        if (!chunk || chunk.byteLength !== Math.min(step, total - done)) break;
        countRaw(tensor.dataType, chunk, count);
      }
    } else if (tensor.raw) {
      if (tensor.raw.byteLength !== size * width) continue;
      countRaw(tensor.dataType, tensor.raw, count);
    } else if (tensor.dataType === 1) {
      countNonFinite(tensor.floats, count);
    } else if (tensor.dataType === 10 || tensor.dataType === 16) {
      // Non-raw float16 / bfloat16 values are their bit patterns in int32_data.
      const bits = new Uint8Array(tensor.int32s.length * 2);
      tensor.int32s.forEach((value, i) => {
        bits[2 * i] = value & 0xff;
        bits[2 * i + 1] = (value >> 8) & 0xff;
      });
      countRaw(tensor.dataType, bits, count);
    }
    if (isBadNonFiniteCount(count)) found.push({ name, count });
  }
  return found;
}
