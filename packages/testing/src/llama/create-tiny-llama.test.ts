import { loadTokenizer, memoryModelFiles } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { createTinyLlama } from './create-tiny-llama';
import { clearFixtureCache } from '../fixture-cache';

describe('createTinyLlama', () => {
  it('is deterministic and writes the Hugging Face Llama layout', () => {
    const a = createTinyLlama();
    clearFixtureCache();
    expect(createTinyLlama().files).toEqual(a.files);
    expect(createTinyLlama({ seed: 1 }).files['model.safetensors']).not.toEqual(a.files['model.safetensors']);
    expect(a.config).toMatchObject({
      model_type: 'llama',
      architectures: ['LlamaForCausalLM'],
      hidden_size: 32,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      head_dim: 8,
      hidden_act: 'silu',
      tie_word_embeddings: false,
      bos_token_id: 1,
      eos_token_id: 2,
    });
    expect(Object.keys(a.weights)).toContain('model.layers.1.mlp.gate_proj.weight');
    expect(a.weights['model.layers.0.self_attn.k_proj.weight'].shape).toEqual([16, 32]);
    expect(a.weights['lm_head.weight'].shape).toEqual([a.config.vocab_size, 32]);
  });

  it('family differences: qwen2 biases, gemma tied embeddings and GeGLU', () => {
    const qwen = createTinyLlama({ family: 'qwen2' });
    expect(qwen.config).toMatchObject({ model_type: 'qwen2', attention_bias: true });
    expect(qwen.weights['model.layers.0.self_attn.q_proj.bias'].shape).toEqual([32]);
    const gemma = createTinyLlama({ family: 'gemma' });
    expect(gemma.config).toMatchObject({ model_type: 'gemma', hidden_act: 'gelu_pytorch_tanh', tie_word_embeddings: true });
    expect(gemma.weights['lm_head.weight']).toBeUndefined();
    expect(createTinyLlama({ family: 'mistral' }).config.model_type).toBe('mistral');
  });

  it('ships a real Llama 2 SentencePiece tokenizer that round-trips text through byte fallback', async () => {
    const { files, config } = createTinyLlama();
    const tokenizer = await loadTokenizer(memoryModelFiles(files, 'tiny-llama'));
    expect(tokenizer.specialTokenIds).toMatchObject({ bos: 1, eos: 2, unk: 0 });
    const text = 'The cat sat on the mat. Ünïcödé 🙂';
    const ids = tokenizer.encode(text);
    expect(ids[0]).toBe(1);
    expect(Math.max(...ids)).toBeLessThan(config.vocab_size as number);
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe(text);
    // Llama's pieces: '▁The' is one token, 'cat' splits where the kept merges stop.
    expect(ids.length).toBeLessThan(text.length);
  });

  it('qwen2 ships a byte-level BPE tokenizer without bos (as Qwen2), others SentencePiece', async () => {
    const { files, config } = createTinyLlama({ family: 'qwen2' });
    const tokenizer = await loadTokenizer(memoryModelFiles(files, 'tiny-qwen2'));
    const text = 'The cat sat on the mat. Ünïcödé 🙂';
    const ids = tokenizer.encode(text);
    expect(tokenizer.decode([ids[0]])).toBe('The');
    expect(tokenizer.decode(ids)).toBe(text);
    expect(config).toMatchObject({ bos_token_id: null, eos_token_id: (config.vocab_size as number) - 1, pad_token_id: (config.vocab_size as number) - 1 });
    expect(createTinyLlama({ family: 'qwen2', tokenizer: 'sentencepiece' }).config.bos_token_id).toBe(1);
  });

  it('rejects an odd head size or key/value heads that do not divide the heads', () => {
    expect(() => createTinyLlama({ numHeads: 4, numKeyValueHeads: 3 })).toThrow(/numKeyValueHeads dividing numHeads/);
    expect(() => createTinyLlama({ hiddenSize: 36, numHeads: 4, headDim: 9 })).toThrow(/even integer head size/);
  });
});
