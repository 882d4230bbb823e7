import type { Gpt2OnnxGraphOptions } from './gpt2-onnx-model-spec';
import type { TinyGpt2Options } from './tiny-gpt2-options';

/** Options of {@link createTinyGpt2Onnx} and {@link tinyGpt2OnnxFiles}: the weights' options and the graph variant. */
export interface TinyGpt2OnnxOptions extends TinyGpt2Options, Gpt2OnnxGraphOptions {}

/** Splits the graph variant from the weights' options, so `createTinyGpt2` never sees graph keys. */
export function splitTinyGpt2OnnxOptions(options: TinyGpt2OnnxOptions = {}): { model: TinyGpt2Options; graph: Gpt2OnnxGraphOptions } {
  const { withPast, outputAttentions, ...model } = options;
  return { model, graph: { withPast, outputAttentions } };
}
