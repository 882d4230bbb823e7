import { createTinyGpt2 } from './create-tiny-gpt2';
import { encodeOnnxModel } from './encode-onnx-model';
import { gpt2OnnxModelSpec } from './gpt2-onnx-model-spec';
import { splitTinyGpt2OnnxOptions, type TinyGpt2OnnxOptions } from './tiny-gpt2-onnx-options';
import { type TorchExportOnnxOptions, toTorchExportOnnxModel } from './to-torch-export-onnx-model';

/**
 * The tiny GPT-2 of {@link createTinyGpt2} as a folder a plain `torch.onnx.export` user writes:
 * `config.json`, `generation_config.json`, `tokenizer.json`, `tokenizer_config.json` and
 * `model.onnx` in the folder root (no `onnx/`), its graph from {@link toTorchExportOnnxModel}
 * (torch's initializer names, ids cast to int64, positions computed from the mask). `withPast`
 * and `outputAttentions` choose the graph variant as in `tinyGpt2OnnxFiles`; `embeddingName`
 * names the table.
 */
export function tinyGpt2TorchOnnxFiles(options: TinyGpt2OnnxOptions & TorchExportOnnxOptions = {}): Record<string, Uint8Array> {
  const { embeddingName, ...rest } = options;
  const { model, graph } = splitTinyGpt2OnnxOptions(rest);
  const { files, weights, config } = createTinyGpt2(model);
  return {
    'config.json': files['config.json'],
    'generation_config.json': files['generation_config.json'],
    'tokenizer.json': files['tokenizer.json'],
    'tokenizer_config.json': files['tokenizer_config.json'],
    'model.onnx': encodeOnnxModel(toTorchExportOnnxModel(gpt2OnnxModelSpec(weights, config, graph), embeddingName === undefined ? {} : { embeddingName })),
  };
}
