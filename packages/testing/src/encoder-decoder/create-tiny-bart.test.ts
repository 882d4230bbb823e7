import { loadTokenizer, memoryModelFiles } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../decode-safetensors';
import { createTinyBart } from './create-tiny-bart';
import { clearFixtureCache } from '../fixture-cache';

describe('createTinyBart', () => {
  it('is deterministic and writes the BartForConditionalGeneration layout', () => {
    const a = createTinyBart();
    clearFixtureCache();
    expect(createTinyBart().files).toEqual(a.files);
    expect(createTinyBart({ seed: 1 }).files['model.safetensors']).not.toEqual(a.files['model.safetensors']);
    const vocab = a.config.vocab_size as number;
    expect(a.config).toMatchObject({
      model_type: 'bart',
      architectures: ['BartForConditionalGeneration'],
      activation_function: 'gelu',
      d_model: 32,
      max_position_embeddings: 64,
      scale_embedding: false,
      normalize_before: false,
      bos_token_id: 0,
      pad_token_id: 1,
      eos_token_id: 2,
      decoder_start_token_id: 2,
      forced_bos_token_id: 0,
      is_encoder_decoder: true,
    });
    // HF's learned positions have 2 extra rows (offset 2).
    expect(a.weights['model.encoder.embed_positions.weight'].shape).toEqual([66, 32]);
    expect(a.weights['model.decoder.embed_positions.weight'].shape).toEqual([66, 32]);
    expect(a.weights['model.decoder.layernorm_embedding.bias'].shape).toEqual([32]);
    expect(a.weights['model.encoder.layers.1.final_layer_norm.weight'].shape).toEqual([32]);
    expect(a.weights['model.decoder.layers.0.encoder_attn.q_proj.weight'].shape).toEqual([32, 32]);
    expect(a.weights.final_logits_bias.shape).toEqual([1, vocab]);
    expect(a.weights['lm_head.weight']).toBeUndefined();
    expect(a.weights['model.shared.weight'].data.subarray(32, 64).every((v) => v === 0)).toBe(true);
    const stored = decodeSafetensors(a.files['model.safetensors']);
    expect(Object.keys(stored.tensors).sort()).toEqual(Object.keys(a.weights).sort());
    expect(createTinyBart({ tieWordEmbeddings: false }).weights['lm_head.weight'].shape).toEqual([vocab, 32]);
  });

  it('mbart: pre-norm config, final stack norms, SentencePiece tokenizer with language codes', async () => {
    const { weights, config, files } = createTinyBart({ family: 'mbart' });
    expect(config).toMatchObject({
      model_type: 'mbart',
      architectures: ['MBartForConditionalGeneration'],
      normalize_before: true,
      add_final_layer_norm: true,
      scale_embedding: true,
      pad_token_id: 1,
      eos_token_id: 2,
      forced_bos_token_id: null,
    });
    for (const stack of ['encoder', 'decoder']) {
      expect(weights[`model.${stack}.layer_norm.weight`].shape).toEqual([32]);
      expect(weights[`model.${stack}.layernorm_embedding.bias`].shape).toEqual([32]);
    }
    const tokenizer = await loadTokenizer(memoryModelFiles(files, 'tiny-mbart'));
    expect(tokenizer.idToToken(config.decoder_start_token_id as number)).toBe('ro_RO');
    const ids = tokenizer.encode('The cat sat on the mat.');
    expect(tokenizer.idToToken(ids.at(-1)!)).toBe('en_XX');
    expect(ids.at(-2)).toBe(2);
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe('The cat sat on the mat.');
    expect(createTinyBart().weights['model.encoder.layer_norm.weight']).toBeUndefined();
  });

  it('F16 storage rounds the weights it returns', () => {
    const { weights, files } = createTinyBart({ dtype: 'F16' });
    const stored = decodeSafetensors(files['model.safetensors']);
    expect(stored.tensors['model.shared.weight']).toMatchObject({ dtype: 'F16', data: weights['model.shared.weight'].data });
  });

  it('ships a byte-level BPE tokenizer that writes <s> … </s>', async () => {
    const { files } = createTinyBart();
    const tokenizer = await loadTokenizer(memoryModelFiles(files, 'tiny-bart'));
    const ids = tokenizer.encode('The cat sat on the mat.');
    expect([ids[0], ids.at(-1)]).toEqual([0, 2]);
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe('The cat sat on the mat.');
  });
});
