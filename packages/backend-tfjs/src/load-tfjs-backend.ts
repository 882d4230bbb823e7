import { BackendError, InseqError, ModelLoadError, type ModelBackend, type ModelFiles, readJsonFile, readModelWeights, type NonFiniteWeightsOptions, untrustedJson } from '@inseq/core';
import { createTfjsBackend } from './create-tfjs-backend';
import { initTfjs } from './init-tfjs';
import { type TfjsArchitecture, tfjsArchitectures } from './models/tfjs-architectures';
import type { Registry } from '@inseq/core';
import type { TfjsDevice } from './tfjs-device';
import { type WasmMemoryPlan, checkModelFitsWasm, wasmOutOfMemoryError } from './wasm-memory-budget';

/** Options of {@link loadTfjsBackend}. */
export interface LoadTfjsBackendOptions extends NonFiniteWeightsOptions {
  /** The tfjs backend to run on, readied by {@link initTfjs}. @defaultValue the one already readied, else `'wasm'` with `'cpu'` as fallback */
  readonly device?: TfjsDevice;
  /** Where `model_type` is looked up (see `tfjsArchitectures`). @defaultValue the built-ins */
  readonly architectures?: Registry<TfjsArchitecture>;
  /**
   * The wasm heap limit that the model and each run are checked against on the wasm device
   * (`'MODEL_TOO_LARGE'`, `'BATCH_TOO_LARGE'`); lower it for hosts whose wasm memory is capped
   * lower (some mobile browsers: 2 GiB). @defaultValue 4 GiB, WebAssembly's address space
   */
  readonly wasmMemoryLimitBytes?: number;
}

/**
 * The files a model folder must hold for this backend besides its weights, which are
 * `model.safetensors` or `model.safetensors.index.json` with its shards (see `locateModelWeights`).
 */
export const requiredFiles = Object.freeze(['config.json'] as const);

/**
 * Loads a Hugging Face model folder (`config.json` + safetensors weights, one file or sharded) into
 * tfjs and returns its {@link ModelBackend} (`name: 'tfjs'`). Supported `model_type`s: decoder-only gpt2, llama,
 * mistral, qwen2, gemma; encoder-decoder marian, bart, mbart, t5 (forward and gradients then take
 * the source as `encoder`); or those of `options.architectures`. Readies tfjs first with {@link initTfjs}.
 * Weights stored in F16 / BF16 are computed in float32.
 *
 * @throws {@link ModelLoadError} `'MODEL_LOAD'` when a file is missing (a pickle-only folder: why it
 * is not read and how to convert it), `'UNSUPPORTED_MODEL'` for another `model_type`,
 * `'INVALID_FILE'` for malformed config, index or weights (NaN or ±∞ values included, unless
 * `allowNonFiniteWeights`), `'MODEL_TOO_LARGE'` on the wasm device
 * when the weights cannot fit in its 4 GiB memory (checked from each safetensors header before that
 * file is decoded, so an oversized sharded checkpoint stops at the shard that crosses the limit).
 */
export async function loadTfjsBackend(files: ModelFiles, options?: LoadTfjsBackendOptions): Promise<ModelBackend> {
  await initTfjs(options?.device);
  if (!(await files.has('config.json'))) {
    throw new ModelLoadError(
      `${files.location} has no config.json. The tfjs backend needs a folder in the Hugging Face layout with ` +
        'config.json and safetensors weights (model.safetensors, or model.safetensors.index.json with its shards; in Python: model.save_pretrained(folder, safe_serialization=True)).',
    );
  }
  const raw = await readJsonFile(files, 'config.json');
  const modelType = raw.model_type;
  const architectures = options?.architectures ?? tfjsArchitectures();
  const architecture = typeof modelType === 'string' && architectures.has(modelType) ? architectures.get(modelType) : undefined;
  if (!architecture) {
    throw new ModelLoadError(
      `${files.location}/config.json has model_type ${untrustedJson(modelType, 60)}, which the tfjs backend does not implement. ` +
        `Supported: ${architectures.list().join(', ')}; for other models export them to ONNX and use @inseq/backend-ort, ` +
        'or register the family in an architectures registry of your own: ' +
        'createTfjsBackendLoader({ architectures: tfjsArchitectures().register(myArchitecture) }).',
      { code: 'UNSUPPORTED_MODEL' },
    );
  }
  const config = architecture.parseConfig(raw);
  // The wasm budget grows file by file (one file, or each shard) and is checked before that file is decoded.
  let wasmMemory: WasmMemoryPlan | undefined;
  const weights = await readModelWeights(files, {
    ...(options?.allowNonFiniteWeights !== undefined && { allowNonFiniteWeights: options.allowNonFiniteWeights }),
    ...(options?.onWarning !== undefined && { onWarning: options.onWarning }),
    beforeDecode: (bytes, name) => {
      wasmMemory = checkModelFitsWasm(bytes, config, name, options?.wasmMemoryLimitBytes, wasmMemory);
    },
  });
  const fileName = weights.source;
  try {
    return createTfjsBackend(architecture.create(config, weights, fileName), { wasmMemory });
  } catch (error) {
    if (InseqError.isInstance(error)) throw error;
    throw wasmOutOfMemoryError(error, `load the weights of ${fileName}`, 'load') ?? new BackendError(`tfjs failed to load the weights of ${fileName}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}
