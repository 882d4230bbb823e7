import { InvalidInputError, decodeSafetensors, encodeSafetensors } from '@inseq/core';
import type { SafetensorsDtype } from '../safetensors-dtype';
import type { ModelFolder } from './model-folder';

/**
 * Rewrites a folder's `model.safetensors` with every tensor stored in `dtype` (values rounded to
 * nearest even as PyTorch's `.half()` / `.bfloat16()`), as a checkpoint published in fp16 or bf16;
 * `config.json`'s `torch_dtype` is set to match.
 *
 * @throws {@link InvalidInputError} when the folder has no model.safetensors.
 */
export function castModelWeights(files: ModelFolder, dtype: SafetensorsDtype): ModelFolder {
  const weights = files['model.safetensors'];
  if (!weights) throw new InvalidInputError('castModelWeights needs a folder with model.safetensors.', { code: 'INVALID_ARGUMENT' });
  const { tensors, metadata } = decodeSafetensors(weights);
  const cast = Object.fromEntries([...tensors].map(([name, { shape, data }]) => [name, { dtype, shape, data }]));
  const out: ModelFolder = { ...files, 'model.safetensors': encodeSafetensors(cast, metadata) };
  if (files['config.json']) {
    const config = JSON.parse(new TextDecoder().decode(files['config.json']));
    config.torch_dtype = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' }[dtype];
    out['config.json'] = new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`);
  }
  return out;
}
