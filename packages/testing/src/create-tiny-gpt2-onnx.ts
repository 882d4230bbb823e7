import { createTinyGpt2 } from './create-tiny-gpt2';
import { encodeOnnxModel } from './encode-onnx-model';
import { gpt2OnnxModelSpec } from './gpt2-onnx-model-spec';
import { type TinyGpt2OnnxOptions, splitTinyGpt2OnnxOptions } from './tiny-gpt2-onnx-options';
import { cachedFixture } from './fixture-cache';

/**
 * The tiny GPT-2 of {@link createTinyGpt2} (same options, same weights) as ONNX bytes, the
 * `onnx/model.onnx` of a transformers.js folder: inputs `input_ids`, `attention_mask`,
 * `position_ids` `[batch_size, sequence_length]` int64, output `logits`
 * `[batch_size, sequence_length, vocab]` float32, opset 17. By default no past key values;
 * `withPast` adds `past_key_values.{i}.key/value` inputs and `present.{i}.key/value` outputs,
 * `outputAttentions` adds `attentions.{i}` outputs (see {@link gpt2OnnxModelSpec}). Weights are
 * stored as float32 whatever `dtype` is (with F16/BF16 they hold the rounded values).
 * Deterministic: equal options give equal bytes.
 */
export function createTinyGpt2Onnx(options?: TinyGpt2OnnxOptions): Uint8Array {
  return cachedFixture('createTinyGpt2Onnx', options, () => {
    const { model, graph } = splitTinyGpt2OnnxOptions(options);
    const { weights, config } = createTinyGpt2(model);
    return encodeOnnxModel(gpt2OnnxModelSpec(weights, config, graph));
  });
}
