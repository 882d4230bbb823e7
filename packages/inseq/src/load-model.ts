import {
  type AttributionModel,
  type BackendLoader,
  ModelLoadError,
  type ModelFiles,
  type Registry,
  createRegistry,
  loadTokenizer,
  readGenerationConfig,
  readJsonFile,
} from '@inseq/core';
import type { HubOptions } from '@inseq/hub';
import { offlineLoadError, resolveModelFiles } from './resolve-model-files';

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /**
   * Backend id (`'tfjs'`) or loader; without it the first backend that can load the folder is used.
   * @defaultValue the first of `backends` whose `canLoad` accepts the folder
   */
  readonly backend?: string | BackendLoader;
  /**
   * Backends to choose from, in order of preference: a registry or a list of loaders, e.g.
   * `[createTfjsBackendLoader({ architectures }), ortBackendLoader]` for a model family of your own.
   * @defaultValue the installed `@inseq/backend-*` packages' default loaders
   */
  readonly backends?: Registry<BackendLoader> | readonly BackendLoader[];
  /** Device for the backend (`'wasm'`, `'cpu'`, `'webgpu'`). @defaultValue the backend's default */
  readonly device?: string;
  /**
   * Which export of the folder to load (`'fp32'`, `'fp16'`, `'q8'`, … for ONNX exports); only
   * backends that list it in `dtypes` are considered. @defaultValue the backend's default (fp32)
   */
  readonly dtype?: string;
  /**
   * Revision of a Hub model id: branch, tag or commit sha (also `'org/name@rev'`).
   * @defaultValue `'main'`
   */
  readonly revision?: string;
  /**
   * Hub settings for a model id (token, endpoint, cache folder, offline, progress); each one left
   * out is read from the environment (`HF_TOKEN`, `HF_ENDPOINT`, `HF_HUB_CACHE`/`HF_HOME`,
   * `HF_HUB_OFFLINE`) in Node. @defaultValue the environment's
   */
  readonly hub?: Omit<HubOptions, 'revision'>;
  /** Load weights holding NaN or ±∞ with a warning instead of refusing the model (see the backends' load check). @defaultValue false */
  readonly allowNonFiniteWeights?: boolean;
  /** Receives load warnings (non-finite weights allowed). @defaultValue `console.warn` */
  readonly onWarning?: (message: string) => void;
}

/** The backend packages `loadModel` looks for, in order of preference (optional peers). */
const KNOWN_BACKENDS = [
  // tfjs first: it offers every capability, so ort takes only the folders tfjs cannot load (ONNX only).
  { packageName: '@inseq/backend-tfjs', exportName: 'tfjsBackendLoader' },
  { packageName: '@inseq/backend-ort', exportName: 'ortBackendLoader' },
] as const;

/** A registry of the backend packages that are installed. */
export async function installedBackends(): Promise<Registry<BackendLoader>> {
  const registry = createRegistry<BackendLoader>('backend');
  for (const { packageName, exportName } of KNOWN_BACKENDS) {
    const loaded = (await import(/* @vite-ignore */ packageName).catch(() => undefined)) as
      | Record<string, BackendLoader>
      | undefined;
    if (loaded?.[exportName]) registry.register(loaded[exportName]);
  }
  return registry;
}

/** Why `loader` cannot take `dtype`, or undefined when it can (or none was asked). */
async function dtypeVerdict(loader: BackendLoader, dtype: string | undefined): Promise<string | undefined> {
  if (dtype === undefined) return undefined;
  if (loader.dtypes === undefined) return `it loads weights as stored and takes no dtype (asked: ${JSON.stringify(dtype)})`;
  if (!loader.dtypes.includes(dtype)) return `unknown dtype ${JSON.stringify(dtype)} (valid: ${loader.dtypes.join(', ')})`;
  return undefined;
}

/** `backends` as a registry (a list is registered in order). */
function backendRegistry(backends: Registry<BackendLoader> | readonly BackendLoader[]): Registry<BackendLoader> {
  if (!Array.isArray(backends)) return backends as Registry<BackendLoader>;
  const registry = createRegistry<BackendLoader>('backend');
  for (const loader of backends) registry.register(loader);
  return registry;
}

async function chooseBackend(files: ModelFiles, options: LoadModelOptions): Promise<BackendLoader> {
  const backends = options.backends === undefined ? await installedBackends() : backendRegistry(options.backends);
  if (options.backend !== undefined) {
    const loader = typeof options.backend === 'string' ? backends.get(options.backend) : options.backend;
    const verdict = (await dtypeVerdict(loader, options.dtype)) ?? (await loader.canLoad(files));
    if (verdict !== true) throw new ModelLoadError(`Backend '${loader.name}' cannot load ${files.location}: ${verdict}`);
    return loader;
  }
  if (backends.list().length === 0) {
    throw new ModelLoadError(
      `No inseq-ts backend is installed. Install one, e.g. 'npm install @inseq/backend-tfjs', or pass { backends }.`,
    );
  }
  const reasons: string[] = [];
  for (const loader of backends.values()) {
    const verdict = (await dtypeVerdict(loader, options.dtype)) ?? (await loader.canLoad(files));
    if (verdict === true) return loader;
    reasons.push(`${loader.name}: ${verdict}`);
  }
  throw new ModelLoadError(`No installed backend can load ${files.location}. Tried ${reasons.join('; ')}.`);
}

/**
 * Loads a model in the Hugging Face layout (`config.json`, `tokenizer.json`, weights) from a local
 * folder, a Hugging Face Hub id (`'org/name'`, `'org/name@rev'`; only the files the chosen backend
 * and dtype read are downloaded, into the Hugging Face cache) or any {@link ModelFiles}. An
 * existing local path wins over a Hub id.
 */
export async function loadModel(pathOrFiles: string | ModelFiles, options: LoadModelOptions = {}): Promise<AttributionModel> {
  const files =
    typeof pathOrFiles === 'string'
      ? await resolveModelFiles(pathOrFiles, { ...options.hub, ...(options.revision !== undefined && { revision: options.revision }) })
      : pathOrFiles;
  try {
    return await loadFromFiles(files, options);
  } catch (error) {
    throw offlineLoadError(files, error);
  }
}

async function loadFromFiles(files: ModelFiles, options: LoadModelOptions): Promise<AttributionModel> {
  if (!(await files.has('config.json'))) {
    throw new ModelLoadError(
      `${files.location} has no config.json. A model folder needs config.json, tokenizer.json and weights ` +
        '(model.safetensors or its shards with model.safetensors.index.json; or ONNX exports such as onnx/model.onnx), ' +
        'as written by save_pretrained in the Hugging Face layout.',
    );
  }
  const config = await readJsonFile(files, 'config.json');
  const loader = await chooseBackend(files, options);
  const tokenizer = await loadTokenizer(files);
  const generationConfig = await readGenerationConfig(files, config);
  const backend = await loader.load(files, {
    device: options.device,
    ...(options.dtype !== undefined && { dtype: options.dtype }),
    ...(options.allowNonFiniteWeights !== undefined && { allowNonFiniteWeights: options.allowNonFiniteWeights }),
    ...(options.onWarning !== undefined && { onWarning: options.onWarning }),
  });
  const folderName = 'repoId' in files && typeof files.repoId === 'string' ? files.repoId : (files.location.split(/[\\/]/).filter(Boolean).at(-1) ?? files.location);
  const name = typeof config._name_or_path === 'string' && config._name_or_path ? config._name_or_path : folderName;
  return { name, backend, tokenizer, generationConfig };
}
