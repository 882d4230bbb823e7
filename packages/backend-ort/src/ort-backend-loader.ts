import { type BackendLoader, checkModelFolder } from '@inseq/core';
import { loadOrtBackend, type OrtDtype, ortDtypeFiles } from './load-ort-backend';
import type { OrtDevice } from './ort-runtime';
import { ortModelTypes } from './parse-ort-config';

/**
 * The ort backend as a registry entry (`name: 'ort'`). `canLoad` is `true` for a folder whose
 * config.json has a `model_type` of `ortModelTypes` (gpt2 and the Llama family) and that holds at least one ONNX export of
 * {@link ortDtypeFiles} (`onnx/model.onnx`, `onnx/model_fp16.onnx`, …), else the reason; `load`
 * is {@link loadOrtBackend} with `device` (`'cpu'` in Node; `'wasm'` or `'webgpu'` in browsers)
 * and `dtype` passed through.
 */
export const ortBackendLoader: BackendLoader = Object.freeze<BackendLoader>({
  name: 'ort',
  dtypes: Object.freeze(Object.keys(ortDtypeFiles)),
  async canLoad(files) {
    const verdict = await checkModelFolder(files, { backend: 'ort', requiredFiles: ['config.json'], modelTypes: ortModelTypes });
    if (verdict !== true) return verdict;
    const paths = Object.values(ortDtypeFiles).map((name) => `onnx/${name}`);
    for (const path of paths) if (await files.has(path)) return true;
    return `${files.location} has no ONNX export (${paths.join(', ')})`;
  },
  load: (files, options) =>
    loadOrtBackend(files, { device: options?.device as OrtDevice | undefined, dtype: options?.dtype as OrtDtype | undefined }),
});
