import type { ModelFolder } from './model-folder';

/**
 * The folder as an old repository stores it: `pytorch_model.bin` instead of `model.safetensors`.
 * The file holds the first bytes of a zip archive (torch.save's container) and nothing a pickle
 * reader could use: loaders must refuse it by name without reading it.
 */
export function pickleOnlyModel(files: ModelFolder): ModelFolder {
  const { 'model.safetensors': _weights, ...rest } = files;
  return { ...rest, 'pytorch_model.bin': new Uint8Array([0x50, 0x4b, 0x03, 0x04]) };
}
