import { InseqError } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { gpt2Settings } from './gpt2-settings';
import { parseGpt2Config } from './parse-gpt2-config';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return InseqError.isInstance(error) ? error.code : 'not an InseqError';
  }
  return undefined;
}

describe('parseGpt2Config', () => {
  it('normalises sizes and special ids', () => {
    const config = parseGpt2Config({
      model_type: 'gpt2',
      vocab_size: 100,
      n_embd: 16,
      n_layer: 3,
      n_head: 2,
      n_positions: 8,
      bos_token_id: 99,
      eos_token_id: [99, 98],
    });
    expect(config).toMatchObject({
      modelType: 'gpt2',
      vocabSize: 100,
      hiddenSize: 16,
      numLayers: 3,
      numHeads: 2,
      maxPositions: 8,
      isEncoderDecoder: false,
      bosTokenId: 99,
      eosTokenId: 99,
      padTokenId: undefined,
    });
    expect(gpt2Settings(config)).toEqual({
      layerNormEpsilon: 1e-5,
      activation: 'gelu_new',
      innerSize: 64,
      tieWordEmbeddings: true,
      scaleAttentionWeights: true,
      scaleAttentionByInverseLayerIndex: false,
      embeddingDropout: 0.1,
      attentionDropout: 0.1,
      residualDropout: 0.1,
    });
    expect(gpt2Settings(parseGpt2Config({ model_type: 'gpt2', embd_pdrop: 0, attn_pdrop: 0.25, resid_pdrop: 0.5 }))).toMatchObject({
      embeddingDropout: 0,
      attentionDropout: 0.25,
      residualDropout: 0.5,
    });
  });

  it('fills HF defaults (gpt2 small) and reads n_ctx from older files', () => {
    const config = parseGpt2Config({ model_type: 'gpt2', n_ctx: 512, n_inner: null });
    expect(config).toMatchObject({ vocabSize: 50257, hiddenSize: 768, numLayers: 12, numHeads: 12, maxPositions: 512 });
  });

  it('rejects other model types, bad sizes and unsupported settings', () => {
    expect(codeOf(() => parseGpt2Config({ model_type: 'llama' }))).toBe('UNSUPPORTED_MODEL');
    expect(codeOf(() => parseGpt2Config({ model_type: 'gpt2', n_embd: 10, n_head: 4 }))).toBe('INVALID_FILE');
    expect(codeOf(() => parseGpt2Config({ model_type: 'gpt2', n_layer: -1 }))).toBe('INVALID_FILE');
    expect(codeOf(() => parseGpt2Config({ model_type: 'gpt2', vocab_size: '5' }))).toBe('INVALID_FILE');
    expect(codeOf(() => parseGpt2Config({ model_type: 'gpt2', layer_norm_epsilon: 0 }))).toBe('INVALID_FILE');
    expect(codeOf(() => parseGpt2Config({ model_type: 'gpt2', tie_word_embeddings: 'yes' }))).toBe('INVALID_FILE');
    expect(codeOf(() => parseGpt2Config({ model_type: 'gpt2', activation_function: 'silu' }))).toBe('UNSUPPORTED_MODEL');
    expect(codeOf(() => parseGpt2Config({ model_type: 'gpt2', attn_pdrop: 1 }))).toBe('INVALID_FILE');
    expect(codeOf(() => parseGpt2Config({ model_type: 'gpt2', resid_pdrop: '0.1' }))).toBe('INVALID_FILE');
  });
});
