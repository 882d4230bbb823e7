import { loadTokenizer, memoryModelFiles } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../decode-safetensors';
import { createTinyT5 } from './create-tiny-t5';
import { clearFixtureCache } from '../fixture-cache';

describe('createTinyT5', () => {
  it('is deterministic and writes the T5ForConditionalGeneration layout', () => {
    const a = createTinyT5();
    clearFixtureCache();
    expect(createTinyT5().files).toEqual(a.files);
    expect(createTinyT5({ seed: 1 }).files['model.safetensors']).not.toEqual(a.files['model.safetensors']);
    const vocab = a.config.vocab_size as number;
    expect(a.config).toMatchObject({
      model_type: 't5',
      architectures: ['T5ForConditionalGeneration'],
      d_model: 32,
      d_kv: 8,
      d_ff: 64,
      num_layers: 2,
      num_decoder_layers: 2,
      num_heads: 4,
      relative_attention_num_buckets: 32,
      relative_attention_max_distance: 128,
      feed_forward_proj: 'relu',
      dense_act_fn: 'relu',
      is_gated_act: false,
      tie_word_embeddings: true,
      pad_token_id: 0,
      eos_token_id: 1,
      decoder_start_token_id: 0,
    });
    expect(a.weights['shared.weight'].shape).toEqual([vocab, 32]);
    expect(a.weights['encoder.block.0.layer.0.SelfAttention.q.weight'].shape).toEqual([32, 32]);
    expect(a.weights['encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight'].shape).toEqual([32, 4]);
    expect(a.weights['decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight'].shape).toEqual([32, 4]);
    // Only block 0 of each stack holds the relative bias; cross-attention has none.
    expect(Object.keys(a.weights).filter((name) => name.includes('relative_attention_bias'))).toHaveLength(2);
    expect(a.weights['decoder.block.1.layer.1.EncDecAttention.o.weight'].shape).toEqual([32, 32]);
    expect(a.weights['decoder.block.1.layer.2.DenseReluDense.wi.weight'].shape).toEqual([64, 32]);
    expect(a.weights['decoder.final_layer_norm.weight'].shape).toEqual([32]);
    expect(Object.keys(a.weights).some((name) => name.endsWith('.bias') && !name.includes('relative_attention_bias'))).toBe(false);
    expect(a.weights['lm_head.weight']).toBeUndefined();
    expect(Object.keys(decodeSafetensors(a.files['model.safetensors']).tensors).sort()).toEqual(Object.keys(a.weights).sort());
  });

  it('gated-gelu (T5 v1.1 / Flan): wi_0, wi_1, gelu_new, untied lm_head', () => {
    const { weights, config } = createTinyT5({ feedForwardProj: 'gated-gelu', dKv: 4, numDecoderLayers: 3 });
    expect(config).toMatchObject({ feed_forward_proj: 'gated-gelu', dense_act_fn: 'gelu_new', is_gated_act: true, tie_word_embeddings: false, num_decoder_layers: 3 });
    expect(weights['encoder.block.1.layer.1.DenseReluDense.wi_0.weight'].shape).toEqual([64, 32]);
    expect(weights['encoder.block.1.layer.1.DenseReluDense.wi_1.weight'].shape).toEqual([64, 32]);
    expect(weights['decoder.block.2.layer.0.SelfAttention.k.weight'].shape).toEqual([16, 32]);
    expect(weights['decoder.block.2.layer.0.SelfAttention.o.weight'].shape).toEqual([32, 16]);
    expect(weights['lm_head.weight'].shape).toEqual([config.vocab_size, 32]);
    expect(() => createTinyT5({ numBuckets: 6 })).toThrow(/multiple of 4/);
  });

  it("ships a Unigram tokenizer with T5's ids that appends </s>", async () => {
    const { files } = createTinyT5();
    const tokenizer = await loadTokenizer(memoryModelFiles(files, 'tiny-t5'));
    expect(tokenizer.specialTokenIds).toMatchObject({ pad: 0, eos: 1, unk: 2 });
    const text = 'translate English to German: The house is wonderful.';
    const ids = tokenizer.encode(text);
    expect(ids.at(-1)).toBe(1);
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe(text);
  });
});
