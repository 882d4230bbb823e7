import { type BackendLoader, checkModelFolder, readJsonFile } from '@inseq/core';
import { loadOrtBackend, type OrtDtype, ortDtypeFiles } from './load-ort-backend';
import type { OrtDevice } from './ort-runtime';
import { ortEncoderDecoderModelTypes, ortModelTypes } from './parse-ort-config';

/**
 * The ort backend as a registry entry (`name: 'ort'`). `canLoad` is `true` for a folder whose
 * config.json has a `model_type` of `ortModelTypes` (gpt2 and the Llama family) and that holds at least one ONNX export of
 * {@link ortDtypeFiles} (`onnx/model.onnx`, `onnx/model_fp16.onnx`, …), or a `model_type` of
 * `ortEncoderDecoderModelTypes` (marian, bart, mbart, t5) with `onnx/encoder_model.onnx` and `onnx/decoder_model_merged.onnx`
 * or `onnx/decoder_model.onnx` (or another dtype's pair), else the reason; `load`
 * is {@link loadOrtBackend} with `device` (`'cpu'` in Node; `'wasm'` or `'webgpu'` in browsers)
 * and `dtype` passed through.
 */
export const ortBackendLoader: BackendLoader = Object.freeze<BackendLoader>({
  name: 'ort',
  dtypes: Object.freeze(Object.keys(ortDtypeFiles)),
  async canLoad(files) {
    const modelTypes = [...ortModelTypes, ...ortEncoderDecoderModelTypes];
    const verdict = await checkModelFolder(files, { backend: 'ort', requiredFiles: ['config.json'], modelTypes });
    if (verdict !== true) return verdict;
    if ((ortEncoderDecoderModelTypes as readonly string[]).includes((await readJsonFile(files, 'config.json')).model_type as string)) {
      // Encoder-decoder exports: transformers.js's encoder_model / decoder_model pair, any dtype suffix.
      const suffixes = Object.values(ortDtypeFiles).map((name) => name.slice('model'.length));
      for (const suffix of suffixes) {
        if (!(await files.has(`onnx/encoder_model${suffix}`))) continue;
        if ((await files.has(`onnx/decoder_model_merged${suffix}`)) || (await files.has(`onnx/decoder_model${suffix}`))) return true;
      }
      return `${files.location} has no encoder-decoder ONNX export (onnx/encoder_model.onnx with onnx/decoder_model_merged.onnx or onnx/decoder_model.onnx, or another dtype's pair)`;
    }
    const paths = Object.values(ortDtypeFiles).map((name) => `onnx/${name}`);
    for (const path of paths) if (await files.has(path)) return true;
    return `${files.location} has no ONNX export (${paths.join(', ')})`;
  },
  load: (files, options) =>
    loadOrtBackend(files, { device: options?.device as OrtDevice | undefined, dtype: options?.dtype as OrtDtype | undefined }),
});
