import { decodeSafetensors } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { createTinyGpt2 } from '../create-tiny-gpt2';
import { castModelWeights } from './cast-model-weights';
import { pickleOnlyModel } from './pickle-only-model';
import { addWeightPrefix, renameModelWeights, stripWeightPrefix } from './rename-model-weights';
import { shardModelWeights } from './shard-model-weights';
import { vocabMergesTokenizer } from './vocab-merges-tokenizer';

const tiny = createTinyGpt2();
const original = decodeSafetensors(tiny.files['model.safetensors']).tensors;

describe('model layout writers', () => {
  it('shards greedily under the size limit, with an index covering every tensor once', () => {
    const files = shardModelWeights(tiny.files, { maxShardBytes: 20_000 });
    expect(files['model.safetensors']).toBeUndefined();
    const index = JSON.parse(new TextDecoder().decode(files['model.safetensors.index.json']));
    const shards = Object.keys(files).filter((name) => /^model-\d{5}-of-\d{5}\.safetensors$/.test(name)).sort();
    expect(shards.length).toBeGreaterThan(2);
    expect(shards.at(-1)).toBe(`model-${String(shards.length).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`);
    const seen = new Map<string, unknown>();
    let total = 0;
    for (const shard of shards) {
      const { tensors } = decodeSafetensors(files[shard]);
      let bytes = 0;
      for (const [name, tensor] of tensors) {
        expect(index.weight_map[name]).toBe(shard);
        expect(seen.has(name)).toBe(false);
        seen.set(name, tensor);
        bytes += tensor.data.length * 4;
      }
      // Only a shard holding one tensor larger than the limit may pass it.
      if (tensors.size > 1) expect(bytes).toBeLessThanOrEqual(20_000);
      total += bytes;
    }
    expect(index.metadata.total_size).toBe(total);
    expect(new Map([...seen].sort())).toEqual(new Map([...original].sort()));
    expect(files['tokenizer.json']).toBe(tiny.files['tokenizer.json']);
  });

  it('renames with prefixes stripped or added, values unchanged', () => {
    const stripped = decodeSafetensors(renameModelWeights(tiny.files, stripWeightPrefix('transformer.'))['model.safetensors']).tensors;
    expect([...stripped.keys()].some((name) => name.startsWith('transformer.'))).toBe(false);
    expect(stripped.get('h.0.attn.c_attn.weight')).toEqual(original.get('transformer.h.0.attn.c_attn.weight'));
    const back = decodeSafetensors(renameModelWeights(renameModelWeights(tiny.files, stripWeightPrefix('transformer.')), addWeightPrefix('transformer.'))['model.safetensors']).tensors;
    expect(new Map([...back].sort())).toEqual(new Map([...original].sort()));
    expect(() => renameModelWeights(tiny.files, () => 'same')).toThrow(/both renamed 'same'/);
  });

  it('casts to bf16 / fp16 with rounding to nearest even and sets torch_dtype', () => {
    const bf16 = castModelWeights(tiny.files, 'BF16');
    const tensor = decodeSafetensors(bf16['model.safetensors']).tensors.get('transformer.wte.weight')!;
    expect(tensor.dtype).toBe('BF16');
    const source = original.get('transformer.wte.weight')!.data;
    // Independent check of the rounding: bf16 keeps 8 significant bits, so the relative error is ≤ 2^-8 (half a unit in the last place).
    for (let i = 0; i < source.length; i++) expect(Math.abs(tensor.data[i] - source[i])).toBeLessThanOrEqual(Math.abs(source[i]) * 2 ** -8);
    expect(JSON.parse(new TextDecoder().decode(bf16['config.json'])).torch_dtype).toBe('bfloat16');
    expect(decodeSafetensors(castModelWeights(tiny.files, 'F16')['model.safetensors']).tensors.get('transformer.wte.weight')!.dtype).toBe('F16');
  });

  it('writes pickle-only folders and vocab.json + merges.txt tokenizers', () => {
    const pickled = pickleOnlyModel(tiny.files);
    expect(Object.keys(pickled).sort()).toEqual(['config.json', 'generation_config.json', 'pytorch_model.bin', 'tokenizer.json', 'tokenizer_config.json']);
    const bpe = vocabMergesTokenizer(tiny.files);
    expect(bpe['tokenizer.json']).toBeUndefined();
    const tokenizer = JSON.parse(new TextDecoder().decode(tiny.files['tokenizer.json']));
    expect(JSON.parse(new TextDecoder().decode(bpe['vocab.json']))).toEqual(tokenizer.model.vocab);
    const lines = new TextDecoder().decode(bpe['merges.txt']).trim().split('\n');
    expect(lines[0]).toBe('#version: 0.2');
    expect(lines.slice(1)).toEqual(tokenizer.model.merges);
  });
});
