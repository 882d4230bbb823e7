import { type ModelFiles, ModelLoadError, type NonFiniteWeightsOptions, escapeUntrusted, quoteUntrusted, reportNonFiniteWeights } from '@inseq/core';
import { findNonFiniteInitializers } from './onnx/check-finite-initializers';
import type { InferenceSession } from 'onnxruntime-common';
import { type OnnxGraph, readOnnxGraph } from './onnx/read-onnx-graph';
import { type ExternalDataReader, onnxExternalDataFiles } from './onnx/read-onnx-initializer';
import { type OrtRuntime, readLocalFileRange } from './ort-runtime';

/** One ONNX file of the folder opened in ONNX Runtime, with its graph's structure and a reader of its external data. */
export interface OpenedOrtSession {
  readonly session: InferenceSession;
  /** The folder-relative file name (`onnx/model.onnx`). */
  readonly path: string;
  /** The graph's structure (nodes, subgraphs, initializers), or `undefined` when the walk could not read it. */
  readonly graph?: OnnxGraph;
  /** Reads byte ranges of the external data files the graph names (from disk or from the bytes handed to ONNX Runtime). */
  readonly readExternal: ExternalDataReader;
  /** Whether ONNX Runtime read the model and its external data from their paths (Node, local folder). */
  readonly byPath: boolean;
  /** The model file's bytes (for load-time checks; not kept by the backend). */
  readonly bytes: Uint8Array;
  /** The external data files the graph names: location (as written in the graph) → folder-relative path. */
  readonly externalData: ReadonlyMap<string, string>;
}

/** Opens a file of the folder (external data included), wrapping ONNX Runtime's error. */
export type OrtSessionOpener = (modelFile: string) => Promise<OpenedOrtSession>;

/**
 * The external data files the graph's initializers name, resolved beside the model as ONNX
 * Runtime resolves them; a location outside the folder or a missing file is reported before
 * ONNX Runtime fails on it.
 */
async function externalDataPaths(files: ModelFiles, modelFile: string, bytes: Uint8Array): Promise<Map<string, string>> {
  let named: ReturnType<typeof onnxExternalDataFiles>;
  try {
    named = onnxExternalDataFiles(bytes);
  } catch {
    // Not a protobuf we can walk: ONNX Runtime reports what is wrong with it.
    return new Map();
  }
  const folder = modelFile.slice(0, modelFile.lastIndexOf('/') + 1);
  const paths = new Map<string, string>();
  for (const { location, initializer } of named) {
    if (location.startsWith('/') || location.split(/[\\/]/).includes('..') || /^[A-Za-z]:/.test(location)) {
      throw new ModelLoadError(
        `${files.location}/${modelFile} stores initializer ${quoteUntrusted(initializer, 120)} in external data file ${quoteUntrusted(location, 120)}, which is not a path ` +
          `inside the model's folder; ONNX Runtime resolves external data only beside the model.`,
        { code: 'INVALID_FILE' },
      );
    }
    const path = `${folder}${location}`;
    if (!(await files.has(path))) {
      throw new ModelLoadError(
        `${files.location}/${modelFile} stores its weights (initializer ${quoteUntrusted(initializer, 120)} and others) in the external data file ` +
          `${quoteUntrusted(location, 120)}, but ${files.location} has no ${escapeUntrusted(path, 160)}. Copy it from the export next to ${modelFile}.`,
      );
    }
    paths.set(location, path);
  }
  return paths;
}

/**
 * The session opener of a load: reads the model file's bytes (for its structure) and creates the
 * session. In Node (onnxruntime-node) on a local folder (`files.localPath`), ONNX Runtime reads
 * the model and its external data (`*.onnx_data`) from their paths itself, so large weights never
 * pass through a JS buffer; elsewhere (browsers, memory, onnxruntime-web) the external data files
 * are read and handed over as `externalData` bytes. Before the session is created, every float
 * initializer (external data included, read in chunks) is checked for NaN and ±∞: such weights
 * are refused naming the tensors, or loaded with a warning under `weights.allowNonFiniteWeights`.
 */
export function ortSessionOpener(
  files: ModelFiles,
  runtime: OrtRuntime,
  sessionOptions: InferenceSession.SessionOptions,
  weights?: NonFiniteWeightsOptions,
): OrtSessionOpener {
  return async (path) => {
    const bytes = await files.read(path);
    const external = await externalDataPaths(files, path, bytes);
    const localModel = runtime.name === 'node' && readLocalFileRange ? await files.localPath?.(path) : undefined;
    const localData = new Map<string, string>();
    if (localModel !== undefined) {
      for (const [location, dataPath] of external) {
        const local = await files.localPath?.(dataPath);
        if (local !== undefined) localData.set(location, local);
      }
    }
    const byPath = localModel !== undefined && localData.size === external.size;
    let readExternal: ExternalDataReader;
    const options: InferenceSession.SessionOptions = { ...sessionOptions };
    if (byPath) {
      const read = readLocalFileRange!;
      readExternal = async (location, offset, length) => {
        const local = localData.get(location);
        return local === undefined || length === undefined ? undefined : read(local, offset, length);
      };
    } else {
      const data = new Map<string, Uint8Array>();
      for (const [location, dataPath] of external) data.set(location, await files.read(dataPath));
      if (data.size > 0) options.externalData = [...data].map(([location, bytes]) => ({ path: location, data: bytes }));
      readExternal = async (location, offset, length) => {
        const file = data.get(location);
        const end = length === undefined ? file?.length : offset + length;
        return file && end !== undefined && end <= file.length ? file.subarray(offset, end) : undefined;
      };
    }
    let graph: OnnxGraph | undefined;
    try {
      graph = readOnnxGraph(bytes);
    } catch {
      // Not a graph the walk reads: ONNX Runtime says what is wrong with it, or reads it and only the structural lookups are off.
      graph = undefined;
    }
    if (graph) reportNonFiniteWeights(await findNonFiniteInitializers(graph, readExternal), `${files.location}/${path}`, weights);
    let session: InferenceSession;
    try {
      session = byPath ? await runtime.InferenceSession.create(localModel, options) : await runtime.InferenceSession.create(bytes, options);
    } catch (cause) {
      throw new ModelLoadError(`ONNX Runtime cannot read ${files.location}/${path}: ${escapeUntrusted(String((cause as Error)?.message ?? cause), 1000)}`, {
        code: 'INVALID_FILE',
        cause,
      });
    }
    return { session, path, graph, readExternal, byPath, bytes, externalData: external };
  };
}
