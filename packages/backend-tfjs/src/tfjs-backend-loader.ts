import { type BackendLoader, InseqError, readJsonFile } from '@inseq/core';
import { loadTfjsBackend, requiredFiles } from './load-tfjs-backend';
import { supportedModelTypes, supportedModels } from './models/supported-models';
import type { TfjsDevice } from './tfjs-device';

/**
 * The tfjs backend as a registry entry (`name: 'tfjs'`). `canLoad` is `true` for a folder whose
 * config.json names a supported `model_type` and that has model.safetensors, else the reason;
 * `load` is {@link loadTfjsBackend} (`device`: `'wasm'`, `'cpu'` or `'webgpu'`).
 */
export const tfjsBackendLoader: BackendLoader = Object.freeze<BackendLoader>({
  name: 'tfjs',
  async canLoad(files) {
    for (const name of requiredFiles) {
      if (!(await files.has(name))) return `${files.location} has no ${name}`;
    }
    let raw: Record<string, unknown>;
    try {
      raw = await readJsonFile(files, 'config.json');
    } catch (error) {
      if (InseqError.isInstance(error)) return error.message;
      throw error;
    }
    const modelType = raw.model_type;
    if (typeof modelType !== 'string' || !Object.hasOwn(supportedModels, modelType)) {
      return `model_type ${JSON.stringify(modelType)} is not implemented in tfjs (supported: ${supportedModelTypes.join(', ')})`;
    }
    return true;
  },
  load: (files, options) => loadTfjsBackend(files, { device: options?.device as TfjsDevice | undefined }),
});
