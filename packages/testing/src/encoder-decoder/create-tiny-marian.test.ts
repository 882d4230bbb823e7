import { loadTokenizer, memoryModelFiles } from '@inseq/core';
import { decodeSafetensors } from '../decode-safetensors';
import { describe, expect, it } from 'vitest';
import { createTinyMarian } from './create-tiny-marian';
import { clearFixtureCache } from '../fixture-cache';

describe('createTinyMarian', () => {
  it('is deterministic and writes the MarianMTModel layout', () => {
    const a = createTinyMarian();
    clearFixtureCache();
    expect(createTinyMarian().files).toEqual(a.files);
    expect(createTinyMarian({ seed: 1 }).files['model.safetensors']).not.toEqual(a.files['model.safetensors']);
    const vocab = a.config.vocab_size as number;
    expect(a.config).toMatchObject({
      model_type: 'marian',
      architectures: ['MarianMTModel'],
      activation_function: 'swish',
      d_model: 32,
      encoder_layers: 2,
      decoder_layers: 2,
      encoder_attention_heads: 4,
      decoder_attention_heads: 4,
      encoder_ffn_dim: 64,
      decoder_ffn_dim: 64,
      scale_embedding: true,
      static_position_embeddings: true,
      normalize_before: false,
      normalize_embedding: false,
      share_encoder_decoder_embeddings: true,
      tie_word_embeddings: true,
      is_encoder_decoder: true,
      eos_token_id: 0,
      pad_token_id: vocab - 1,
      decoder_start_token_id: vocab - 1,
    });
    expect(a.weights['model.shared.weight'].shape).toEqual([vocab, 32]);
    expect(a.weights['model.encoder.layers.0.self_attn.k_proj.weight'].shape).toEqual([32, 32]);
    expect(a.weights['model.decoder.layers.1.encoder_attn.out_proj.bias'].shape).toEqual([32]);
    expect(a.weights['model.decoder.layers.1.fc1.weight'].shape).toEqual([64, 32]);
    expect(a.weights.final_logits_bias.shape).toEqual([1, vocab]);
    expect(a.weights['lm_head.weight']).toBeUndefined();
    expect(Object.keys(a.weights).some((name) => name.includes('embed_positions') || name.includes('layernorm_embedding'))).toBe(false);
    // nn.Embedding(padding_idx) starts the pad row at zero.
    const shared = a.weights['model.shared.weight'].data;
    expect(shared.subarray((vocab - 1) * 32, vocab * 32).every((v) => v === 0)).toBe(true);
    const stored = decodeSafetensors(a.files['model.safetensors']);
    expect(Object.keys(stored.tensors).sort()).toEqual(Object.keys(a.weights).sort());
    for (const [name, { shape, data }] of Object.entries(a.weights)) expect(stored.tensors[name]).toMatchObject({ dtype: 'F32', shape, data });
  });

  it('unshared, untied embeddings store encoder, decoder and lm_head tables', () => {
    const { weights, config } = createTinyMarian({ shareEncoderDecoderEmbeddings: false, tieWordEmbeddings: false });
    expect(config).toMatchObject({ share_encoder_decoder_embeddings: false, tie_word_embeddings: false });
    for (const name of ['model.encoder.embed_tokens.weight', 'model.decoder.embed_tokens.weight', 'lm_head.weight']) expect(weights[name]).toBeDefined();
    expect(weights['model.shared.weight']).toBeUndefined();
  });

  it("ships a Unigram tokenizer in opus-mt's layout that appends </s>", async () => {
    const { files, config } = createTinyMarian();
    const tokenizer = await loadTokenizer(memoryModelFiles(files, 'tiny-marian'));
    expect(tokenizer.specialTokenIds).toMatchObject({ eos: 0, unk: 1, pad: config.pad_token_id });
    const ids = tokenizer.encode('Where is the bus stop?');
    expect(ids.at(-1)).toBe(0);
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe('Where is the bus stop?');
  });
});
