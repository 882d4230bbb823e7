import { createRegistry, type ModelArchitecture, type ModelConfig, type Registry } from '@inseq/core';
import type { SafetensorsFile } from '../safetensors/read-safetensors';
import { createGpt2Model } from './decoder-only/gpt2/create-gpt2-model';
import { parseGpt2Config } from './decoder-only/gpt2/parse-gpt2-config';
import { createLlamaModel } from './decoder-only/llama/create-llama-model';
import { parseLlamaConfig } from './decoder-only/llama/llama-settings';
import { parseBartConfig } from './seq2seq/bart/bart-settings';
import { createBartModel } from './seq2seq/bart/create-bart-model';
import { createT5Model } from './seq2seq/t5/create-t5-model';
import { parseT5Config } from './seq2seq/t5/t5-settings';
import type { TfjsCausalLm } from './tfjs-causal-lm';

/**
 * How one config.json `model_type` (`name`) becomes a tfjs model: core's {@link ModelArchitecture}
 * (`parseConfig` normalises and validates config.json, throwing `ModelLoadError` for what the port
 * cannot run) plus `create`, which builds the {@link TfjsCausalLm} over the safetensors weights
 * (copy what it keeps into tfjs tensors).
 */
export interface TfjsArchitecture extends ModelArchitecture {
  create(config: ModelConfig, file: SafetensorsFile, fileName: string): TfjsCausalLm;
}

/**
 * The architectures the backend ships with: GPT-2 and the Llama family (one port, four
 * `model_type`s), decoder-only; the BART family (one port: bart, mbart, marian) and T5, encoder-decoder.
 */
export const builtinArchitectures: readonly TfjsArchitecture[] = Object.freeze([
  { name: 'gpt2', kind: 'decoder-only', parseConfig: parseGpt2Config, create: createGpt2Model },
  // The Llama shape; the families differ by configuration (see llamaSettings).
  ...(['llama', 'mistral', 'qwen2', 'gemma'] as const).map((name) => ({ name, kind: 'decoder-only' as const, parseConfig: parseLlamaConfig, create: createLlamaModel })),
  // Encoder-decoders of the BART shape; the three differ by configuration (see bartSettings).
  ...(['bart', 'mbart', 'marian'] as const).map((name) => ({ name, kind: 'encoder-decoder' as const, parseConfig: parseBartConfig, create: createBartModel })),
  { name: 't5', kind: 'encoder-decoder', parseConfig: parseT5Config, create: createT5Model },
]);

/**
 * A new registry of tfjs architectures by `model_type` holding the built-ins (a fresh one on every
 * call, so what one caller registers is seen by no other). Register a family into it and pass it to
 * `createTfjsBackendLoader({ architectures })` or `loadTfjsBackend(files, { architectures })`.
 *
 * @example
 * const architectures = tfjsArchitectures().register({ name: 'my_gpt2', kind: 'decoder-only', parseConfig: myParse, create: createGpt2Model });
 */
export function tfjsArchitectures(): Registry<TfjsArchitecture> {
  const registry = createRegistry<TfjsArchitecture>('tfjs architecture');
  for (const architecture of builtinArchitectures) registry.register(architecture);
  return registry;
}
