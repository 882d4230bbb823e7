import { type BackendLoader, checkModelFolder } from '@inseq/core';
import { loadOrtBackend, requiredOrtFiles } from './load-ort-backend';
import type { OrtDevice } from './ort-runtime';

/**
 * The ort backend as a registry entry (`name: 'ort'`). `canLoad` is `true` for a folder whose
 * config.json has `model_type` `'gpt2'` and that has onnx/model.onnx, else the reason; `load` is
 * {@link loadOrtBackend} with `device` passed through (`'cpu'` in Node; `'wasm'` or `'webgpu'` in browsers).
 */
export const ortBackendLoader: BackendLoader = Object.freeze<BackendLoader>({
  name: 'ort',
  canLoad: (files) => checkModelFolder(files, { backend: 'ort', requiredFiles: requiredOrtFiles, modelTypes: ['gpt2'] }),
  load: (files, options) => loadOrtBackend(files, { device: options?.device as OrtDevice | undefined }),
});
