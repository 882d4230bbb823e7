import { MissingCapabilityError, float16BitsToFloat32 } from '@inseq/core';
import { type OnnxTensorFields, onnxTensorFields } from '../onnx/read-onnx-initializer';
import { ONNX_DTYPE, type IrInitializer, type IrTensor } from './onnx-ir';

/** `TensorProto.DataType` codes beyond {@link ONNX_DTYPE} that the float32 upcast reads (onnx.proto). */
export const BFLOAT16 = 16;

/** Bytes per element of the types {@link floatValues} decodes. */
const elementBytes: Readonly<Record<number, number>> = {
  [ONNX_DTYPE.float]: 4,
  [ONNX_DTYPE.uint8]: 1,
  [ONNX_DTYPE.int8]: 1,
  [ONNX_DTYPE.int32]: 4,
  [ONNX_DTYPE.float16]: 2,
  [BFLOAT16]: 2,
};

/**
 * The external data files of a model by `location` (as its initializers name them), whole, for
 * reading tensors stored there without a round trip per tensor.
 */
export type ExternalFiles = ReadonlyMap<string, Uint8Array>;

/** The fields of an initializer or tensor attribute, whether kept as `TensorProto` bytes or built as an {@link IrTensor}. */
export function tensorFields(tensor: IrInitializer | IrTensor | { readonly proto: Uint8Array }): OnnxTensorFields {
  if ('proto' in tensor) return onnxTensorFields(tensor.proto);
  const t = 'tensor' in tensor ? tensor.tensor : tensor;
  return { name: t.name, dataType: t.dataType, dims: [...t.dims], raw: t.raw, floats: [], int32s: [] };
}

/** Element count of `dims`. */
export function sizeOf(dims: readonly number[]): number {
  return dims.reduce((product, dim) => product * dim, 1);
}

/**
 * The little-endian bytes of a tensor stored as `raw_data` or as external data found in
 * `external`; `undefined` when the values sit in typed fields (`float_data`, `int32_data`).
 *
 * @throws MissingCapabilityError when the tensor's external data file was not supplied or is short.
 */
export function rawBytes(tensor: OnnxTensorFields, external: ExternalFiles | undefined, byteLength: number): Uint8Array | undefined {
  if (!tensor.external) return tensor.raw;
  const location = tensor.external.location ?? '';
  const file = external?.get(location);
  const offset = Number(tensor.external.offset ?? 0);
  const length = tensor.external.length === undefined ? byteLength : Number(tensor.external.length);
  if (!file || offset + length > file.byteLength) {
    throw new MissingCapabilityError(
      `The float32 upcast needs the values of '${tensor.name}', stored in the external data file '${location}', which ` +
        (file ? `holds ${file.byteLength} bytes, fewer than the ${offset + length} the tensor needs.` : 'was not supplied.'),
    );
  }
  return file.subarray(offset, offset + length);
}

/**
 * The values of a float32, float16, bfloat16, uint8, int8 or int32 tensor as float32 (exact for
 * every one of these types), from raw, typed or external data.
 *
 * @throws MissingCapabilityError for another element type, data that does not match the dims, or
 *   external data that is missing.
 */
export function floatValues(tensor: OnnxTensorFields, external?: ExternalFiles): Float32Array {
  const width = elementBytes[tensor.dataType];
  const size = sizeOf(tensor.dims);
  if (width === undefined) {
    throw new MissingCapabilityError(
      `The float32 upcast reads float, float16, bfloat16, uint8, int8 and int32 tensors; '${tensor.name}' has ONNX data type ${tensor.dataType}.`,
    );
  }
  const raw = rawBytes(tensor, external, size * width);
  let values: Float32Array;
  if (raw) {
    if (raw.byteLength !== size * width) {
      throw new MissingCapabilityError(`Tensor '${tensor.name}' has ${raw.byteLength} bytes for dims [${tensor.dims.join(', ')}] of ${width}-byte elements.`);
    }
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    values = tensor.dataType === ONNX_DTYPE.float16 ? new Float32Array(0) : new Float32Array(size);
    switch (tensor.dataType) {
      case ONNX_DTYPE.float: for (let i = 0; i < size; i++) values[i] = view.getFloat32(i * 4, true); break;
      case ONNX_DTYPE.uint8: for (let i = 0; i < size; i++) values[i] = raw[i]; break;
      case ONNX_DTYPE.int8: for (let i = 0; i < size; i++) values[i] = view.getInt8(i); break;
      case ONNX_DTYPE.int32: for (let i = 0; i < size; i++) values[i] = view.getInt32(i * 4, true); break;
      case ONNX_DTYPE.float16: {
        // ONNX raw data is little-endian, as typed arrays are on every platform ORT runs on; an
        // aligned view avoids a per-element DataView read.
        const bits = raw.byteOffset % 2 === 0 ? new Uint16Array(raw.buffer, raw.byteOffset, size) : Uint16Array.from({ length: size }, (_, i) => view.getUint16(i * 2, true));
        values = float16BitsToFloat32(bits);
        break;
      }
      default: {
        // bfloat16 is the top half of a float32: shifting its bits up is exact.
        const words = new Uint32Array(values.buffer);
        for (let i = 0; i < size; i++) words[i] = view.getUint16(i * 2, true) << 16;
      }
    }
  } else if (tensor.dataType === ONNX_DTYPE.float) {
    values = Float32Array.from(tensor.floats);
  } else if (tensor.dataType === ONNX_DTYPE.float16 || tensor.dataType === BFLOAT16) {
    // onnx.proto keeps non-raw 16-bit floats as their bit patterns in int32_data.
    const bits = Uint16Array.from(tensor.int32s);
    if (tensor.dataType === ONNX_DTYPE.float16) values = float16BitsToFloat32(bits);
    else values = new Float32Array(Uint32Array.from(bits, (b) => b << 16).buffer);
  } else {
    // The protobuf walk reads int32_data unsigned: a negative int8 / int32 there cannot be told apart.
    if (tensor.int32s.some((value) => value > 2 ** 31)) {
      throw new MissingCapabilityError(`Tensor '${tensor.name}' stores negative integers in int32_data, which the float32 upcast cannot read; exporters write raw_data.`);
    }
    values = Float32Array.from(tensor.int32s);
  }
  if (values.length !== size) {
    throw new MissingCapabilityError(`Tensor '${tensor.name}' holds ${values.length} values for dims [${tensor.dims.join(', ')}].`);
  }
  return values;
}
