import { type BackendLoader, InseqError, readJsonFile } from '@inseq/core';
import { loadOrtBackend, requiredOrtFiles } from './load-ort-backend';
import type { OrtDevice } from './ort-runtime';

/**
 * The ort backend as a registry entry (`name: 'ort'`). `canLoad` is `true` for a folder whose
 * config.json has `model_type` `'gpt2'` and that has onnx/model.onnx, else the reason; `load` is
 * {@link loadOrtBackend} with `device` passed through (`'cpu'` in Node; `'wasm'` or `'webgpu'` in browsers).
 */
export const ortBackendLoader: BackendLoader = Object.freeze<BackendLoader>({
  name: 'ort',
  async canLoad(files) {
    for (const name of requiredOrtFiles) {
      if (!(await files.has(name))) return `${files.location} has no ${name}`;
    }
    let raw: Record<string, unknown>;
    try {
      raw = await readJsonFile(files, 'config.json');
    } catch (error) {
      if (InseqError.isInstance(error)) return error.message;
      throw error;
    }
    if (raw.model_type !== 'gpt2') {
      return `model_type ${JSON.stringify(raw.model_type)} is not supported by the ort backend yet (supported: gpt2)`;
    }
    return true;
  },
  load: (files, options) => loadOrtBackend(files, { device: options?.device as OrtDevice | undefined }),
});
