import type { Tensor } from '../../tensor';
import { bytesToBase64 } from '../base64';
import type { ScoresPrecision } from '../scores-precision';
import { encodeSafetensors } from '../safetensors/encode-safetensors';
import type { SafetensorsDtype } from '../safetensors/safetensors-dtype';
import { INSEQ_SAFETENSOR_NAME } from './decode-inseq-tensor';

const storedDtype: Readonly<Record<ScoresPrecision, SafetensorsDtype>> = Object.freeze({
  float32: 'F32',
  float16: 'F16',
  float8: 'F8_E4M3',
});

/**
 * Writes one tensor as Inseq (≥ 0.6) does: a safetensors blob holding one tensor named
 * `attribution`, base64-encoded. float8 is stored as unscaled `F8_E4M3` (no metadata), so a reader
 * that casts the tensor to float32 gets the values without knowing any quantisation scheme;
 * magnitudes beyond 448 saturate and those under 2^-9 flush to zero.
 */
export function encodeInseqTensor(tensor: Tensor, precision: ScoresPrecision): string {
  const blob = encodeSafetensors({ [INSEQ_SAFETENSOR_NAME]: { dtype: storedDtype[precision], shape: tensor.shape, data: tensor.data } });
  return bytesToBase64(blob);
}
