/**
 * The safetensors dtypes inseq-ts reads, named as in a file's header
 * (https://huggingface.co/docs/safetensors): floats, integers and booleans. `F8_E4M3` is
 * PyTorch's `float8_e4m3fn`.
 */
export type SafetensorsDtype =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'F8_E4M3'
  | 'I64'
  | 'I32'
  | 'I16'
  | 'I8'
  | 'U64'
  | 'U32'
  | 'U16'
  | 'U8'
  | 'BOOL';

/** Bytes per element of each {@link SafetensorsDtype}. */
export const safetensorsDtypeSizes: Readonly<Record<SafetensorsDtype, number>> = Object.freeze({
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  F8_E4M3: 1,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
});

/** True when `dtype` names a {@link SafetensorsDtype}. */
export function isSafetensorsDtype(dtype: unknown): dtype is SafetensorsDtype {
  return typeof dtype === 'string' && Object.hasOwn(safetensorsDtypeSizes, dtype);
}
