import { InseqError } from '../../errors/inseq-error';
import { type Tensor, shapeSize } from '../../tensor';
import { base64ToBytes } from '../base64';
import { gunzip } from '../gzip';
import { nestedToTensor } from '../nested-array';
import { decodeSafetensors } from '../safetensors/decode-safetensors';
import { decodeTensorData } from '../safetensors/decode-tensor-data';
import { type SafetensorsDtype, safetensorsDtypeSizes } from '../safetensors/safetensors-dtype';

/** numpy dtype names (as `str(array.dtype)` writes them) and their safetensors equivalents. */
const numpyDtypes: Readonly<Record<string, SafetensorsDtype>> = Object.freeze({
  float64: 'F64',
  float32: 'F32',
  float16: 'F16',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint64: 'U64',
  uint32: 'U32',
  uint16: 'U16',
  uint8: 'U8',
  bool: 'BOOL',
});

/** The tensor name Inseq's `convert_to_safetensor` writes in each blob. */
export const INSEQ_SAFETENSOR_NAME = 'attribution';

/**
 * Reads one tensor field of a Python Inseq file, in any layout Inseq has written:
 * - a base64 string of a safetensors blob (Inseq ≥ 0.6, `scores_precision` float32/float16/float8);
 * - a `{"__ndarray__", "dtype", "shape", "Corder"}` object (older files; data as a list or as a
 *   `b64:` / `b64.gz:` string of the raw little-endian array);
 * - nested lists (`use_primitives=True`), where NaN was written as a bare `NaN`;
 * - `null` (absent).
 *
 * Quantised float8 blobs are dequantised: `I8`/`U8` with `scale` and `zero_point` (or `zeropoint`)
 * metadata as `(q - zero_point) × scale`, and `F8_E4M3` with a `scale` as `q × scale`.
 *
 * @param where - the field's path, named in errors.
 */
export async function decodeInseqTensor(value: unknown, where: string): Promise<Tensor | null> {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return fromSafetensorsBase64(value, where);
  if (Array.isArray(value) || typeof value === 'number') return nestedToTensor(value, `Field '${where}'`);
  if (typeof value === 'object' && '__ndarray__' in value) return fromNdarray(value as Record<string, unknown>, where);
  throw new InseqError(
    `Field '${where}' holds ${JSON.stringify(value).slice(0, 80)}; expected a base64 safetensors string, an __ndarray__ object, nested lists or null.`, { code: 'INVALID_FILE' },
  );
}

function fromSafetensorsBase64(text: string, where: string): Tensor {
  const field = `Field '${where}'`;
  const { tensors, metadata } = decodeSafetensors(base64ToBytes(text, field), { name: field });
  const tensor = tensors.get(INSEQ_SAFETENSOR_NAME) ?? (tensors.size === 1 ? [...tensors.values()][0] : undefined);
  if (!tensor) {
    throw new InseqError(
      `${field} holds a safetensors blob with tensors [${[...tensors.keys()].join(', ')}]; expected one tensor named '${INSEQ_SAFETENSOR_NAME}'.`, { code: 'INVALID_FILE' },
    );
  }
  const data = tensor.data;
  const scale = metadataNumber(metadata, ['scale'], field);
  if ((tensor.dtype === 'I8' || tensor.dtype === 'U8') && scale !== undefined) {
    const zeroPoint = metadataNumber(metadata, ['zero_point', 'zeropoint'], field) ?? 0;
    for (let i = 0; i < data.length; i++) data[i] = (data[i] - zeroPoint) * scale;
  } else if (tensor.dtype === 'F8_E4M3' && scale !== undefined) {
    for (let i = 0; i < data.length; i++) data[i] *= scale;
  }
  return { data, shape: tensor.shape };
}

function metadataNumber(metadata: Record<string, string>, keys: string[], field: string): number | undefined {
  const key = keys.find((candidate) => candidate in metadata);
  if (key === undefined) return undefined;
  const value = Number(metadata[key]);
  if (!Number.isFinite(value)) {
    throw new InseqError(`${field} has safetensors metadata ${key}=${JSON.stringify(metadata[key])}; expected a finite number.`, { code: 'INVALID_FILE' });
  }
  return value;
}

async function fromNdarray(object: Record<string, unknown>, where: string): Promise<Tensor> {
  const field = `Field '${where}'`;
  const { __ndarray__: payload, dtype, shape, Corder: cOrder } = object;
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    throw new InseqError(`${field} is an __ndarray__ with shape ${JSON.stringify(shape)}; expected non-negative integers.`, { code: 'INVALID_FILE' });
  }
  const dims = shape as number[];
  let tensor: Tensor;
  if (typeof payload === 'string') {
    const stored = typeof dtype === 'string' ? numpyDtypes[dtype] : undefined;
    if (!stored) {
      throw new InseqError(
        `${field} is an __ndarray__ of dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(numpyDtypes).join(', ')}.`, { code: 'INVALID_FILE' },
      );
    }
    let bytes: Uint8Array;
    if (payload.startsWith('b64.gz:')) bytes = await gunzip(base64ToBytes(payload.slice(7), field), field);
    else if (payload.startsWith('b64:')) bytes = base64ToBytes(payload.slice(4), field);
    else throw new InseqError(`${field} is an __ndarray__ string without a 'b64:' or 'b64.gz:' prefix.`, { code: 'INVALID_FILE' });
    const needed = shapeSize(dims) * safetensorsDtypeSizes[stored];
    if (bytes.length !== needed) {
      throw new InseqError(`${field} holds ${bytes.length} bytes but ${dtype} [${dims.join(', ')}] needs ${needed}; it is truncated.`, { code: 'INVALID_FILE' });
    }
    tensor = { data: decodeTensorData(stored, bytes), shape: dims };
  } else {
    const nested = nestedToTensor(payload, field);
    if (shapeSize(nested.shape) !== shapeSize(dims)) {
      throw new InseqError(`${field} lists ${shapeSize(nested.shape)} values but its shape [${dims.join(', ')}] needs ${shapeSize(dims)}.`, { code: 'INVALID_FILE' });
    }
    tensor = { data: nested.data, shape: dims };
  }
  // Only the raw bytes of a Fortran-ordered array are column-major; lists are always nested row-major.
  return cOrder === false && typeof payload === 'string' && dims.length > 1 ? fromColumnMajor(tensor) : tensor;
}

function fromColumnMajor({ data, shape }: Tensor): Tensor {
  const out = new Float32Array(data.length);
  const index = new Array<number>(shape.length).fill(0);
  for (let rowMajor = 0; rowMajor < data.length; rowMajor++) {
    let columnMajor = 0;
    for (let axis = shape.length - 1; axis >= 0; axis--) columnMajor = columnMajor * shape[axis] + index[axis];
    out[rowMajor] = data[columnMajor];
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      if (++index[axis] < shape[axis]) break;
      index[axis] = 0;
    }
  }
  return { data: out, shape };
}
