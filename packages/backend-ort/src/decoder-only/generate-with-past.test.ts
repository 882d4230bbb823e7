import {
  type AttributionMethod,
  type AttributionModel,
  type ModelBackend,
  attribute,
  createRegistry,
  intTensorFromRows,
  loadTokenizer,
  memoryModelFiles,
  padLeft,
} from '@inseq/core';
import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { registerBuiltinMethods } from '@inseq/methods';
import { createTinyGpt2, maxAbsDiff, tinyGpt2OnnxFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrtBackend } from '../load-ort-backend';

const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
const tiny = createTinyGpt2();
const vocab = tiny.config.vocab_size as number;
const padId = vocab - 1;
const inputTexts = ['the cat sat on the', 'a dog'];

async function loadOrt(withPast: boolean, name: string): Promise<AttributionModel> {
  const files = memoryModelFiles(tinyGpt2OnnxFiles({ withPast }), name);
  return { name, backend: await loadOrtBackend(files, { intraOpNumThreads: 1 }), tokenizer: await loadTokenizer(files) };
}

/** Greedy decoding without a cache, as core's loop does it: the whole prefix of the unfinished rows each step. */
async function generateGreedy(
  backend: ModelBackend,
  prompts: number[][],
  options: { maxNewTokens: number; stopIds: number[]; padId: number },
): Promise<number[][]> {
  const sequences = prompts.map((prompt) => [...prompt]);
  const done = prompts.map(() => false);
  for (let step = 0; step < options.maxNewTokens && done.includes(false); step++) {
    const active = sequences.flatMap((_, i) => (done[i] ? [] : [i]));
    const { logits } = await backend.forward(padLeft(active.map((i) => sequences[i]), options.padId));
    active.forEach((i, row) => {
      const scores = Array.from(logits.data.subarray(row * vocab, (row + 1) * vocab));
      const best = scores.indexOf(Math.max(...scores));
      if (options.stopIds.includes(best)) done[i] = true;
      else sequences[i].push(best);
    });
  }
  return sequences;
}

const targetIds = async (model: AttributionModel) => {
  const out = await attribute(model, inputTexts, { method: 'dummy', methods, maxNewTokens: 6 });
  return out.sequence_attributions.map((sequence) => sequence.target.map((token) => token.id));
};

describe('ort backend with a KV-cache export', () => {
  let cached: AttributionModel;
  let plain: AttributionModel;
  let tfjs: AttributionModel;
  beforeAll(async () => {
    [cached, plain] = await Promise.all([loadOrt(true, 'tiny-gpt2-onnx-past'), loadOrt(false, 'tiny-gpt2-onnx')]);
    const files = memoryModelFiles(tiny.files, 'tiny-gpt2');
    tfjs = { name: 'tiny-gpt2', backend: await loadTfjsBackend(files), tokenizer: await loadTokenizer(files) };
  });
  afterAll(async () => {
    await Promise.all([cached?.backend.dispose(), plain?.backend.dispose(), tfjs?.backend.dispose()]);
  });

  it('offers generate only when the graph has past inputs', () => {
    expect(cached.backend.generate).toBeTypeOf('function');
    expect(plain.backend.generate).toBeUndefined();
    expect(cached.backend.capabilities.attentions).toBe(false);
  });

  it('forward with an empty past equals the plain graph on a left-padded batch', async () => {
    const ids = [
      [464, 262, 286, 318, 13, 100],
      [padId, padId, padId, 40, 41, 42],
    ];
    const input = { inputIds: intTensorFromRows(ids), attentionMask: intTensorFromRows(ids.map((row, b) => row.map((_, s) => (b === 1 && s < 3 ? 0 : 1)))) };
    const [a, b] = await Promise.all([cached.backend.forward({ ...input, logitsAt: 'all' }), plain.backend.forward({ ...input, logitsAt: 'all' })]);
    expect(a.logits.shape).toEqual([2, 6, vocab]);
    expect(maxAbsDiff(a.logits.data, b.logits.data)).toBeLessThan(1e-5);
  });

  it('greedy decoding with the cache equals decoding without it (attribute, prompts of different lengths)', async () => {
    const [withCache, without] = await Promise.all([targetIds(cached), targetIds(plain)]);
    expect(withCache.map((ids) => ids.length)).toEqual(without.map((ids) => ids.length));
    expect(withCache).toEqual(without);
    expect(withCache[0].length).not.toBe(withCache[1].length);
  });

  it('greedy decoding with the cache equals tfjs greedy decoding', async () => {
    const [withCache, reference] = await Promise.all([targetIds(cached), targetIds(tfjs)]);
    expect(withCache).toEqual(reference);
  });

  it('honours stop ids and maxNewTokens as the loop does, rows stopping at different steps', async () => {
    const prompts = [
      [464, 262, 286],
      [40, 41],
      [7, 8, 9, 10, 11],
    ];
    const free = await generateGreedy(plain.backend, prompts, { maxNewTokens: 8, stopIds: [], padId });
    // Stop each row on a token it would generate at a different step.
    const stopIds = [free[0][prompts[0].length + 1], free[1][prompts[1].length + 4]];
    const options = { maxNewTokens: 8, stopIds, padId };
    const generate = (cached.backend as Required<ModelBackend>).generate.bind(cached.backend);
    expect(await generate(prompts, options)).toEqual(await generateGreedy(plain.backend, prompts, options));
    expect(await generate(prompts, { ...options, maxNewTokens: 1 })).toEqual(await generateGreedy(plain.backend, prompts, { ...options, maxNewTokens: 1 }));
    expect(await generate(prompts, { ...options, stopIds: [] })).toEqual(free);
  });

  it('refuses a batch that would outgrow the positions', async () => {
    const long = Array(tiny.config.n_positions as number).fill(1);
    await expect(cached.backend.generate?.([long], { maxNewTokens: 2, stopIds: [], padId })).rejects.toMatchObject({ code: 'INPUT_TOO_LONG' });
  });
});
