import { loadTokenizer, memoryModelFiles, readJsonFile } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { createTinyGpt2 } from './create-tiny-gpt2';
import { decodeSafetensors } from './decode-safetensors';
import { tinyGpt2ModelFiles } from './tiny-gpt2-model-files';
import { clearFixtureCache } from './fixture-cache';

const fileNames = ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];
const json = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));

describe('createTinyGpt2', () => {
  const model = createTinyGpt2();

  it('writes the Hugging Face GPT-2 files', () => {
    expect(Object.keys(model.files).sort()).toEqual(fileNames);
    expect(json(model.files['config.json'])).toEqual(model.config);
    expect(model.config).toMatchObject({
      model_type: 'gpt2',
      architectures: ['GPT2LMHeadModel'],
      vocab_size: 1257,
      n_embd: 32,
      n_layer: 2,
      n_head: 4,
      n_positions: 64,
      n_ctx: 64,
      n_inner: null,
      activation_function: 'gelu_new',
      layer_norm_epsilon: 1e-5,
      bos_token_id: 1256,
      eos_token_id: 1256,
      tie_word_embeddings: true,
      torch_dtype: 'float32',
    });
    expect(json(model.files['generation_config.json'])).toMatchObject({ max_new_tokens: 8, bos_token_id: 1256, eos_token_id: 1256 });
    expect(json(model.files['tokenizer_config.json'])).toMatchObject({ model_max_length: 64 });
  });

  it('names and shapes every weight as GPT2LMHeadModel does, without a separate lm_head', () => {
    const shapes = Object.fromEntries(Object.entries(model.weights).map(([name, w]) => [name, w.shape]));
    const layer = (i: number) => ({
      [`transformer.h.${i}.ln_1.weight`]: [32],
      [`transformer.h.${i}.ln_1.bias`]: [32],
      [`transformer.h.${i}.attn.c_attn.weight`]: [32, 96],
      [`transformer.h.${i}.attn.c_attn.bias`]: [96],
      [`transformer.h.${i}.attn.c_proj.weight`]: [32, 32],
      [`transformer.h.${i}.attn.c_proj.bias`]: [32],
      [`transformer.h.${i}.ln_2.weight`]: [32],
      [`transformer.h.${i}.ln_2.bias`]: [32],
      [`transformer.h.${i}.mlp.c_fc.weight`]: [32, 128],
      [`transformer.h.${i}.mlp.c_fc.bias`]: [128],
      [`transformer.h.${i}.mlp.c_proj.weight`]: [128, 32],
      [`transformer.h.${i}.mlp.c_proj.bias`]: [32],
    });
    expect(shapes).toEqual({
      'transformer.wte.weight': [1257, 32],
      'transformer.wpe.weight': [64, 32],
      ...layer(0),
      ...layer(1),
      'transformer.ln_f.weight': [32],
      'transformer.ln_f.bias': [32],
    });
    for (const { shape, data } of Object.values(model.weights)) {
      expect(data.length).toBe(shape.reduce((a, b) => a * b, 1));
    }
  });

  it('initialises as documented: matrices N(0, 0.2²), LayerNorm weights near 1, small biases', () => {
    const stats = (data: Float32Array) => {
      const mean = data.reduce((a, b) => a + b, 0) / data.length;
      const std = Math.sqrt(data.reduce((a, b) => a + (b - mean) ** 2, 0) / data.length);
      return { mean, std };
    };
    const wte = stats(model.weights['transformer.wte.weight'].data);
    expect(Math.abs(wte.mean)).toBeLessThan(0.01);
    expect(wte.std).toBeCloseTo(0.2, 2);
    const lnWeight = stats(model.weights['transformer.h.0.ln_1.weight'].data);
    expect(lnWeight.mean).toBeGreaterThan(0.9);
    expect(lnWeight.mean).toBeLessThan(1.1);
    expect(lnWeight.std).toBeGreaterThan(0.03);
    const bias = stats(model.weights['transformer.h.1.mlp.c_fc.bias'].data);
    expect(bias.std).toBeGreaterThan(0.05);
    expect(bias.std).toBeLessThan(0.15);
  });

  it('stores exactly the returned weights in model.safetensors', () => {
    const { tensors, metadata } = decodeSafetensors(model.files['model.safetensors']);
    expect(metadata).toEqual({ format: 'pt' });
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(model.weights).sort());
    for (const [name, weight] of Object.entries(model.weights)) {
      expect(tensors[name].dtype).toBe('F32');
      expect(tensors[name].shape).toEqual(weight.shape);
      expect(tensors[name].data).toEqual(weight.data);
    }
  });

  it.each(['F16', 'BF16'] as const)('stores %s and returns the rounded values', (dtype) => {
    const half = createTinyGpt2({ dtype });
    const { tensors } = decodeSafetensors(half.files['model.safetensors']);
    expect(half.config.torch_dtype).toBe(dtype === 'F16' ? 'float16' : 'bfloat16');
    for (const [name, weight] of Object.entries(half.weights)) {
      expect(tensors[name].dtype).toBe(dtype);
      expect(tensors[name].data).toEqual(weight.data);
      // Rounded, not just copied: close to the float32 weights but not all equal.
      const full = model.weights[name].data;
      // Half an ulp: 2^-11 (F16) or 2^-8 (BF16) relative, or half the smallest F16 subnormal.
      const relative = dtype === 'F16' ? 2 ** -11 : 2 ** -8;
      const worst = Math.max(...weight.data.map((value, i) => Math.abs(value - full[i]) - Math.max(Math.abs(full[i]) * relative, 2 ** -25)));
      expect(worst).toBeLessThanOrEqual(0);
      expect(weight.data).not.toEqual(full);
    }
    expect(half.files['model.safetensors'].length).toBeLessThan(model.files['model.safetensors'].length * 0.6);
  });

  it('is deterministic for equal options and changes with the seed', () => {
    // Buffer.equals: vitest's deep equality is slow on 270 KB arrays.
    const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
    // Built again, not read from the cache.
    clearFixtureCache();
    const again = createTinyGpt2();
    for (const name of fileNames) expect(same(again.files[name], model.files[name])).toBe(true);
    const other = createTinyGpt2({ seed: 1 });
    expect(same(other.files['model.safetensors'], model.files['model.safetensors'])).toBe(false);
    expect(same(other.files['tokenizer.json'], model.files['tokenizer.json'])).toBe(true);
  });

  it('follows the size options', () => {
    const custom = createTinyGpt2({ nLayer: 1, nEmbd: 12, nHead: 3, nPositions: 16, merges: 10 });
    expect(custom.config).toMatchObject({ n_layer: 1, n_embd: 12, n_head: 3, n_positions: 16, vocab_size: 267 });
    expect(custom.weights['transformer.wte.weight'].shape).toEqual([267, 12]);
    expect(custom.weights['transformer.h.1.ln_1.weight']).toBeUndefined();
  });

  it('rejects impossible options with a message naming the option', () => {
    expect(() => createTinyGpt2({ nHead: 5 })).toThrow(/nHead \(5\) must divide nEmbd \(32\)/);
    expect(() => createTinyGpt2({ nLayer: 0 })).toThrow(/nLayer/);
    expect(() => createTinyGpt2({ initStd: 0 })).toThrow(/initStd/);
    expect(() => createTinyGpt2({ dtype: 'F64' as 'F32' })).toThrow(/dtype/);
  });

  it('stays small: a few hundred KB with default options', () => {
    const total = Object.values(model.files).reduce((sum, bytes) => sum + bytes.length, 0);
    expect(total).toBeLessThan(400_000);
  });
});

describe('tinyGpt2ModelFiles', () => {
  it('serves the files at location tiny-gpt2, readable by core loaders', async () => {
    const files = tinyGpt2ModelFiles();
    expect(files.location).toBe('tiny-gpt2');
    expect(await files.has('model.safetensors')).toBe(true);
    expect(await readJsonFile(files, 'config.json')).toMatchObject({ model_type: 'gpt2' });
    const tokenizer = await loadTokenizer(files);
    expect(tokenizer.specialTokenIds.eos).toBe(1256);
    const sameFiles = memoryModelFiles(createTinyGpt2().files);
    expect(Buffer.from(await sameFiles.read('model.safetensors')).equals(await files.read('model.safetensors'))).toBe(true);
  });
});
