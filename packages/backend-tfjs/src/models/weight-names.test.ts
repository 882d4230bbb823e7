import { InseqError, type SafetensorsTensor } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { canonicalWeightNames, separateLmHead } from './weight-names';

const tensor = (value: number): SafetensorsTensor => ({ dtype: 'F32', shape: [1], data: Float32Array.of(value) });
const llama = { prefix: 'model.', canonical: 'prefixed', headNames: ['lm_head.weight'] } as const;

describe('canonicalWeightNames', () => {
  it('adds or strips the base-model prefix, head tensors untouched', () => {
    const bare = new Map([['layers.0.mlp.up_proj.weight', tensor(1)], ['embed_tokens.weight', tensor(2)], ['lm_head.weight', tensor(3)]]);
    expect([...canonicalWeightNames(bare, llama, 'f').keys()]).toEqual(['model.layers.0.mlp.up_proj.weight', 'model.embed_tokens.weight', 'lm_head.weight']);
    const full = new Map([['transformer.h.0.ln_1.weight', tensor(1)], ['wte.weight', tensor(2)], ['lm_head.weight', tensor(3)]]);
    const gpt2 = canonicalWeightNames(full, { prefix: 'transformer.', canonical: 'bare', headNames: ['lm_head.weight'] }, 'f');
    expect([...gpt2.keys()]).toEqual(['h.0.ln_1.weight', 'wte.weight', 'lm_head.weight']);
    expect(gpt2.get('h.0.ln_1.weight')?.data[0]).toBe(1);
  });

  it('refuses a tensor stored with and without the prefix', () => {
    const twice = new Map([['model.norm.weight', tensor(1)], ['norm.weight', tensor(2)]]);
    let caught: unknown;
    try {
      canonicalWeightNames(twice, llama, 'repo/model.safetensors');
    } catch (error) {
      caught = error;
    }
    expect(InseqError.isInstance(caught) && caught.code).toBe('INVALID_FILE');
    expect((caught as Error).message).toContain("repo/model.safetensors stores 'model.norm.weight' twice, with and without the 'model.' prefix");
  });
});

describe('separateLmHead', () => {
  it('follows tie_word_embeddings, not the file', () => {
    const withHead = new Map([['lm_head.weight', tensor(1)]]);
    expect(separateLmHead(withHead, true, 'f')).toBe(false);
    expect(separateLmHead(withHead, false, 'f')).toBe(true);
    expect(() => separateLmHead(new Map(), true, 'f')).not.toThrow();
    expect(() => separateLmHead(new Map(), false, 'repo/model.safetensors')).toThrow(
      'repo/model.safetensors has no lm_head.weight, but config.json sets tie_word_embeddings to false',
    );
  });
});
