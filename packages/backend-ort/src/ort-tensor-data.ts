import { BackendError, float16BitsToFloat32 } from '@inseq/core';
import type { Tensor as OrtTensor } from 'onnxruntime-common';
import type { OrtRuntime } from './ort-runtime';

/** Floating-point element types an export may use for logits, attentions and its KV cache. */
export type OrtFloatType = 'float32' | 'float16';

/**
 * A float output of ONNX Runtime as a float32 view or copy: float32 data is returned as is (a view
 * into the ORT tensor — copy it before the tensor is disposed), float16 (ORT hands `Uint16Array`
 * bits) is decoded. `what` names the output in the error for any other type.
 */
export function readFloat32(tensor: OrtTensor, what: string): Float32Array {
  if (tensor.type === 'float32') return tensor.data as Float32Array;
  if (tensor.type === 'float16') return float16BitsToFloat32(tensor.data as Uint16Array);
  throw new BackendError(`The ONNX graph returned ${what} of type ${tensor.type}; expected float32 or float16.`);
}

/** A zero-length (or any) float tensor of the graph's type. */
export function emptyFloatTensor(Tensor: OrtRuntime['Tensor'], type: OrtFloatType, dims: readonly number[]): OrtTensor {
  return type === 'float16' ? new Tensor('float16', new Uint16Array(0), [...dims]) : new Tensor('float32', new Float32Array(0), [...dims]);
}
