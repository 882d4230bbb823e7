import { InvalidInputError, ModelLoadError, type ModelBackend, type ModelFiles, readJsonFile } from '@inseq/core';
import type { InferenceSession } from 'onnxruntime-common';
import { createOrtBackend } from './create-ort-backend';
import { ortGraphLayout, pastInputNames } from './ort-graph-layout';
import { parseOrtConfig } from './parse-ort-config';
import { type OrtDevice, type OrtRuntimeName, resolveOrtRuntime } from './ort-runtime';
import { readOnnxInitializer } from './read-onnx-initializer';

/** Options of {@link loadOrtBackend}. */
export interface LoadOrtBackendOptions {
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
   * @defaultValue the platform's: `'node'` in Node, `'web'` elsewhere (package.json `imports` conditions)
   */
  readonly runtime?: OrtRuntimeName;
  /**
   * On a KV-cache export, rows of one forward batch that share a prefix with an earlier row
   * (perturbation variants: occlusion, LIME, ReAGent) reuse that row's cache for the prefix and
   * are fed from where they differ — exact, as causal attention makes the prefix's keys and
   * values independent of later tokens. @defaultValue true
   */
  readonly reusePrefix?: boolean;
  /**
   * Memory bound of one `session.run`, in bytes of activations and outputs (logits rows, KV cache,
   * attention scores); larger batches are split into several runs. @defaultValue 256 MiB
   */
  readonly runBudgetBytes?: number;
}

/** The files a model folder must hold for this backend (the transformers.js / Optimum layout). */
export const requiredOrtFiles = Object.freeze(['config.json', 'onnx/model.onnx'] as const);

/** Graph inputs this backend feeds; `position_ids` and `past_key_values.{i}.key/value` when the graph declares them. */
const requiredInputs = Object.freeze(['input_ids', 'attention_mask'] as const);
const knownInputs: readonly string[] = [...requiredInputs, 'position_ids', 'value_zeroing_mask'];

/**
 * Loads a decoder-only ONNX export (`config.json` + `onnx/model.onnx`, inputs `input_ids`,
 * `attention_mask` and optionally `position_ids` and `past_key_values.{i}.key/value`, output
 * `logits`, optionally `present.{i}.key/value` and `attentions.{i}`) into an ONNX Runtime
 * session (onnxruntime-node in Node, onnxruntime-web in browsers; see `options.runtime`) and returns its {@link ModelBackend} (`name: 'ort'`). A KV-cache export adds
 * {@link ModelBackend.generate} (greedy decoding with the cache); `attentions.{i}` outputs add the
 * `attentions` capability.
 *
 * @throws {@link InvalidInputError} `'INVALID_ARGUMENT'` for a bad option (an unknown device lists the valid ones).
 * @throws {@link ModelLoadError} `'MODEL_LOAD'` for device `'webgpu'` without `navigator.gpu`, when a file is missing, `'UNSUPPORTED_MODEL'` for
 * another `model_type` or a graph with other inputs, `'INVALID_FILE'` for a malformed config or
 * an ONNX file ONNX Runtime cannot read (its error is the `cause`).
 */
export async function loadOrtBackend(files: ModelFiles, options?: LoadOrtBackendOptions): Promise<ModelBackend> {
  const threads = options?.intraOpNumThreads;
  const budget = options?.runBudgetBytes;
  if (budget !== undefined && !(Number.isFinite(budget) && budget > 0)) {
    throw new InvalidInputError(`runBudgetBytes must be a positive number of bytes, got ${budget}.`, 'INVALID_ARGUMENT');
  }
  if (threads !== undefined && !(Number.isSafeInteger(threads) && threads > 0)) {
    throw new InvalidInputError(`intraOpNumThreads must be a positive integer, got ${threads}.`, 'INVALID_ARGUMENT');
  }
  const { runtime, executionProviders } = await resolveOrtRuntime({ runtime: options?.runtime, device: options?.device });
  for (const name of requiredOrtFiles) {
    if (!(await files.has(name))) {
      throw new ModelLoadError(
        `${files.location} has no ${name}. The ort backend needs a folder in the transformers.js / Optimum layout with ` +
          `${requiredOrtFiles.join(' and ')} (in Python: optimum-cli export onnx --model <id> <folder>, then move model.onnx into onnx/).`,
      );
    }
  }
  const config = parseOrtConfig(await readJsonFile(files, 'config.json'));
  const fileName = `${files.location}/onnx/model.onnx`;
  const bytes = await files.read('onnx/model.onnx');
  let session: InferenceSession;
  try {
    session = await runtime.InferenceSession.create(bytes, {
      executionProviders: [...executionProviders],
      ...(threads === undefined ? {} : { intraOpNumThreads: threads }),
    });
  } catch (cause) {
    throw new ModelLoadError(`ONNX Runtime cannot read ${fileName}: ${(cause as Error)?.message ?? String(cause)}`, {
      code: 'INVALID_FILE',
      cause,
    });
  }
  const inputs = [...session.inputNames];
  const outputs = [...session.outputNames];
  const inputTypes = Object.fromEntries(
    (session.inputMetadata ?? []).flatMap((meta) => (meta.isTensor ? [[meta.name, meta.type]] : [])),
  );
  const layout = ortGraphLayout(inputs, outputs, config, inputTypes);
  const pastNames = pastInputNames(config.numLayers);
  const missing = requiredInputs.filter((name) => !inputs.includes(name));
  const unknown = inputs.filter((name) => !knownInputs.includes(name) && !(layout.withPast && pastNames.includes(name)));
  if (missing.length > 0 || unknown.length > 0 || !outputs.includes('logits')) {
    await session.release();
    throw new ModelLoadError(
      `${fileName} has inputs [${inputs.join(', ')}] and outputs [${outputs.join(', ')}]; the ort backend expects ` +
        `inputs ${knownInputs.join(', ')} (position_ids optional), optionally a KV cache of all ${config.numLayers} layers ` +
        `(past_key_values.{i}.key/value in, present.{i}.key/value out), and an output logits.`,
      { code: 'UNSUPPORTED_MODEL' },
    );
  }
  let wte: ReturnType<typeof readOnnxInitializer>;
  try {
    wte = readOnnxInitializer(bytes, 'transformer.wte.weight');
  } catch {
    // ONNX Runtime read the file, so a walk that fails here only means embeddings are unavailable.
    wte = undefined;
  }
  const embeddings = wte && wte.dims.length === 2 && wte.dims[1] === config.hiddenSize ? wte : undefined;
  return createOrtBackend(session, config, {
    embeddings,
    layout,
    runtime,
    ...(options?.reusePrefix !== undefined && { reusePrefix: options.reusePrefix }),
    ...(options?.runBudgetBytes !== undefined && { runBudgetBytes: options.runBudgetBytes }),
  });
}
