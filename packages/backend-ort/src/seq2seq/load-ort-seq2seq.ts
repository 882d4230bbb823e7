import { type ModelBackend, type ModelConfig, type ModelFiles, ModelLoadError, escapeUntrusted } from '@inseq/core';
import type { InferenceSession } from 'onnxruntime-common';
import { onnxEmbeddingScale } from '../onnx/find-embedding-scale';
import { findEmbeddingTable } from '../onnx/find-embedding-table';
import { onnxFilesFound, onnxFolders } from '../onnx/onnx-folder-layout';
import type { OpenedOrtSession, OrtSessionOpener } from '../open-ort-session';
import { lazyEmbeddings, type OrtEmbeddings } from '../ort-embeddings';
import type { OrtRuntime } from '../ort-runtime';
import { createOrtSeq2SeqBackend } from './create-ort-seq2seq-backend';
import { probeOrtSeq2SeqGradients } from './ort-seq2seq-gradients';
import { seq2seqPastNames } from './seq2seq-graph-layout';

/**
 * The graphs of a transformers.js encoder-decoder folder, by transformers.js's file names
 * (`<name><suffix>.onnx`, the suffix of the dtype: `''`, `'_fp16'`, `'_quantized'`, …).
 */
const seq2seqGraphs = Object.freeze({
  encoder: 'encoder_model',
  decoder: 'decoder_model',
  decoderWithPast: 'decoder_with_past_model',
  decoderMerged: 'decoder_model_merged',
} as const);

/** Throws unless `names` holds every `expected` and nothing outside `expected` and `optional`, listing found and expected. */
function checkNames(fileName: string, what: 'inputs' | 'outputs', names: readonly string[], expected: readonly string[], optional: readonly string[] = []): void {
  const missing = expected.filter((name) => !names.includes(name));
  const unknown = what === 'inputs' ? names.filter((name) => !expected.includes(name) && !optional.includes(name)) : [];
  if (missing.length === 0 && unknown.length === 0) return;
  const shown = (list: readonly string[]) => {
    const names = list.slice(0, 8).map((name) => escapeUntrusted(name, 80));
    return list.length > 8 ? `${names.join(', ')}, … (${list.length} in all)` : names.join(', ');
  };
  throw new ModelLoadError(
    `${fileName} has ${what} [${shown(names)}]; the ort backend expects ${what} [${shown(expected)}]` +
      `${optional.length > 0 ? ` (optionally ${shown(optional)})` : ''}, as Optimum exports encoder-decoder models` +
      `${missing.length > 0 ? `; missing: ${shown(missing)}` : ''}${unknown.length > 0 ? `; unexpected: ${shown(unknown)}` : ''}.`,
    { code: 'UNSUPPORTED_MODEL' },
  );
}

/** The model types whose stacks scale their token embeddings when `scale_embedding` is set (HF's `embed_scale`). */
const scaledFamilies: ReadonlySet<string> = new Set(['bart', 'mbart', 'marian']);

/**
 * A graph's token embedding table, found by structure (the Gather of `input_ids`) whatever its
 * initializer is called, with the embedding scale of the `Mul` that follows the lookup (see
 * `findEmbeddingScaleMul`): `embed` returns the rows × that scale, the tensor Inseq attributes and
 * the joined graph takes (docs/attributed-embeddings.md). A BART/mBART/Marian config with
 * `scale_embedding` whose graph has no such `Mul` has no attributable embeddings (the reason says so).
 */
function embeddingTable(opened: OpenedOrtSession, location: string, config: ModelConfig): OrtEmbeddings {
  const fileName = `${location}/${opened.path}`;
  const found = opened.graph ? findEmbeddingTable(opened.graph, config.hiddenSize, fileName) : ({ found: false, reason: `the graph of ${fileName} could not be walked` } as const);
  if (!found.found || !opened.graph) return lazyEmbeddings(found, opened.readExternal);
  const scale = onnxEmbeddingScale(opened.graph, found.lookup);
  if (scale === undefined && scaledFamilies.has(config.modelType) && config.raw.scale_embedding === true) {
    return {
      missing:
        `${fileName} has no Mul by the embedding scale right after its token lookup, though config.json sets scale_embedding ` +
        '(the attributed tensor is the token embeddings × √d_model, cut after that Mul); export the model again without graph optimizations',
    };
  }
  return lazyEmbeddings(found, opened.readExternal, scale);
}

/**
 * Loads an encoder-decoder export in the transformers.js layout (`onnx/encoder_model.onnx` with
 * `onnx/decoder_model_merged.onnx` when the folder has it, as transformers.js prefers, else
 * `onnx/decoder_model.onnx` and optionally `onnx/decoder_with_past_model.onnx`; names with the
 * dtype's suffix) and returns its backend. Graph names are Optimum's: the encoder takes
 * `input_ids`, `attention_mask` and returns `last_hidden_state` (optionally
 * `encoder_attentions.{i}`); the decoder takes `input_ids`,
 * `encoder_attention_mask`, `encoder_hidden_states` and returns `logits` (and
 * `present.{i}.decoder|encoder.key|value`, optionally `decoder_attentions.{i}` /
 * `cross_attentions.{i}`); the decoder with past takes `past_key_values.{i}.decoder|encoder.key|value`
 * instead of (or beside) `encoder_hidden_states`; the merged decoder takes every input of both and
 * `use_cache_branch`.
 *
 * @throws {@link ModelLoadError} for a missing graph (listing the `.onnx` files the folder has),
 * or `'UNSUPPORTED_MODEL'` for graphs of other input or output names (found and expected).
 */
export async function loadOrtSeq2Seq(
  files: ModelFiles,
  config: ModelConfig,
  options: {
    /** The dtype's file suffix (`''` for fp32). */
    readonly suffix: string;
    /** Every dtype's suffix, to list the graphs a folder has. */
    readonly suffixes: readonly string[];
    readonly open: OrtSessionOpener;
    readonly runtime: OrtRuntime;
    /** The asked dtype (bnb4 exports get no gradients; fp16 / quantized ones are differentiated as float32). @defaultValue 'fp32' */
    readonly dtype?: string;
    /** Options of the load's sessions (execution providers, threads), for the gradient sessions too. */
    readonly sessionOptions?: InferenceSession.SessionOptions;
    /** The family's HF layer names of both stacks (`OrtArchitecture.layerNames`), looked up in the joined graph for `layerActivations`. */
    readonly layerNames?: readonly string[];
  },
): Promise<ModelBackend> {
  // transformers.js keeps the graphs in onnx/, Optimum in the folder root: the first with an encoder.
  let folder: string = onnxFolders[0];
  for (const candidate of onnxFolders) {
    if (await files.has(`${candidate}${seq2seqGraphs.encoder}${options.suffix}.onnx`)) {
      folder = candidate;
      break;
    }
  }
  const path = (graph: string) => `${folder}${graph}${options.suffix}.onnx`;
  const has = async (graph: string) => files.has(path(graph));
  const found = await onnxFilesFound(
    files,
    onnxFolders.flatMap((where) => Object.values(seq2seqGraphs).flatMap((graph) => options.suffixes.map((suffix) => `${where}${graph}${suffix}.onnx`))),
  );
  const missing = [];
  if (!(await has(seq2seqGraphs.encoder))) missing.push(path(seq2seqGraphs.encoder));
  // transformers.js's choice: the merged decoder when there is one, else decoder_model (+ with past).
  const merged = await has(seq2seqGraphs.decoderMerged);
  if (!merged && !(await has(seq2seqGraphs.decoder))) missing.push(`${path(seq2seqGraphs.decoderMerged)} or ${path(seq2seqGraphs.decoder)}`);
  if (missing.length > 0) {
    throw new ModelLoadError(
      `${files.location} is an encoder-decoder model (${config.modelType}) but has no ${missing.join(' and no ')}; it has ` +
        `${found.length > 0 ? found.join(', ') : 'no ONNX file'}. The ort backend needs encoder_model.onnx with decoder_model_merged.onnx, ` +
        `or with decoder_model.onnx (optionally decoder_with_past_model.onnx), named with the dtype's suffix, in onnx/ (transformers.js) ` +
        `or in the folder root (optimum-cli export onnx --model <id> <folder>).`,
    );
  }
  const opened: OpenedOrtSession[] = [];
  const open = async (graph: string) => {
    const session = await options.open(path(graph));
    opened.push(session);
    return session;
  };
  const past = seq2seqPastNames(config.numLayers);
  const presents = (names: readonly string[]) => names.map((name) => name.replace('past_key_values', 'present'));
  try {
    const encoder = await open(seq2seqGraphs.encoder);
    const encoderFile = `${files.location}/${path(seq2seqGraphs.encoder)}`;
    checkNames(encoderFile, 'inputs', encoder.session.inputNames, ['input_ids', 'attention_mask']);
    checkNames(encoderFile, 'outputs', encoder.session.outputNames, ['last_hidden_state']);
    const decoder = await open(merged ? seq2seqGraphs.decoderMerged : seq2seqGraphs.decoder);
    const decoderFile = `${files.location}/${path(merged ? seq2seqGraphs.decoderMerged : seq2seqGraphs.decoder)}`;
    const decoderInputs = ['input_ids', 'encoder_attention_mask', 'encoder_hidden_states'];
    let decoderWithPast: OpenedOrtSession | undefined;
    if (merged) {
      checkNames(decoderFile, 'inputs', decoder.session.inputNames, [...decoderInputs, ...past.decoder, ...past.encoder, 'use_cache_branch']);
      checkNames(decoderFile, 'outputs', decoder.session.outputNames, ['logits', ...presents([...past.decoder, ...past.encoder])]);
      decoderWithPast = decoder;
    } else {
      checkNames(decoderFile, 'inputs', decoder.session.inputNames, decoderInputs);
      checkNames(decoderFile, 'outputs', decoder.session.outputNames, ['logits']);
      if (await has(seq2seqGraphs.decoderWithPast)) {
        decoderWithPast = await open(seq2seqGraphs.decoderWithPast);
        const withPastFile = `${files.location}/${path(seq2seqGraphs.decoderWithPast)}`;
        checkNames(withPastFile, 'inputs', decoderWithPast.session.inputNames, ['input_ids', 'encoder_attention_mask', ...past.decoder, ...past.encoder], ['encoder_hidden_states']);
        checkNames(withPastFile, 'outputs', decoderWithPast.session.outputNames, ['logits', ...presents(past.decoder)]);
        // The first step's cache comes from decoder_model.onnx, which must then return every layer's keys and values.
        checkNames(decoderFile, 'outputs', decoder.session.outputNames, ['logits', ...presents([...past.decoder, ...past.encoder])]);
      }
    }
    const embeddings = {
      encoder: embeddingTable(encoder, files.location, config),
      decoder: embeddingTable(decoder, files.location, config),
    };
    // Gradients: when both embedding tables can be read (methods need the step's embeddings) and
    // every op between either side's embeddings and the logits has a rule (probed now, built on first use).
    const names = { encoderFile, decoderFile };
    const missingTable = [embeddings.encoder, embeddings.decoder].find((found) => 'missing' in found);
    const probed =
      missingTable && 'missing' in missingTable
        ? { gradients: missingTable.missing }
        : probeOrtSeq2SeqGradients(encoder.bytes, decoder.bytes, config, { dtype: options.dtype ?? 'fp32', merged, names, ...(options.layerNames && { layerNames: options.layerNames }) });
    const differentiable = probed.gradients;
    const layers = options.layerNames
      ? (probed.layers ?? `layer methods need the gradient model, and ${differentiable}`)
      : `model_type '${config.modelType}' is registered without layer names (an OrtArchitecture's layerNames)`;
    const externalData = new Map([...encoder.externalData, ...decoder.externalData]);
    return createOrtSeq2SeqBackend(
      { encoder: encoder.session, decoder: decoder.session, merged, ...(decoderWithPast && { decoderWithPast: decoderWithPast.session }) },
      config,
      {
        runtime: options.runtime,
        embeddings,
        ...(differentiable === true
          ? {
              gradientModel: {
                readModels: async () => ({ encoder: await files.read(encoder.path), decoder: await files.read(decoder.path) }),
                // The joined model keeps external initializers as references: its sessions get both graphs' data files.
                readExternalData: () => Promise.all([...externalData].map(async ([path, file]) => ({ path, data: await files.read(file) }))),
                merged,
                names,
                sessionOptions: options.sessionOptions ?? {},
                ...(typeof layers !== 'string' && { layers }),
              },
            }
          : { noGradients: differentiable }),
        ...(typeof layers === 'string' && { noLayers: layers }),
      },
    );
  } catch (error) {
    await Promise.all(opened.map(({ session }) => session.release()));
    throw error;
  }
}
