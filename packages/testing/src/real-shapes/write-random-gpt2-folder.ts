import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError } from '@inseq/core';
import { buildGpt2TokenizerJson } from '../build-gpt2-tokenizer-json';
import { type Gpt2OnnxGraphOptions, gpt2OnnxModelSpec } from '../gpt2-onnx-model-spec';
import { tinyGpt2Config, tinyGpt2GenerationConfig } from '../tiny-gpt2-config';
import { type TinyGpt2Options, resolveTinyGpt2Options } from '../tiny-gpt2-options';
import { tinyGpt2Weights } from '../tiny-gpt2-weights';
import { writeOnnxModelWithExternalData } from './write-onnx-model-file';
import { writeSafetensorsFile } from './write-safetensors-file';

/** What {@link writeRandomGpt2Folder} writes besides the Hugging Face files. */
export interface RandomFolderOptions<Graph> {
  /** Also write `onnx/model.onnx` with its weights in `onnx/model.onnx_data`, this graph variant. @defaultValue no ONNX */
  readonly onnx?: Graph;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * Writes the random GPT-2 of {@link createTinyGpt2} (same options, same seeded weights, same
 * `config.json` and tokenizer files) into `directory`, for shapes too large for in-memory files:
 * `model.safetensors` is streamed tensor by tensor, and with `onnx` the ONNX export of
 * {@link gpt2OnnxModelSpec} is written with external data. GPT-2 small's shape is
 * {@link gpt2SmallShape}. Float32 only.
 */
export async function writeRandomGpt2Folder(
  directory: string,
  options: TinyGpt2Options,
  folder: RandomFolderOptions<Gpt2OnnxGraphOptions> = {},
): Promise<void> {
  const resolved = resolveTinyGpt2Options(options);
  if (resolved.dtype !== 'F32') {
    throw new InvalidInputError(`writeRandomGpt2Folder writes float32 weights only; got dtype '${resolved.dtype}'. Use createTinyGpt2 for F16/BF16.`, { code: 'INVALID_ARGUMENT' });
  }
  const { tokenizerJson, tokenizerConfig, vocabSize } = buildGpt2TokenizerJson({ merges: resolved.merges, modelMaxLength: resolved.nPositions });
  const config = tinyGpt2Config(resolved, vocabSize);
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, 'config.json'), json(config));
  await writeFile(join(directory, 'generation_config.json'), json(tinyGpt2GenerationConfig(vocabSize)));
  await writeFile(join(directory, 'tokenizer.json'), json(tokenizerJson));
  await writeFile(join(directory, 'tokenizer_config.json'), json(tokenizerConfig));
  const weights = tinyGpt2Weights(resolved, vocabSize);
  await writeSafetensorsFile(join(directory, 'model.safetensors'), weights);
  if (folder.onnx) await writeOnnxModelWithExternalData(gpt2OnnxModelSpec(weights, config, folder.onnx), join(directory, 'onnx', 'model.onnx'));
}
