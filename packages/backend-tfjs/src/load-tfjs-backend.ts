import { BackendError, InseqError, ModelLoadError, type ModelBackend, type ModelFiles, readJsonFile } from '@inseq/core';
import { createTfjsBackend } from './create-tfjs-backend';
import { initTfjs } from './init-tfjs';
import { defaultArchitectures, type TfjsArchitecture } from './models/supported-models';
import type { Registry } from '@inseq/core';
import { readSafetensors } from './safetensors/read-safetensors';
import type { TfjsDevice } from './tfjs-device';
import { checkModelFitsWasm, wasmOutOfMemoryError } from './wasm-memory-budget';

/** Options of {@link loadTfjsBackend}. */
export interface LoadTfjsBackendOptions {
  /** The tfjs backend to run on, readied by {@link initTfjs}. @defaultValue the one already readied, else `'wasm'` with `'cpu'` as fallback */
  readonly device?: TfjsDevice;
  /** Where `model_type` is looked up. @defaultValue the built-ins plus those added with `registerArchitecture` */
  readonly architectures?: Registry<TfjsArchitecture>;
  /**
   * The wasm heap limit that the model and each run are checked against on the wasm device
   * (`'MODEL_TOO_LARGE'`, `'BATCH_TOO_LARGE'`); lower it for hosts whose wasm memory is capped
   * lower (some mobile browsers: 2 GiB). @defaultValue 4 GiB, WebAssembly's address space
   */
  readonly wasmMemoryLimitBytes?: number;
}

/** The files a model folder must hold for this backend. */
export const requiredFiles = Object.freeze(['config.json', 'model.safetensors'] as const);

/**
 * Loads a Hugging Face model folder (`config.json` + `model.safetensors`) into tfjs and returns
 * its {@link ModelBackend} (`name: 'tfjs'`). Supported `model_type`s: decoder-only gpt2, llama,
 * mistral, qwen2, gemma; encoder-decoder marian, bart, mbart, t5 (forward and gradients then take
 * the source as `encoder`); and those added with `registerArchitecture`. Readies tfjs first with {@link initTfjs}.
 *
 * @throws {@link ModelLoadError} `'MODEL_LOAD'` when a file is missing, `'UNSUPPORTED_MODEL'` for
 * another `model_type`, `'INVALID_FILE'` for malformed config or weights,
 * `'MODEL_TOO_LARGE'` on the wasm device when the weights cannot fit in its 4 GiB memory (checked from
 * the safetensors header before anything is allocated).
 */
export async function loadTfjsBackend(files: ModelFiles, options?: LoadTfjsBackendOptions): Promise<ModelBackend> {
  await initTfjs(options?.device);
  for (const name of requiredFiles) {
    if (!(await files.has(name))) {
      throw new ModelLoadError(
        `${files.location} has no ${name}. The tfjs backend needs a folder in the Hugging Face layout with ` +
          `${requiredFiles.join(' and ')} (a single-file checkpoint; in Python: model.save_pretrained(folder, safe_serialization=True)).`,
      );
    }
  }
  const raw = await readJsonFile(files, 'config.json');
  const modelType = raw.model_type;
  const architectures = options?.architectures ?? defaultArchitectures();
  const architecture = typeof modelType === 'string' && architectures.has(modelType) ? architectures.get(modelType) : undefined;
  if (!architecture) {
    throw new ModelLoadError(
      `${files.location}/config.json has model_type ${JSON.stringify(modelType)}, which the tfjs backend does not implement. ` +
        `Supported: ${architectures.list().join(', ')}; for other models export them to ONNX and use @inseq/backend-ort, ` +
        'or add the family with registerArchitecture.',
      { code: 'UNSUPPORTED_MODEL' },
    );
  }
  const config = architecture.parseConfig(raw);
  const fileName = `${files.location}/model.safetensors`;
  const bytes = await files.read('model.safetensors');
  const wasmMemory = checkModelFitsWasm(bytes, config, fileName, options?.wasmMemoryLimitBytes);
  const weights = readSafetensors(bytes, { name: fileName });
  try {
    return createTfjsBackend(architecture.create(config, weights, fileName), { wasmMemory });
  } catch (error) {
    if (InseqError.isInstance(error)) throw error;
    throw wasmOutOfMemoryError(error, `load the weights of ${fileName}`, 'load') ?? new BackendError(`tfjs failed to load the weights of ${fileName}: ${(error as Error)?.message ?? String(error)}`, error);
  }
}
