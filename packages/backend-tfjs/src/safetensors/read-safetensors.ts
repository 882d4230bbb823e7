import { type SafetensorsFile, type SafetensorsTensor, InseqError, ModelLoadError, decodeSafetensors } from '@inseq/core';

export type { SafetensorsFile, SafetensorsTensor };

/** Options of {@link readSafetensors}. */
export interface ReadSafetensorsOptions {
  /** How the file is named in error messages. @defaultValue `'safetensors file'` */
  readonly name?: string;
}

/**
 * Reads a model's safetensors file with core's {@link decodeSafetensors} (every tensor converted to
 * float32, everything bounds-checked), reporting a malformed file as a {@link ModelLoadError} with
 * code `'INVALID_FILE'` that names the file, the tensor and the fault, and says how to re-export it.
 *
 * @param bytes - The whole file.
 */
export function readSafetensors(bytes: Uint8Array, options?: ReadSafetensorsOptions): SafetensorsFile {
  try {
    return decodeSafetensors(bytes, { name: options?.name ?? 'safetensors file' });
  } catch (error) {
    if (!InseqError.isInstance(error) || error.code !== 'INVALID_FILE') throw error;
    throw new ModelLoadError(
      `${error.message.replace(/\.$/, '')}. Re-export it (in Python: ` +
        'safetensors.torch.save_file or model.save_pretrained(folder, safe_serialization=True)).',
      { code: 'INVALID_FILE', cause: error },
    );
  }
}
