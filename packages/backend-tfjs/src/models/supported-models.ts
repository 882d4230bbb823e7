import { createRegistry, type ModelConfig, type RegisterOptions, type Registry } from '@inseq/core';
import type { SafetensorsFile } from '../safetensors/read-safetensors';
import { parseBartConfig } from './seq2seq/bart/bart-settings';
import { createBartModel } from './seq2seq/bart/create-bart-model';
import { createGpt2Model } from './decoder-only/gpt2/create-gpt2-model';
import { parseGpt2Config } from './decoder-only/gpt2/parse-gpt2-config';
import { createLlamaModel } from './decoder-only/llama/create-llama-model';
import { parseLlamaConfig } from './decoder-only/llama/llama-settings';
import { createT5Model } from './seq2seq/t5/create-t5-model';
import { parseT5Config } from './seq2seq/t5/t5-settings';
import type { TfjsCausalLm } from './tfjs-causal-lm';

/**
 * How one config.json `model_type` (`name`) becomes a tfjs model: `parseConfig` normalises and
 * validates config.json (throw `ModelLoadError` for what the port cannot run), `create` builds the
 * {@link TfjsCausalLm} over the safetensors weights (copy what it keeps into tfjs tensors).
 */
export interface TfjsArchitecture {
  /** The config.json `model_type` it implements, e.g. `'gpt2'`. */
  readonly name: string;
  parseConfig(raw: Record<string, unknown>): ModelConfig;
  create(config: ModelConfig, file: SafetensorsFile, fileName: string): TfjsCausalLm;
}

/** The architectures the backend ships with: GPT-2 and the Llama family (one port, four `model_type`s). */
export const builtinArchitectures: readonly TfjsArchitecture[] = Object.freeze([
  { name: 'gpt2', parseConfig: parseGpt2Config, create: createGpt2Model },
  // The Llama shape; the families differ by configuration (see llamaSettings).
  ...(['llama', 'mistral', 'qwen2', 'gemma'] as const).map((name) => ({ name, parseConfig: parseLlamaConfig, create: createLlamaModel })),
  // Encoder-decoders of the BART shape; the three differ by configuration (see bartSettings).
  ...(['bart', 'mbart', 'marian'] as const).map((name) => ({ name, parseConfig: parseBartConfig, create: createBartModel })),
  { name: 't5', parseConfig: parseT5Config, create: createT5Model },
]);

/** A registry of tfjs architectures by `model_type`, with the built-ins registered. */
export function createArchitectureRegistry(): Registry<TfjsArchitecture> {
  const registry = createRegistry<TfjsArchitecture>('tfjs architecture');
  for (const architecture of builtinArchitectures) registry.register(architecture);
  return registry;
}

let defaults: Registry<TfjsArchitecture> | undefined;

/** The registry `loadTfjsBackend` and `tfjsBackendLoader` use unless given another (built-ins plus {@link registerArchitecture}). */
export function defaultArchitectures(): Registry<TfjsArchitecture> {
  defaults ??= createArchitectureRegistry();
  return defaults;
}

/**
 * Adds a model family to the tfjs backend without forking it: afterwards `loadTfjsBackend`,
 * `tfjsBackendLoader` and so `loadModel` / the CLI load folders whose config.json names
 * `architecture.name`. Throws `DUPLICATE_ID` for a known `model_type` unless `{ override: true }`.
 *
 * @example
 * registerArchitecture({ name: 'my_gpt2', parseConfig: (raw) => parseGpt2Config({ ...raw, model_type: 'gpt2' }), create: myCreate });
 */
export function registerArchitecture(architecture: TfjsArchitecture, options?: RegisterOptions): void {
  defaultArchitectures().register(architecture, options);
}

/** The `model_type`s the default registry loads, for listings and error messages. */
export function supportedModelTypes(): string[] {
  return defaultArchitectures().list();
}
