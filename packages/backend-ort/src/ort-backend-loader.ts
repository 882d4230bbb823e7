import { type BackendLoader, type ModelFiles, checkModelFolder, isPickleWeightsFile, pickleWeightsMessage, readJsonFile } from '@inseq/core';
import { loadOrtBackend, type OrtDtype, ortDtypeFiles, ortDtypeSuffixes } from './load-ort-backend';
import { decoderOnlyCandidates, firstPresent, onnxFilesFound, onnxFolders } from './onnx/onnx-folder-layout';
import type { OrtDevice } from './ort-runtime';
import { ortEncoderDecoderModelTypes, ortModelTypes } from './parse-ort-config';

/**
 * For a folder without ONNX that holds PyTorch pickles: core's explanation of why they are not read
 * and how to export the model, so that an ort-only install says it too. Empty otherwise.
 */
async function pickleHint(files: ModelFiles): Promise<string> {
  const names = files.list ? await files.list() : [];
  const pickles = names.filter(isPickleWeightsFile);
  return pickles.length > 0 ? `. ${pickleWeightsMessage(files.location, pickles)}` : '';
}

/**
 * The ort backend as a registry entry (`name: 'ort'`). `canLoad` is `true` for a folder whose
 * config.json has a `model_type` of `ortModelTypes` (gpt2 and the Llama family) and that holds a
 * decoder-only ONNX export of any dtype ({@link decoderOnlyCandidates}: `onnx/model.onnx`,
 * `onnx/decoder_model_merged.onnx` as transformers.js; `model.onnx`, `decoder_model_merged.onnx`,
 * `decoder_model.onnx` in the root as Optimum and `torch.onnx.export`; `_fp16`, `_quantized`, …
 * suffixes), or a `model_type` of `ortEncoderDecoderModelTypes` (marian, bart, mbart, t5) with
 * `encoder_model.onnx` and `decoder_model_merged.onnx` or `decoder_model.onnx` (in `onnx/` or the
 * root, any dtype's pair), else the reason naming the ONNX files found; `load` is
 * {@link loadOrtBackend} with `device` (`'cpu'` in Node; `'wasm'` or `'webgpu'` in browsers) and
 * `dtype` passed through.
 */
export const ortBackendLoader: BackendLoader = Object.freeze<BackendLoader>({
  name: 'ort',
  dtypes: Object.freeze(Object.keys(ortDtypeFiles)),
  async canLoad(files) {
    const modelTypes = [...ortModelTypes, ...ortEncoderDecoderModelTypes];
    const verdict = await checkModelFolder(files, { backend: 'ort', requiredFiles: ['config.json'], modelTypes });
    if (verdict !== true) return verdict;
    if ((ortEncoderDecoderModelTypes as readonly string[]).includes((await readJsonFile(files, 'config.json')).model_type as string)) {
      const probes: string[] = [];
      for (const folder of onnxFolders) {
        for (const suffix of ortDtypeSuffixes) {
          const [encoder, merged, decoder] = ['encoder_model', 'decoder_model_merged', 'decoder_model'].map((graph) => `${folder}${graph}${suffix}.onnx`);
          probes.push(encoder, merged, decoder);
          if (!(await files.has(encoder))) continue;
          if ((await files.has(merged)) || (await files.has(decoder))) return true;
        }
      }
      const found = await onnxFilesFound(files, probes);
      return (
        `${files.location} has no encoder-decoder ONNX export (encoder_model.onnx with decoder_model_merged.onnx or decoder_model.onnx, ` +
        `or another dtype's pair, in onnx/ or the folder root); it has ${found.length > 0 ? found.join(', ') : 'no ONNX file'}` +
        (await pickleHint(files))
      );
    }
    const candidates = ortDtypeSuffixes.flatMap(decoderOnlyCandidates);
    if ((await firstPresent(files, candidates)) !== undefined) return true;
    const found = await onnxFilesFound(files, candidates);
    return (
      `${files.location} has no decoder-only ONNX export (looked for onnx/model.onnx, onnx/decoder_model_merged.onnx, model.onnx, ` +
      `decoder_model_merged.onnx, decoder_model.onnx and their dtype variants); it has ${found.length > 0 ? found.join(', ') : 'no ONNX file'}` +
      (await pickleHint(files))
    );
  },
  load: (files, options) =>
    loadOrtBackend(files, { device: options?.device as OrtDevice | undefined, dtype: options?.dtype as OrtDtype | undefined }),
});
