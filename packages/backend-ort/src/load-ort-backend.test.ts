import { type ModelBackend, intTensorFromRows, memoryModelFiles } from '@inseq/core';
import { createTinyGpt2, encodeOnnxModel, gpt2OnnxModelSpec, maxAbsDiff, referenceGpt2Forward, tinyGpt2OnnxFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrtBackend } from './load-ort-backend';

const { weights, config } = createTinyGpt2();
const vocab = config.vocab_size as number;
const files = tinyGpt2OnnxFiles();

/** Rows `[b, seq - 1, :]` of reference logits `[batch, seq, vocab]`. */
function lastPosition(all: Float64Array, batch: number, seq: number): Float64Array {
  const out = new Float64Array(batch * vocab);
  for (let b = 0; b < batch; b++) out.set(all.subarray((b * seq + seq - 1) * vocab, (b * seq + seq) * vocab), b * vocab);
  return out;
}

describe('loadOrtBackend', () => {
  let backend: ModelBackend;
  beforeAll(async () => {
    backend = await loadOrtBackend(memoryModelFiles(files, 'tiny-gpt2-onnx'), { intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await backend?.dispose();
  });

  it('declares its capabilities and reads config.json', () => {
    expect(backend.name).toBe('ort');
    expect(backend.capabilities).toEqual({ forward: true, gradients: true, embeddingInputs: true, attentions: false, layerActivations: true, hiddenStates: false });
    expect(backend.config.vocabSize).toBe(vocab);
    expect(backend.config.maxPositions).toBe(config.n_positions);
  });

  it('gives the reference last-position logits for one row', async () => {
    const ids = [[464, 262, 286, 318, 13, 100, 7, 99]];
    const mask = [ids[0].map(() => 1)];
    const out = await backend.forward({ inputIds: intTensorFromRows(ids), attentionMask: intTensorFromRows(mask) });
    expect(out.logits.shape).toEqual([1, vocab]);
    const reference = referenceGpt2Forward(weights, config, ids, mask).logits;
    expect(maxAbsDiff(out.logits.data, lastPosition(reference, 1, 8))).toBeLessThan(1e-4);
  });

  it('gives the reference logits at every position of a left-padded batch (positions from the mask)', async () => {
    const pad = vocab - 1;
    const ids = [
      [464, 262, 286, 318, 13, 100],
      [pad, pad, pad, 40, 41, 42],
      [pad, 5, 6, 7, 8, 9],
    ];
    const mask = ids.map((row) => row.map((id, i) => (id === pad && i < 3 ? 0 : 1)));
    const input = { inputIds: intTensorFromRows(ids), attentionMask: intTensorFromRows(mask) };
    const reference = referenceGpt2Forward(weights, config, ids, mask).logits;
    const all = await backend.forward({ ...input, logitsAt: 'all' });
    expect(all.logits.shape).toEqual([3, 6, vocab]);
    // Padded query positions are meaningless; compare real positions only.
    for (let b = 0; b < 3; b++) {
      for (let s = 0; s < 6; s++) {
        if (mask[b][s] === 0) continue;
        const at = (b * 6 + s) * vocab;
        expect(maxAbsDiff(all.logits.data.subarray(at, at + vocab), reference.subarray(at, at + vocab))).toBeLessThan(1e-4);
      }
    }
    const last = await backend.forward(input);
    expect(maxAbsDiff(last.logits.data, lastPosition(reference, 3, 6))).toBeLessThan(1e-4);
    // The padded row equals the same tokens unpadded: position ids follow the mask.
    const alone = await backend.forward({ inputIds: intTensorFromRows([[40, 41, 42]]), attentionMask: intTensorFromRows([[1, 1, 1]]) });
    expect(maxAbsDiff(alone.logits.data, last.logits.data.subarray(vocab, 2 * vocab))).toBeLessThan(1e-4);
  });

  it('embeds ids with the wte initializer of the graph', async () => {
    const embeds = await backend.embed(intTensorFromRows([[3, 7]]));
    const hidden = config.n_embd as number;
    expect(embeds.shape).toEqual([1, 2, hidden]);
    const wte = weights['transformer.wte.weight'] ?? weights['wte.weight'];
    expect(maxAbsDiff(embeds.data.subarray(hidden), Float64Array.from(wte.data).subarray(7 * hidden, 8 * hidden))).toBe(0);
  });

  it('runs from inputsEmbeds as from ids (the embedding lookup cut from the graph); refuses internals and too-long inputs', async () => {
    const inputIds = intTensorFromRows([[1, 2], [0, 3]]);
    const attentionMask = intTensorFromRows([[1, 1], [0, 1]]);
    const fromIds = await backend.forward({ inputIds, attentionMask });
    const fromEmbeds = await backend.forward({ inputIds, attentionMask, inputsEmbeds: await backend.embed(inputIds) });
    expect(fromEmbeds.logits.shape).toEqual(fromIds.logits.shape);
    fromEmbeds.logits.data.forEach((value, i) => {
      expect(value).toBeCloseTo(fromIds.logits.data[i], 5);
    });
    await expect(backend.forward({ inputIds, attentionMask, outputAttentions: true })).rejects.toMatchObject({ code: 'MISSING_CAPABILITY' });
    const long = (config.n_positions as number) + 1;
    await expect(
      backend.forward({ inputIds: intTensorFromRows([Array(long).fill(1)]), attentionMask: intTensorFromRows([Array(long).fill(1)]) }),
    ).rejects.toMatchObject({ name: 'InvalidInputError', code: 'INPUT_TOO_LONG' });
  });
});

describe('loadOrtBackend errors', () => {
  it('names a missing onnx/model.onnx', async () => {
    const { 'onnx/model.onnx': _, ...rest } = files;
    await expect(loadOrtBackend(memoryModelFiles(rest, 'folder'))).rejects.toMatchObject({
      name: 'ModelLoadError',
      code: 'MODEL_LOAD',
      message: expect.stringMatching(/folder has no decoder-only ONNX export for dtype 'fp32'; looked for transformers.js \(onnx\/model\.onnx, .*model\.onnx/),
    });
  });

  it('wraps a corrupt model.onnx as INVALID_FILE with the ONNX Runtime error as cause', async () => {
    const corrupt = { ...files, 'onnx/model.onnx': new TextEncoder().encode('not an onnx model at all') };
    const error = await loadOrtBackend(memoryModelFiles(corrupt, 'folder')).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ModelLoadError', code: 'INVALID_FILE', message: expect.stringContaining('folder/onnx/model.onnx') });
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('lists found and expected inputs for a graph with an incomplete KV cache', async () => {
    const spec = gpt2OnnxModelSpec(weights, config);
    spec.inputs.push({ name: 'past_key_values.0.key', dataType: 'float', shape: ['batch_size', 2, 'past_sequence_length', 4] });
    const withPast = { ...files, 'onnx/model.onnx': encodeOnnxModel(spec) };
    await expect(loadOrtBackend(memoryModelFiles(withPast, 'folder'))).rejects.toMatchObject({
      name: 'ModelLoadError',
      code: 'UNSUPPORTED_MODEL',
      message: expect.stringMatching(/has inputs \[input_ids, attention_mask, position_ids, past_key_values\.0\.key\].*KV cache/),
    });
  });

  it('lists found and expected inputs for a graph whose inputs have other names', async () => {
    const spec = gpt2OnnxModelSpec(weights, config);
    const rename = (name: string) => (name === 'input_ids' ? 'tokens' : name);
    spec.inputs = spec.inputs.map((input) => ({ ...input, name: rename(input.name) }));
    spec.nodes = spec.nodes.map((node) => ({ ...node, inputs: node.inputs.map(rename) }));
    const renamed = { ...files, 'onnx/model.onnx': encodeOnnxModel(spec) };
    await expect(loadOrtBackend(memoryModelFiles(renamed, 'folder'))).rejects.toMatchObject({
      name: 'ModelLoadError',
      code: 'UNSUPPORTED_MODEL',
      message: expect.stringMatching(/has inputs \[tokens, attention_mask, position_ids\].*expects inputs input_ids, attention_mask, position_ids/),
    });
  });

  it('rejects a tokenizer with more ids than the model scores, naming both numbers', async () => {
    const tokenizer = JSON.parse(new TextDecoder().decode(files['tokenizer.json']));
    tokenizer.added_tokens.push({ id: vocab + 4, content: '<|extra|>', special: true });
    const bigger = { ...files, 'tokenizer.json': JSON.stringify(tokenizer) };
    await expect(loadOrtBackend(memoryModelFiles(bigger, 'folder'))).rejects.toMatchObject({
      name: 'ModelLoadError',
      code: 'INVALID_FILE',
      message: expect.stringContaining(`folder/tokenizer.json has ${vocab + 5} token ids (largest id ${vocab + 4}) but the model scores only ${vocab}`),
    });
  });

  it('accepts a tokenizer smaller than the model (a padded embedding matrix)', async () => {
    const tokenizer = JSON.parse(new TextDecoder().decode(files['tokenizer.json']));
    tokenizer.added_tokens = [];
    tokenizer.model.vocab = Object.fromEntries(Object.entries(tokenizer.model.vocab).filter(([, id]) => (id as number) < vocab - 10));
    const backend = await loadOrtBackend(memoryModelFiles({ ...files, 'tokenizer.json': JSON.stringify(tokenizer) }));
    await backend.dispose();
  });

  it('rejects a config.json whose vocab_size disagrees with the logits width', async () => {
    const wrong = { ...files, 'config.json': JSON.stringify({ ...config, vocab_size: vocab + 100 }) };
    await expect(loadOrtBackend(memoryModelFiles(wrong, 'folder'))).rejects.toMatchObject({
      name: 'ModelLoadError',
      code: 'INVALID_FILE',
      message: expect.stringContaining(`returns ${vocab} logits per token but config.json says vocab_size ${vocab + 100}`),
    });
  });

  it("takes eos_token_id from generation_config.json (a list's first id)", async () => {
    const generation = JSON.stringify({ eos_token_id: [5, vocab - 1] });
    const backend = await loadOrtBackend(memoryModelFiles({ ...files, 'generation_config.json': generation }));
    expect(backend.config.eosTokenId).toBe(5);
    await backend.dispose();
  });

  it('rejects a bad intraOpNumThreads', async () => {
    await expect(loadOrtBackend(memoryModelFiles(files), { intraOpNumThreads: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
