import { type AttributionModel, type ModelBackend, type ModelFiles, loadTokenizer, memoryModelFiles } from '@inseq/core';
import { createTinyGpt2 } from '../create-tiny-gpt2';
import { type LlamaFamily, createTinyLlama } from '../llama/create-tiny-llama';

/** The architectures {@link conformanceModels} can build. */
export type ConformanceArchitecture = 'gpt2' | LlamaFamily;

/** Options of {@link conformanceModels}. */
export interface ConformanceModelsOptions {
  /** @defaultValue ['gpt2'] */
  readonly architectures?: readonly ConformanceArchitecture[];
  /** Seed of the random weights. @defaultValue each generator's default (0) */
  readonly seed?: number;
}

/**
 * Tiny random models in the Hugging Face layout (`createTinyGpt2`, `createTinyLlama`), loaded by
 * the backend loader the caller passes (e.g. `loadTfjsBackend` from `@inseq/backend-tfjs`), with
 * their tokenizers: the models {@link runMethodConformance} runs on. Dispose them with
 * `model.backend.dispose()` when done.
 *
 * @param load - a backend loader; `@inseq/testing` depends on no backend.
 */
export async function conformanceModels(
  load: (files: ModelFiles) => Promise<ModelBackend>,
  options: ConformanceModelsOptions = {},
): Promise<AttributionModel[]> {
  const seeded = options.seed === undefined ? {} : { seed: options.seed };
  const models: AttributionModel[] = [];
  for (const architecture of options.architectures ?? ['gpt2']) {
    const generated = architecture === 'gpt2' ? createTinyGpt2(seeded).files : createTinyLlama({ family: architecture, ...seeded }).files;
    const files = memoryModelFiles(generated, `tiny-${architecture}`);
    models.push({ name: files.location, backend: await load(files), tokenizer: await loadTokenizer(files) });
  }
  return models;
}
