import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { createTinyGpt2 } from '../create-tiny-gpt2';
import { decodeSafetensors } from '../decode-safetensors';
import { createTinyLlama, type TinyLlamaOptions } from '../llama/create-tiny-llama';
import { referenceLlamaForward } from '../llama/reference-llama-forward';
import { maxAbsDiff } from '../max-abs-diff';
import type { NamedWeight } from '../named-weight';
import { referenceGpt2Forward } from '../reference-gpt2-forward';
import { writeRandomGpt2Folder } from './write-random-gpt2-folder';
import { writeRandomLlamaFolder } from './write-random-llama-folder';

const root = await mkdtemp(join(tmpdir(), 'inseq-random-folders-'));
afterAll(() => rm(root, { recursive: true, force: true }));

/** The ONNX graph's logits for one unpadded row, past (if any) empty, run from the file path so ONNX Runtime reads the external data itself. */
async function onnxLogits(path: string, ids: number[]): Promise<{ logits: Float32Array; outputs: readonly string[] }> {
  const session = await InferenceSession.create(path);
  try {
    const int64 = (values: number[]) => new Tensor('int64', BigInt64Array.from(values.map(BigInt)), [1, values.length]);
    const feeds: Record<string, Tensor> = { input_ids: int64(ids), attention_mask: int64(ids.map(() => 1)), position_ids: int64(ids.map((_, i) => i)) };
    for (const name of session.inputNames.filter((input) => input.startsWith('past_key_values.'))) {
      const meta = session.inputMetadata.find((m) => m.name === name) as { readonly shape: readonly (number | string)[] };
      const [, heads, , headDim] = meta.shape as number[];
      feeds[name] = new Tensor('float32', new Float32Array(0), [1, heads, 0, headDim]);
    }
    const out = await session.run(feeds);
    return { logits: out.logits.data as Float32Array, outputs: session.outputNames };
  } finally {
    await session.release();
  }
}

function expectSameWeights(file: Uint8Array, expected: Record<string, NamedWeight>) {
  const { tensors, metadata } = decodeSafetensors(file);
  expect(metadata).toEqual({ format: 'pt' });
  expect(Object.keys(tensors).sort()).toEqual(Object.keys(expected).sort());
  for (const [name, { shape, data }] of Object.entries(expected)) {
    expect(tensors[name].dtype).toBe('F32');
    expect(tensors[name].shape).toEqual(shape);
    expect(maxAbsDiff(tensors[name].data, data)).toBe(0);
  }
}

describe('writeRandomGpt2Folder', () => {
  const options = { nLayer: 2, nEmbd: 32, nHead: 4, nPositions: 64, merges: 300, seed: 3 };
  const directory = join(root, 'gpt2');
  const tiny = createTinyGpt2(options);

  it('writes the folder createTinyGpt2 generates: same config and tokenizer bytes, same weights', async () => {
    await writeRandomGpt2Folder(directory, options, { onnx: { withPast: true, outputAttentions: true } });
    for (const name of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json']) {
      expect(new Uint8Array(await readFile(join(directory, name)))).toEqual(tiny.files[name]);
    }
    expectSameWeights(new Uint8Array(await readFile(join(directory, 'model.safetensors'))), tiny.weights);
    const names = await readdir(directory, { recursive: true });
    expect(names.filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('writes an ONNX export whose weights live in model.onnx_data and whose logits match the float64 reference', async () => {
    const model = await stat(join(directory, 'onnx', 'model.onnx'));
    const data = await stat(join(directory, 'onnx', 'model.onnx_data'));
    const parameterBytes = Object.values(tiny.weights).reduce((sum, w) => sum + w.data.length * 4, 0);
    // Every weight matrix is external; the graph file keeps only small constants and the graph
    // (its node names, torch.onnx's module paths, are most of it on this tiny model).
    expect(data.size).toBeGreaterThanOrEqual(parameterBytes * 0.95);
    expect(model.size).toBeLessThan(parameterBytes / 5);
    const ids = [464, 262, 286, 318, 13, 100];
    const { logits, outputs } = await onnxLogits(join(directory, 'onnx', 'model.onnx'), ids);
    expect(outputs).toContain('present.1.key');
    expect(outputs).toContain('attentions.1');
    const reference = referenceGpt2Forward(tiny.weights, tiny.config, [ids], [ids.map(() => 1)]);
    expect(maxAbsDiff(logits, reference.logits)).toBeLessThan(1e-4);
  });

  it('refuses a dtype it cannot write, naming the one it can', async () => {
    await expect(writeRandomGpt2Folder(join(root, 'f16'), { ...options, dtype: 'F16' })).rejects.toThrow(/float32 weights only; got dtype 'F16'/);
  });
});

describe('writeRandomLlamaFolder', () => {
  // A qwen2 shape with the embedding padded past the tokenizer, as Qwen2.5 pads 151,665 tokens to 151,936 rows.
  const options: TinyLlamaOptions = { family: 'qwen2', numLayers: 2, hiddenSize: 32, numHeads: 4, numKeyValueHeads: 2, merges: 300, vocabSize: 600, tieWordEmbeddings: true, ropeTheta: 1e6, seed: 5 };
  const directory = join(root, 'qwen2');
  const tiny = createTinyLlama(options);

  it('writes the folder createTinyLlama generates, with the padded vocab_size', async () => {
    await writeRandomLlamaFolder(directory, options, { onnx: { withPast: true } });
    for (const name of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json']) {
      expect(new Uint8Array(await readFile(join(directory, name)))).toEqual(tiny.files[name]);
    }
    expect(tiny.config.vocab_size).toBe(600);
    expect(tiny.weights['model.embed_tokens.weight'].shape).toEqual([600, 32]);
    expect(tiny.weights['lm_head.weight']).toBeUndefined();
    expectSameWeights(new Uint8Array(await readFile(join(directory, 'model.safetensors'))), tiny.weights);
  });

  it('writes an ONNX export with external data whose logits match the float64 reference', async () => {
    const ids = [464, 262, 286, 318, 13, 599];
    const { logits } = await onnxLogits(join(directory, 'onnx', 'model.onnx'), ids);
    const reference = referenceLlamaForward(tiny.weights, tiny.config, [ids], [ids.map(() => 1)]);
    expect(logits.length).toBe(ids.length * 600);
    expect(maxAbsDiff(logits, reference.logits)).toBeLessThan(1e-4);
  });

  it('rejects a vocab_size below the tokenizer, naming both sizes', () => {
    expect(() => createTinyLlama({ ...options, vocabSize: 100 })).toThrow(/at least the tokenizer's 557 tokens, got 100/);
  });
});
