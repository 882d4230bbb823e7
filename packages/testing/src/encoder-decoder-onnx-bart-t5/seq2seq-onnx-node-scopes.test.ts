import { describe, expect, it } from 'vitest';
import { createTinyBart } from '../encoder-decoder/create-tiny-bart';
import { createTinyMarian } from '../encoder-decoder/create-tiny-marian';
import { createTinyT5 } from '../encoder-decoder/create-tiny-t5';
import { marianDecoderOnnxSpec } from '../encoder-decoder-onnx/marian-decoder-onnx-spec';
import { marianEncoderOnnxSpec } from '../encoder-decoder-onnx/marian-encoder-onnx-spec';
import type { OnnxModelSpec } from '../onnx-model-spec';
import { bartOnnxModelSpecs } from './bart-onnx-model-specs';
import { t5OnnxModelSpecs } from './t5-onnx-model-specs';

const names = (spec: OnnxModelSpec) => spec.nodes.map((node) => node.name);

function expectScoped(spec: OnnxModelSpec, expected: readonly string[]): void {
  const all = names(spec);
  expect(new Set(all).size).toBe(all.length);
  for (const name of expected) expect(all).toContain(name);
}

describe('the seq2seq ONNX writers name nodes by module scope, as torch.onnx / Optimum export them', () => {
  it('Marian: encoder and decoder (plain and merged)', () => {
    const { weights, config } = createTinyMarian();
    expectScoped(marianEncoderOnnxSpec(weights, config), [
      '/model/encoder/embed_tokens/Gather',
      '/model/encoder/layers.0/self_attn/out_proj/MatMul',
      '/model/encoder/layers.0/self_attn_layer_norm/LayerNormalization',
      '/model/encoder/layers.1/fc2/Add',
      '/model/encoder/layers.1/Add_1',
    ]);
    for (const merged of [false, true]) {
      expectScoped(marianDecoderOnnxSpec(weights, config, { merged }), [
        '/model/decoder/embed_tokens/Gather',
        '/model/decoder/layers.0/encoder_attn/k_proj/MatMul',
        '/model/decoder/layers.1/fc2/Add',
        '/model/decoder/layers.1/final_layer_norm/LayerNormalization',
        '/lm_head/MatMul',
      ]);
    }
  });

  it('BART and mBART', () => {
    for (const family of ['bart', 'mbart'] as const) {
      const { weights, config } = createTinyBart({ family });
      const specs = bartOnnxModelSpecs(weights, config, { merged: true });
      expectScoped(specs.encoder, ['/model/encoder/layernorm_embedding/LayerNormalization', '/model/encoder/layers.0/self_attn/q_proj/MatMul', '/model/encoder/layers.0/fc2/Add']);
      expectScoped(specs.decoder, ['/model/decoder/layers.0/encoder_attn/out_proj/Add', '/model/decoder/layers.0/activation_fn/Erf']);
      if (family === 'mbart') expectScoped(specs.encoder, ['/model/encoder/layer_norm/LayerNormalization']);
    }
  });

  it('T5', () => {
    const { weights, config } = createTinyT5();
    const specs = t5OnnxModelSpecs(weights, config, { merged: true });
    expectScoped(specs.encoder, ['/encoder/embed_tokens/Gather', '/encoder/block.0/layer.1/DenseReluDense/wo/MatMul', '/encoder/block.0/layer.0/Add', '/encoder/final_layer_norm/Mul_1']);
    expectScoped(specs.decoder, ['/decoder/block.1/layer.1/EncDecAttention/o/MatMul', '/decoder/block.0/layer.2/layer_norm/Mul_1', '/decoder/final_layer_norm/Mul_1', '/lm_head/MatMul']);
  });
});
