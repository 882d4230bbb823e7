import { InseqError } from '../../errors/inseq-error';
import { type Tensor, shapeSize } from '../../tensor';
import { base64ToBytes } from '../base64';
import { DEFAULT_MAX_OUTPUT_BYTES, formatBytes, gunzip, tooLargeError } from '../gzip';
import { previewJson } from '../json-preview';
import { nestedToTensor } from '../nested-array';
import { decodeSafetensors } from '../safetensors/decode-safetensors';
import { decodeTensorData } from '../safetensors/decode-tensor-data';
import { type SafetensorsDtype, safetensorsDtypeSizes } from '../safetensors/safetensors-dtype';

/** numpy dtype names (as `str(array.dtype)` writes them) and their safetensors equivalents. */
const numpyDtypes: ReadonlyMap<string, SafetensorsDtype> = new Map([
  ['float64', 'F64'],
  ['float32', 'F32'],
  ['float16', 'F16'],
  ['int64', 'I64'],
  ['int32', 'I32'],
  ['int16', 'I16'],
  ['int8', 'I8'],
  ['uint64', 'U64'],
  ['uint32', 'U32'],
  ['uint16', 'U16'],
  ['uint8', 'U8'],
  ['bool', 'BOOL'],
]);

/**
 * What old `b64.gz:` arrays of one file may inflate to, together: each inflates to at most the
 * bytes its dtype and shape need, and all of them to at most `left` (then `FILE_TOO_LARGE`).
 */
export interface InflateBudget {
  left: number;
  /** How the "too large" error tells the user to raise the limit. */
  readonly raiseHint: string;
}

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
export async function decodeInseqTensor(value: unknown, where: string, budget?: InflateBudget): Promise<Tensor | null> {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return fromSafetensorsBase64(value, where);
  if (Array.isArray(value) || typeof value === 'number') return nestedToTensor(value, `Field '${where}'`);
  if (typeof value === 'object' && Object.hasOwn(value, '__ndarray__')) return fromNdarray(value as Record<string, unknown>, where, budget);
  throw new InseqError(
    `Field '${where}' holds ${previewJson(value)}; expected a base64 safetensors string, an __ndarray__ object, nested lists or null.`, { code: 'INVALID_FILE' },
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
  const key = keys.find((candidate) => Object.hasOwn(metadata, candidate));
  if (key === undefined) return undefined;
  const value = Number(metadata[key]);
  if (!Number.isFinite(value)) {
    throw new InseqError(`${field} has safetensors metadata ${key}=${JSON.stringify(metadata[key])}; expected a finite number.`, { code: 'INVALID_FILE' });
  }
  return value;
}

async function fromNdarray(object: Record<string, unknown>, where: string, budget?: InflateBudget): Promise<Tensor> {
  const field = `Field '${where}'`;
  const { __ndarray__: payload, dtype, shape, Corder: cOrder } = object;
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    const shown = Array.isArray(shape) ? `[${shape.slice(0, 8).map((dim) => previewJson(dim, 20)).join(', ')}${shape.length > 8 ? ', …' : ''}]` : previewJson(shape);
    throw new InseqError(`${field} is an __ndarray__ with shape ${shown}; expected a list of non-negative integers.`, { code: 'INVALID_FILE' });
  }
  const dims = shape as number[];
  let tensor: Tensor;
  if (typeof payload === 'string') {
    const stored = typeof dtype === 'string' ? numpyDtypes.get(dtype) : undefined;
    if (!stored) {
      throw new InseqError(
        `${field} is an __ndarray__ of dtype ${previewJson(dtype, 40)}; expected a numpy dtype name; supported: ${[...numpyDtypes.keys()].join(', ')}.`,
        { code: 'INVALID_FILE' },
      );
    }
    const needed = shapeSize(dims) * safetensorsDtypeSizes[stored];
    let bytes: Uint8Array;
    if (payload.startsWith('b64.gz:')) bytes = await inflateArray(base64ToBytes(payload.slice(7), field), field, needed, budget);
    else if (payload.startsWith('b64:')) bytes = base64ToBytes(payload.slice(4), field);
    else throw new InseqError(`${field} is an __ndarray__ string without a 'b64:' or 'b64.gz:' prefix.`, { code: 'INVALID_FILE' });
    if (bytes.length !== needed) {
      throw new InseqError(`${field} holds ${bytes.length} bytes but ${dtype} [${dims.join(', ')}] needs ${needed}; it is truncated or corrupt.`, { code: 'INVALID_FILE' });
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

/**
 * Inflates a `b64.gz:` array to at most the `needed` bytes its dtype and shape call for (one byte
 * more proves it wrong) and at most what the file's budget has left.
 */
async function inflateArray(compressed: Uint8Array, field: string, needed: number, budget?: InflateBudget): Promise<Uint8Array> {
  const left = budget?.left ?? DEFAULT_MAX_OUTPUT_BYTES;
  if (needed > left) {
    throw tooLargeError(`${field} is a b64.gz array of ${formatBytes(needed)} (by its dtype and shape), over what is left of the limit`, left, budget?.raiseHint ?? 'the maxBytes option');
  }
  let bytes: Uint8Array;
  try {
    bytes = await gunzip(compressed, field, { maxBytes: needed + 1 });
  } catch (cause) {
    if (InseqError.isInstance(cause) && cause.code === 'FILE_TOO_LARGE') {
      throw new InseqError(`${field} inflates to more than the ${needed} bytes its dtype and shape need; it is corrupt.`, { code: 'INVALID_FILE', cause });
    }
    throw cause;
  }
  if (budget) budget.left -= bytes.length;
  return bytes;
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
