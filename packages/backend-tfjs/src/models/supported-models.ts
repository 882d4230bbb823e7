import type { ModelConfig } from '@inseq/core';
import type { SafetensorsFile } from '../safetensors/read-safetensors';
import { createGpt2Model } from './gpt2/create-gpt2-model';
import { parseGpt2Config } from './gpt2/parse-gpt2-config';
import { createLlamaModel } from './llama/create-llama-model';
import { parseLlamaConfig } from './llama/llama-settings';
import type { TfjsCausalLm } from './tfjs-causal-lm';

/** How one `model_type` is read: config normalisation, then the model over its weights. */
export interface TfjsArchitecture {
  parseConfig(raw: Record<string, unknown>): ModelConfig;
  create(config: ModelConfig, file: SafetensorsFile, fileName: string): TfjsCausalLm;
}

/** The architectures this backend implements, by config.json `model_type`. */
export const supportedModels: Readonly<Record<string, TfjsArchitecture>> = Object.freeze({
  gpt2: { parseConfig: parseGpt2Config, create: createGpt2Model },
  // The Llama shape; the families differ by configuration (see llamaSettings).
  llama: { parseConfig: parseLlamaConfig, create: createLlamaModel },
  mistral: { parseConfig: parseLlamaConfig, create: createLlamaModel },
  qwen2: { parseConfig: parseLlamaConfig, create: createLlamaModel },
  gemma: { parseConfig: parseLlamaConfig, create: createLlamaModel },
});

/** The `model_type`s of {@link supportedModels}, for listings and error messages. */
export const supportedModelTypes: readonly string[] = Object.freeze(Object.keys(supportedModels));
