import { type BackendLoader, checkModelFolder } from '@inseq/core';
import { loadTfjsBackend, requiredFiles } from './load-tfjs-backend';
import { supportedModelTypes } from './models/supported-models';
import type { TfjsDevice } from './tfjs-device';

/**
 * The tfjs backend as a registry entry (`name: 'tfjs'`). `canLoad` is `true` for a folder whose
 * config.json names a supported `model_type` and that has model.safetensors, else the reason;
 * `load` is {@link loadTfjsBackend} (`device`: `'wasm'`, `'cpu'` or `'webgpu'`).
 */
export const tfjsBackendLoader: BackendLoader = Object.freeze<BackendLoader>({
  name: 'tfjs',
  canLoad: (files) => checkModelFolder(files, { backend: 'tfjs', requiredFiles, modelTypes: supportedModelTypes() }),
  load: (files, options) => loadTfjsBackend(files, { device: options?.device as TfjsDevice | undefined }),
});
