import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError } from '@inseq/core';
import { type TinyLlamaOptions, tinyLlamaParts } from '../llama/create-tiny-llama';
import { type LlamaOnnxGraphOptions, llamaOnnxModelSpec } from '../llama/llama-onnx-model-spec';
import type { RandomFolderOptions } from './write-random-gpt2-folder';
import { writeOnnxModelWithExternalData } from './write-onnx-model-file';
import { writeSafetensorsFile } from './write-safetensors-file';

/**
 * Writes the random Llama-family model of {@link createTinyLlama} (same options, same seeded
 * weights, same `config.json` and tokenizer files) into `directory`, for shapes too large for
 * in-memory files: `model.safetensors` is streamed tensor by tensor, and with `onnx` the ONNX
 * export of {@link llamaOnnxModelSpec} is written with external data (`onnx/model.onnx_data`).
 * Qwen2.5-0.5B's shape is {@link qwen25HalfBShape}. Float32 only.
 */
export async function writeRandomLlamaFolder(
  directory: string,
  options: TinyLlamaOptions,
  folder: RandomFolderOptions<LlamaOnnxGraphOptions> = {},
): Promise<void> {
  if ((options.dtype ?? 'F32') !== 'F32') {
    throw new InvalidInputError(`writeRandomLlamaFolder writes float32 weights only; got dtype '${options.dtype}'. Use createTinyLlama for F16/BF16.`, { code: 'INVALID_ARGUMENT' });
  }
  const { files, weights, config } = tinyLlamaParts(options);
  await mkdir(directory, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(directory, name), bytes);
  await writeSafetensorsFile(join(directory, 'model.safetensors'), weights);
  if (folder.onnx) await writeOnnxModelWithExternalData(llamaOnnxModelSpec(weights, config, folder.onnx), join(directory, 'onnx', 'model.onnx'));
}
