import {
  type BackendLoader,
  type ModelArchitecture,
  type ModelFiles,
  type Registry,
  checkModelFolder,
  isPickleWeightsFile,
  pickleWeightsMessage,
  readJsonFile,
  readonlyRegistry,
} from '@inseq/core';
import { loadOrtBackend, type OrtDtype, ortDtypeFiles, ortDtypeSuffixes } from './load-ort-backend';
import { decoderOnlyCandidates, firstPresent, onnxFilesFound, onnxFolders } from './onnx/onnx-folder-layout';
import type { OrtDevice } from './ort-runtime';
import { ortArchitectures } from './ort-architectures';

/**
 * For a folder without ONNX that holds PyTorch pickles: core's explanation of why they are not read
 * and how to export the model, so that an ort-only install says it too. Empty otherwise.
 */
async function pickleHint(files: ModelFiles): Promise<string> {
  const names = files.list ? await files.list() : [];
  const pickles = names.filter(isPickleWeightsFile);
  return pickles.length > 0 ? `. ${pickleWeightsMessage(files.location, pickles)}` : '';
}

/** Options of {@link createOrtBackendLoader}. */
export interface CreateOrtBackendLoaderOptions {
  /**
   * The model families the loader knows, by `model_type`, each `decoder-only` or
   * `encoder-decoder`; start from {@link ortArchitectures} to keep the built-ins.
   * @defaultValue a read-only registry of the built-ins
   */
  readonly architectures?: Registry<ModelArchitecture>;
}

/** What registering into a default loader's registry says to do instead. */
const ownLoaderHint =
  "The default ort loader's architectures are the built-ins and cannot change; to add a family, create a loader with its own registry: " +
  'createOrtBackendLoader({ architectures: ortArchitectures().register(myArchitecture) }), and pass it to loadModel({ backends: [loader] }).';

/**
 * The ort backend as a registry entry (`name: 'ort'`) over `options.architectures`. `canLoad` is
 * `true` for a folder whose config.json has a decoder-only `model_type` of that registry (built-ins:
 * gpt2 and the Llama family) and that holds a
 * decoder-only ONNX export of any dtype ({@link decoderOnlyCandidates}: `onnx/model.onnx`,
 * `onnx/decoder_model_merged.onnx` as transformers.js; `model.onnx`, `decoder_model_merged.onnx`,
 * `decoder_model.onnx` in the root as Optimum and `torch.onnx.export`; `_fp16`, `_quantized`, …
 * suffixes), or an encoder-decoder one (built-ins: marian, bart, mbart, t5) with
 * `encoder_model.onnx` and `decoder_model_merged.onnx` or `decoder_model.onnx` (in `onnx/` or the
 * root, any dtype's pair), else the reason naming the ONNX files found; `load` is
 * {@link loadOrtBackend} with `device` (`'cpu'` in Node; `'wasm'` or `'webgpu'` in browsers) and
 * `dtype` passed through, and the same registry.
 *
 * @example
 * const loader = createOrtBackendLoader({ architectures: ortArchitectures().register(myFamily) });
 * const model = await loadModel('path/to/my-model', { backends: [loader] });
 */
export function createOrtBackendLoader(options?: CreateOrtBackendLoaderOptions): BackendLoader {
  const architectures = options?.architectures ?? readonlyRegistry(ortArchitectures(), ownLoaderHint);
  return Object.freeze<BackendLoader>({
    name: 'ort',
    architectures,
    dtypes: Object.freeze(Object.keys(ortDtypeFiles)),
    async canLoad(files) {
      const verdict = await checkModelFolder(files, { backend: 'ort', requiredFiles: ['config.json'], modelTypes: architectures.list() });
      if (verdict !== true) return verdict;
      if (architectures.get((await readJsonFile(files, 'config.json')).model_type as string).kind === 'encoder-decoder') {
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
    load: (files, loadOptions) =>
      loadOrtBackend(files, {
        device: loadOptions?.device as OrtDevice | undefined,
        dtype: loadOptions?.dtype as OrtDtype | undefined,
        architectures,
        ...(loadOptions?.allowNonFiniteWeights !== undefined && { allowNonFiniteWeights: loadOptions.allowNonFiniteWeights }),
        ...(loadOptions?.onWarning !== undefined && { onWarning: loadOptions.onWarning }),
      }),
  });
}

/** The default ort loader: {@link createOrtBackendLoader} over a read-only registry of the built-in architectures. */
export const ortBackendLoader: BackendLoader = createOrtBackendLoader();
