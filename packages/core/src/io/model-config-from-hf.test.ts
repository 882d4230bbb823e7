import { describe, expect, it } from 'vitest';
import { modelConfigFromHf } from './model-config-from-hf';

describe('modelConfigFromHf', () => {
  it('reads GPT-2 names and the common names alike', () => {
    const gpt2 = modelConfigFromHf({ model_type: 'gpt2', n_embd: 32, n_layer: 2, n_head: 4, n_ctx: 64, vocab_size: 100, eos_token_id: [7, 8] });
    const llama = modelConfigFromHf({
      model_type: 'llama',
      hidden_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      max_position_embeddings: 64,
      vocab_size: 100,
      eos_token_id: 7,
    });
    for (const config of [gpt2, llama]) {
      expect(config).toMatchObject({ vocabSize: 100, hiddenSize: 32, numLayers: 2, numHeads: 4, maxPositions: 64, eosTokenId: 7 });
    }
    expect(gpt2.isEncoderDecoder).toBe(false);
  });
  it('names a malformed size', () => {
    expect(() => modelConfigFromHf({ model_type: 'gpt2', n_layer: -1 })).toThrow(/n_layer \/ num_hidden_layers must be a positive integer, got -1/);
  });
});
