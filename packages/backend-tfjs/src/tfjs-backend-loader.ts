import { type BackendLoader, checkModelFolder, locateModelWeights, readonlyRegistry, type Registry } from '@inseq/core';
import { loadTfjsBackend, requiredFiles } from './load-tfjs-backend';
import { type TfjsArchitecture, tfjsArchitectures } from './models/tfjs-architectures';
import type { TfjsDevice } from './tfjs-device';

/** A tfjs {@link BackendLoader}: its `architectures` are tfjs ones (with `create`). */
export interface TfjsBackendLoader extends BackendLoader {
  readonly architectures: Registry<TfjsArchitecture>;
}

/** Options of {@link createTfjsBackendLoader}. */
export interface CreateTfjsBackendLoaderOptions {
  /**
   * The model families the loader knows, by `model_type`; start from {@link tfjsArchitectures} to
   * keep the built-ins. @defaultValue a read-only registry of the built-ins
   */
  readonly architectures?: Registry<TfjsArchitecture>;
}

/** What registering into a default loader's registry says to do instead. */
const ownLoaderHint =
  "The default tfjs loader's architectures are the built-ins and cannot change; to add a family, create a loader with its own registry: " +
  'createTfjsBackendLoader({ architectures: tfjsArchitectures().register(myArchitecture) }), and pass it to loadModel({ backends: [loader] }).';

/**
 * The tfjs backend as a registry entry (`name: 'tfjs'`) over `options.architectures`. `canLoad` is
 * `true` for a folder whose config.json names a `model_type` of that registry and that has
 * safetensors weights (model.safetensors or model.safetensors.index.json + shards), else the reason
 * (for pickle-only folders: why and how to convert); `load` is {@link loadTfjsBackend} with the same
 * registry (`device`: `'wasm'`, `'cpu'` or `'webgpu'`).
 *
 * @example
 * const loader = createTfjsBackendLoader({ architectures: tfjsArchitectures().register(myFamily) });
 * const model = await loadModel('path/to/my-model', { backends: [loader] });
 */
export function createTfjsBackendLoader(options?: CreateTfjsBackendLoaderOptions): TfjsBackendLoader {
  const architectures = options?.architectures ?? readonlyRegistry(tfjsArchitectures(), ownLoaderHint);
  return Object.freeze<TfjsBackendLoader>({
    name: 'tfjs',
    architectures,
    canLoad: async (files) => {
      const verdict = await checkModelFolder(files, { backend: 'tfjs', requiredFiles, modelTypes: architectures.list() });
      if (verdict !== true) return verdict;
      const weights = await locateModelWeights(files);
      return typeof weights === 'string' ? weights : true;
    },
    load: (files, loadOptions) =>
      loadTfjsBackend(files, {
        device: loadOptions?.device as TfjsDevice | undefined,
        architectures,
        ...(loadOptions?.allowNonFiniteWeights !== undefined && { allowNonFiniteWeights: loadOptions.allowNonFiniteWeights }),
        ...(loadOptions?.onWarning !== undefined && { onWarning: loadOptions.onWarning }),
      }),
  });
}

/** The default tfjs loader: {@link createTfjsBackendLoader} over a read-only registry of the built-in architectures. */
export const tfjsBackendLoader: TfjsBackendLoader = createTfjsBackendLoader();
