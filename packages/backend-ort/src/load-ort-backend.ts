import { InvalidInputError, type ModelArchitecture, type ModelBackend, type ModelFiles, ModelLoadError, type NonFiniteWeightsOptions, type Registry, readJsonFile } from '@inseq/core';
import { loadOrtDecoderOnly } from './decoder-only/load-ort-decoder-only';
import { ortSessionOpener } from './open-ort-session';
import { ortArchitectureFor, ortArchitectures, ortLayerNamesOf, parseOrtConfig } from './ort-architectures';
import { type OrtDevice, type OrtRuntimeName, resolveOrtRuntime } from './ort-runtime';
import { loadOrtSeq2Seq } from './seq2seq/load-ort-seq2seq';

/**
 * ONNX file of each precision in a transformers.js folder's `onnx/`, under transformers.js's dtype
 * names (its `DEFAULT_DTYPE_SUFFIX_MAPPING`): `'fp32'` is `model.onnx`, `'fp16'` Optimum's
 * `model_fp16.onnx`, `'q8'` the dynamically quantized `model_quantized.onnx`.
 */
export const ortDtypeFiles = Object.freeze({
  fp32: 'model.onnx',
  fp16: 'model_fp16.onnx',
  q8: 'model_quantized.onnx',
  int8: 'model_int8.onnx',
  uint8: 'model_uint8.onnx',
  q4: 'model_q4.onnx',
  q4f16: 'model_q4f16.onnx',
  bnb4: 'model_bnb4.onnx',
} as const);

/** A precision name of {@link ortDtypeFiles}. */
export type OrtDtype = keyof typeof ortDtypeFiles;

/** Options of {@link loadOrtBackend}. */
export interface LoadOrtBackendOptions extends NonFiniteWeightsOptions {
  /** Threads ONNX Runtime uses inside one operator. @defaultValue ONNX Runtime's choice (one per core) */
  readonly intraOpNumThreads?: number;
  /**
   * Where the model runs, mapped to an execution provider by `ortDevices`: `'cpu'` on the node
   * runtime; `'wasm'` or `'webgpu'` (needs `navigator.gpu`) on the web runtime.
   * @defaultValue `'cpu'` on the node runtime, `'wasm'` on the web runtime
   */
  readonly device?: OrtDevice;
  /**
   * Forces an ONNX Runtime flavour: `'node'` (onnxruntime-node) or `'web'` (onnxruntime-web, wasm),
   * e.g. to check in Node that the browser path gives the same numbers. Browsers offer `'web'` only.
   * Both packages are optional peer dependencies; forcing one that is not installed is a
   * `ModelLoadError` with its install command.
   * @defaultValue in Node `'node'` when onnxruntime-node is installed, else `'web'`; `'web'` elsewhere
   */
  readonly runtime?: OrtRuntimeName;
  /**
   * Which export of the folder to load, named as transformers.js names them: `'fp32'`
   * (`onnx/model.onnx`), `'fp16'` (`onnx/model_fp16.onnx`: float16 weights, logits and KV cache,
   * read back as float32), `'q8'` (`onnx/model_quantized.onnx`, 8-bit dynamic quantization),
   * `'int8'`, `'uint8'`, `'q4'`, `'q4f16'`, `'bnb4'` (`onnx/model_<dtype>.onnx`); the same suffix
   * picks among the other layouts (`decoder_model_merged_fp16.onnx`, root `model_fp16.onnx`, …).
   * A model whose weights live in an external data file (`model.onnx_data`, named by the graph)
   * needs that file beside it.
   * @defaultValue `'fp32'`
   */
  readonly dtype?: OrtDtype;
  /**
   * On a KV-cache export, rows of one forward batch that share a prefix with an earlier row
   * (perturbation variants: occlusion, LIME, ReAGent) reuse that row's cache for the prefix and
   * are fed only from where they differ — exact, as causal attention makes the prefix's keys and
   * values independent of later tokens. @defaultValue true
   */
  readonly reusePrefix?: boolean;
  /**
   * Memory bound of one `session.run`, in bytes of activations and outputs (logits rows, KV cache,
   * attention scores); larger batches are split into several runs. @defaultValue 256 MiB
   */
  readonly runBudgetBytes?: number;
  /**
   * Where config.json's `model_type` is looked up; its entry's `kind` must match
   * `is_encoder_decoder`, and its `parseConfig` reads the config. @defaultValue `ortArchitectures()`, the built-ins
   */
  readonly architectures?: Registry<ModelArchitecture>;
}

/** The file-name suffix of `dtype` (`''`, `'_fp16'`, `'_quantized'`, …), after checking the name against {@link ortDtypeFiles}. */
export function ortDtypeSuffix(dtype: string): string {
  if (!Object.hasOwn(ortDtypeFiles, dtype)) {
    throw new InvalidInputError(
      `Unknown dtype ${JSON.stringify(dtype)}; valid dtypes: ${Object.entries(ortDtypeFiles)
        .map(([name, file]) => `${name} (onnx/${file})`)
        .join(', ')}.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  return ortDtypeFiles[dtype as OrtDtype].slice('model'.length, -'.onnx'.length);
}

/** Every dtype's file-name suffix, `''` first. */
export const ortDtypeSuffixes: readonly string[] = Object.freeze(Object.values(ortDtypeFiles).map((file) => file.slice('model'.length, -'.onnx'.length)));

/**
 * Loads a decoder-only ONNX export into an ONNX Runtime session (onnxruntime-node in Node when
 * installed, else onnxruntime-web; onnxruntime-web in browsers; see `options.runtime`) and returns its {@link ModelBackend}
 * (`name: 'ort'`). The folder holds `config.json` (optional `tokenizer.json`,
 * `generation_config.json`) and the export of `options.dtype` in one of the layouts found on the
 * Hub, looked for in this order (`_fp16`, `_quantized`, … suffix of the dtype): transformers.js's
 * `onnx/model.onnx` and `onnx/decoder_model_merged.onnx`, `onnx/decoder_model.onnx`, then the same
 * names in the folder root, as Optimum and `torch.onnx.export` write them. Inputs `input_ids`,
 * `attention_mask`, optionally `position_ids`, `past_key_values.{i}.key/value` and Optimum's
 * `use_cache_branch` (merged decoders: fed `false` with an empty past, `true` with a cache);
 * output `logits`, optionally `present.{i}.key/value` and `attentions.{i}`; initializers may be
 * named anything. Float16 exports are read back as float32. The token embedding table (for
 * methods that need embeddings) is found by the graph's structure — the `Gather` of `input_ids`,
 * through `Cast` / `DequantizeLinear`, also inside `If` branches — and read on first use; an
 * export without one still runs every ids-only method, and `embed` says why it has none. External
 * data files the graph names (e.g. `model.onnx_data`) must be beside the model: in Node, on a
 * local folder, ONNX Runtime reads the model and its data from their paths; elsewhere they are
 * read from the folder and handed over as bytes. A KV-cache export adds
 * {@link ModelBackend.generate} (greedy decoding with the cache); `attentions.{i}` outputs add the
 * `attentions` capability.
 *
 * @throws {@link InvalidInputError} `'INVALID_ARGUMENT'` for a bad option (an unknown device or
 * dtype lists the valid ones).
 * @throws {@link ModelLoadError} `'MODEL_LOAD'` for device `'webgpu'` without `navigator.gpu`, a
 * missing config.json, a missing ONNX file for the dtype (listing the exports the folder has) or a
 * missing external data file (naming it and the model that needs it); `'UNSUPPORTED_MODEL'` for
 * `model_type` not in `options.architectures` or a graph with other inputs (listing found and expected names);
 * `'INVALID_FILE'` for a malformed config, a tokenizer with more ids than the model's vocabulary,
 * float initializers holding NaN or ±∞ (checked before the session is created, external data
 * included; `allowNonFiniteWeights` loads them with a warning), or an ONNX file ONNX Runtime
 * cannot read (its error is the `cause`).
 */
export async function loadOrtBackend(files: ModelFiles, options?: LoadOrtBackendOptions): Promise<ModelBackend> {
  const threads = options?.intraOpNumThreads;
  if (threads !== undefined && !(Number.isSafeInteger(threads) && threads > 0)) {
    throw new InvalidInputError(`intraOpNumThreads must be a positive integer, got ${threads}.`, { code: 'INVALID_ARGUMENT' });
  }
  const budget = options?.runBudgetBytes;
  if (budget !== undefined && !(Number.isFinite(budget) && budget > 0)) {
    throw new InvalidInputError(`runBudgetBytes must be a positive number of bytes, got ${budget}.`, { code: 'INVALID_ARGUMENT' });
  }
  const dtype = options?.dtype ?? 'fp32';
  const suffix = ortDtypeSuffix(dtype);
  const { runtime, executionProviders } = await resolveOrtRuntime({ runtime: options?.runtime, device: options?.device });
  if (!(await files.has('config.json'))) {
    throw new ModelLoadError(
      `${files.location} has no config.json. The ort backend needs a folder with config.json beside the ONNX export ` +
        `(onnx/model${suffix}.onnx as transformers.js, or model${suffix}.onnx as optimum-cli export onnx and torch.onnx.export write it).`,
    );
  }
  const raw = await readJsonFile(files, 'config.json');
  const generation = (await files.has('generation_config.json')) ? await readJsonFile(files, 'generation_config.json') : undefined;
  const sessionOptions = {
    executionProviders: [...executionProviders],
    // Errors only: ONNX Runtime's warnings (unused initializers left in the graphs this backend
    // derives for gradients and layers, nodes placed on the CPU EP) are not the user's to act on;
    // its errors still reach the caller as exceptions.
    logSeverityLevel: 3 as const,
    ...(threads === undefined ? {} : { intraOpNumThreads: threads }),
  };
  const open = ortSessionOpener(files, runtime, sessionOptions, {
    ...(options?.allowNonFiniteWeights !== undefined && { allowNonFiniteWeights: options.allowNonFiniteWeights }),
    ...(options?.onWarning !== undefined && { onWarning: options.onWarning }),
  });
  if (raw.is_encoder_decoder === true) {
    const architectures = options?.architectures ?? ortArchitectures();
    const config = parseOrtConfig(raw, generation, architectures);
    const layerNames = ortLayerNamesOf(ortArchitectureFor(raw, architectures))?.(config.numLayers, raw);
    return loadOrtSeq2Seq(files, config, { suffix, suffixes: ortDtypeSuffixes, open, runtime, dtype, sessionOptions, ...(layerNames && { layerNames }) });
  }
  const architectures = options?.architectures ?? ortArchitectures();
  return loadOrtDecoderOnly(files, () => parseOrtConfig(raw, generation, architectures), {
    // Asked after parseConfig, so the architecture is known to exist.
    layerNames: (numLayers) => ortLayerNamesOf(ortArchitectureFor(raw, architectures))?.(numLayers, raw),
    dtype,
    suffix,
    suffixes: ortDtypeSuffixes,
    open,
    runtime,
    sessionOptions,
    ...(options?.reusePrefix !== undefined && { reusePrefix: options.reusePrefix }),
    ...(budget !== undefined && { runBudgetBytes: budget }),
  });
}
