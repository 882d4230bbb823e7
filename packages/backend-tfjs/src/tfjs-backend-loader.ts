import { type BackendLoader, checkModelFolder, locateModelWeights } from '@inseq/core';
import { loadTfjsBackend, requiredFiles } from './load-tfjs-backend';
import { supportedModelTypes } from './models/supported-models';
import type { TfjsDevice } from './tfjs-device';

/**
 * The tfjs backend as a registry entry (`name: 'tfjs'`). `canLoad` is `true` for a folder whose
 * config.json names a supported `model_type` and that has safetensors weights (model.safetensors or
 * model.safetensors.index.json + shards), else the reason (for pickle-only folders: why and how to convert);
 * `load` is {@link loadTfjsBackend} (`device`: `'wasm'`, `'cpu'` or `'webgpu'`).
 */
export const tfjsBackendLoader: BackendLoader = Object.freeze<BackendLoader>({
  name: 'tfjs',
  canLoad: async (files) => {
    const verdict = await checkModelFolder(files, { backend: 'tfjs', requiredFiles, modelTypes: supportedModelTypes() });
    if (verdict !== true) return verdict;
    const weights = await locateModelWeights(files);
    return typeof weights === 'string' ? weights : true;
  },
  load: (files, options) => loadTfjsBackend(files, { device: options?.device as TfjsDevice | undefined }),
});
