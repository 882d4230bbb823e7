import { type ModelBackend, type ModelConfig, type ModelFiles, ModelLoadError, escapeUntrusted, readJsonFile } from '@inseq/core';
import type { InferenceSession } from 'onnxruntime-common';
import { findEmbeddingTable } from '../onnx/find-embedding-table';
import { decoderOnlyCandidates, firstPresent, onnxFilesFound } from '../onnx/onnx-folder-layout';
import { ortGraphLayout, pastInputNames } from '../onnx/ort-graph-layout';
import type { OrtSessionOpener } from '../open-ort-session';
import { lazyEmbeddings } from '../ort-embeddings';
import type { OrtRuntime } from '../ort-runtime';
import { createOrtBackend } from './create-ort-backend';
import { differentiableModel, probeOrtGradients } from './ort-gradients';
import { probeOrtLayers } from './ort-layers';

/** Graph inputs this backend feeds; `position_ids` and `past_key_values.{i}.key/value` when the graph declares them. */
const requiredInputs = Object.freeze(['input_ids', 'attention_mask'] as const);
// value_zeroing_mask: inseq-ts's convention for exports that support value zeroing (see createOrtBackend);
// use_cache_branch: Optimum's merged decoder (decoder_model_merged.onnx).
const knownInputs: readonly string[] = [...requiredInputs, 'position_ids', 'value_zeroing_mask', 'use_cache_branch'];

/** The error for a folder without the asked export, listing the ONNX files it has and the layouts looked for. */
async function missingModelError(files: ModelFiles, dtype: string, suffix: string, suffixes: readonly string[]): Promise<ModelLoadError> {
  const probes = suffixes.flatMap(decoderOnlyCandidates);
  const found = await onnxFilesFound(files, probes);
  const present = probes.filter((probe) => found.includes(probe));
  const layouts =
    `transformers.js (onnx/model${suffix}.onnx, onnx/decoder_model_merged${suffix}.onnx), Optimum and torch.onnx.export in the folder root ` +
    `(model${suffix}.onnx, decoder_model_merged${suffix}.onnx, decoder_model${suffix}.onnx)`;
  const has =
    found.length === 0
      ? 'no ONNX file at all. Export one with optimum-cli export onnx --model <id> <folder>, or torch.onnx.export to <folder>/model.onnx'
      : `${found.join(', ')}` +
        (present.length > 0 ? `; exports of other dtypes: ${present.join(', ')} (pass the dtype whose suffix they carry)` : '');
  return new ModelLoadError(`${files.location} has no decoder-only ONNX export for dtype '${dtype}'; looked for ${layouts}. It has ${has}.`);
}

/** The vocabulary size a `tokenizer.json` implies: its largest id (model vocabulary or added token) plus one. */
function tokenizerVocabularySize(raw: Record<string, unknown>): number | undefined {
  let largest = -1;
  const vocab = (raw.model as { vocab?: unknown } | undefined)?.vocab;
  if (Array.isArray(vocab)) largest = vocab.length - 1; // Unigram: [token, score] pairs, id = index
  else if (vocab && typeof vocab === 'object') for (const id of Object.values(vocab)) if (typeof id === 'number') largest = Math.max(largest, id);
  for (const token of Array.isArray(raw.added_tokens) ? raw.added_tokens : []) {
    const id = (token as { id?: unknown })?.id;
    if (typeof id === 'number') largest = Math.max(largest, id);
  }
  return largest < 0 ? undefined : largest + 1;
}

/**
 * Checks that config.json's `vocab_size`, the graph's logits width and tokenizer.json (when the
 * folder has one) agree. A tokenizer smaller than the model is fine (GPT-2-style exports pad the
 * embedding matrix); one with ids the logits cannot score is not.
 */
async function checkVocabulary(files: ModelFiles, modelFile: string, config: ModelConfig, session: InferenceSession): Promise<void> {
  const logits = (session.outputMetadata ?? []).find((meta) => meta.name === 'logits');
  const width = logits?.isTensor ? logits.shape[logits.shape.length - 1] : undefined;
  if (typeof width === 'number' && width > 0 && width !== config.vocabSize) {
    throw new ModelLoadError(
      `${files.location}/${modelFile} returns ${width} logits per token but config.json says vocab_size ${config.vocabSize}; ` +
        `the config and the ONNX export must come from the same model.`,
      { code: 'INVALID_FILE' },
    );
  }
  if (!(await files.has('tokenizer.json'))) return;
  const size = tokenizerVocabularySize(await readJsonFile(files, 'tokenizer.json'));
  if (size !== undefined && size > config.vocabSize) {
    throw new ModelLoadError(
      `${files.location}/tokenizer.json has ${size} token ids (largest id ${size - 1}) but the model scores only ${config.vocabSize} ` +
        `(config.json vocab_size${typeof width === 'number' ? `, the logits width of ${modelFile}` : ''}); ` +
        `the tokenizer and the model must come from the same checkpoint.`,
      { code: 'INVALID_FILE' },
    );
  }
}

/** What {@link loadOrtDecoderOnly} needs from `loadOrtBackend`. */
export interface LoadOrtDecoderOnlyOptions {
  /** The asked dtype, for messages. */
  readonly dtype: string;
  /** Its file-name suffix (`''`, `'_fp16'`, `'_quantized'`, …). */
  readonly suffix: string;
  /** Every dtype's suffix, to name the exports of other dtypes the folder has. */
  readonly suffixes: readonly string[];
  readonly open: OrtSessionOpener;
  readonly runtime: OrtRuntime;
  /** Options of the load's sessions (execution providers, threads), for the gradient sessions too. */
  readonly sessionOptions?: InferenceSession.SessionOptions;
  readonly reusePrefix?: boolean;
  readonly runBudgetBytes?: number;
  /** The family's HF layer names (`OrtArchitecture.layerNames`; undefined when it declares none), looked up in the graph for `layerActivations`. */
  readonly layerNames?: (numLayers: number) => string[] | undefined;
}

/**
 * The decoder-only half of `loadOrtBackend`: finds the export of the dtype (transformers.js's
 * `onnx/model.onnx`, `onnx/decoder_model_merged.onnx`, `onnx/decoder_model.onnx`, then the same
 * names in the folder root), reads config.json with `parseConfig` (after the file is found, so a
 * folder without an export says that first), opens the session, checks its inputs and outputs
 * against the Optimum layout and the vocabulary against config.json and tokenizer.json, finds the
 * embedding table by structure, and wraps it all with `createOrtBackend`.
 */
export async function loadOrtDecoderOnly(files: ModelFiles, parseConfig: () => ModelConfig, options: LoadOrtDecoderOnlyOptions): Promise<ModelBackend> {
  const { dtype, suffix, suffixes } = options;
  const modelFile = await firstPresent(files, decoderOnlyCandidates(suffix));
  if (modelFile === undefined) throw await missingModelError(files, dtype, suffix, suffixes);
  const config = parseConfig();
  const fileName = `${files.location}/${modelFile}`;
  const { session, graph, readExternal, bytes, externalData } = await options.open(modelFile);
  const inputs = [...session.inputNames];
  const outputs = [...session.outputNames];
  const inputTypes = Object.fromEntries(
    (session.inputMetadata ?? []).flatMap((meta) => (meta.isTensor ? [[meta.name, meta.type]] : [])),
  );
  const layout = ortGraphLayout(inputs, outputs, config, inputTypes);
  const pastNames = pastInputNames(config.numLayers);
  const missing = requiredInputs.filter((name) => !inputs.includes(name));
  const unknown = inputs.filter((name) => !knownInputs.includes(name) && !(layout.withPast && pastNames.includes(name)));
  if (missing.length > 0 || unknown.length > 0 || !outputs.includes('logits') || (layout.cacheBranch && !layout.withPast)) {
    await session.release();
    throw new ModelLoadError(
      `${fileName} has inputs [${inputs.map((name) => escapeUntrusted(name, 80)).join(', ')}] and outputs [${outputs.map((name) => escapeUntrusted(name, 80)).join(', ')}]; the ort backend expects ` +
        `inputs ${knownInputs.join(', ')} (position_ids, value_zeroing_mask and use_cache_branch optional), optionally a KV cache of all ${config.numLayers} layers ` +
        `(past_key_values.{i}.key/value in, present.{i}.key/value out; required with use_cache_branch), and an output logits.`,
      { code: 'UNSUPPORTED_MODEL' },
    );
  }
  try {
    await checkVocabulary(files, modelFile, config, session);
  } catch (error) {
    await session.release();
    throw error;
  }
  // Found by the graph's structure (the Gather of input_ids), whatever the exporter named it; read on first use.
  const location = graph
    ? findEmbeddingTable(graph, config.hiddenSize, fileName)
    : ({ found: false, reason: `the graph of ${fileName} could not be walked` } as const);
  // Gradients: when every op between the token embeddings and the logits has a rule (probed now, built on first use).
  // (Methods need the step's token embeddings, so the table must be readable too.)
  const differentiable = location.found ? probeOrtGradients(bytes, config, layout, { dtype }) : location.reason;
  // Layers: where the family names them and the graph's node scopes show where they are (differentiated like the embeddings).
  const layerNames = options.layerNames?.(config.numLayers);
  const layers =
    differentiable !== true
      ? `layer methods need the gradient model, and ${differentiable}`
      : layerNames
        ? probeOrtLayers(differentiableModel(bytes, config, layout, { values: false }).model, layerNames, fileName)
        : `model_type '${config.modelType}' is registered without layer names (an OrtArchitecture's layerNames)`;
  return createOrtBackend(session, config, {
    embeddings: lazyEmbeddings(location, readExternal),
    ...(differentiable === true
      ? {
          gradientModel: {
            readModel: () => files.read(modelFile),
            // The gradient model keeps external initializers as references: its sessions get the same data files.
            readExternalData: () => Promise.all([...externalData].map(async ([path, file]) => ({ path, data: await files.read(file) }))),
            fileName,
            sessionOptions: options.sessionOptions ?? {},
          },
        }
      : { noGradients: differentiable }),
    ...(typeof layers === 'string' ? { noLayers: layers } : { layers }),
    layout,
    runtime: options.runtime,
    ...(options.reusePrefix !== undefined && { reusePrefix: options.reusePrefix }),
    ...(options.runBudgetBytes !== undefined && { runBudgetBytes: options.runBudgetBytes }),
  });
}
