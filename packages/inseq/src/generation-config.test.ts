import { type AttributionModel, type ForwardInput, memoryModelFiles } from '@inseq/core';
import { createTinyBart, createTinyGpt2, encoderDecoderLinearModel } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { attribute } from './attribute';
import { createDefaultRegistries } from './default-registries';
import { loadModel } from './load-model';

/** generation_config.json's fields change free generation as in transformers (greedy). */
const { methods } = createDefaultRegistries();
const encoder = new TextEncoder();

async function withGeneration(files: Record<string, Uint8Array>, generation: Record<string, unknown>, name: string): Promise<AttributionModel> {
  return loadModel(memoryModelFiles({ ...files, 'generation_config.json': encoder.encode(JSON.stringify(generation)) }, name));
}

async function targets(model: AttributionModel, inputs: string | string[], maxNewTokens?: number): Promise<number[][]> {
  const out = await attribute(model, inputs, { method: 'dummy', methods, ...(maxNewTokens !== undefined && { maxNewTokens }) });
  return out.sequence_attributions.map((sequence) => sequence.target.map((token) => token.id));
}

describe('generation_config.json on a decoder-only model (tiny GPT-2)', () => {
  const tiny = createTinyGpt2();
  const eos = Number(tiny.config.eos_token_id);
  const prompt = 'Hello world, the';
  const promptIds = () => tiny.files;

  it('max_length counts the prompt (the longest of a batch) and stops decoding there; max_new_tokens wins over it', async () => {
    const model = await withGeneration(promptIds(), { max_length: 9, eos_token_id: eos }, 'max-length');
    const [single] = await targets(model, prompt);
    const promptLength = model.tokenizer.encode(prompt).length;
    expect(promptLength).toBeLessThan(9);
    expect(single.length).toBe(9);
    const batch = await targets(model, [prompt, 'Hi']);
    // Both rows get the 9 - longest new tokens, as transformers pads the batch to the longest prompt.
    expect(batch[0].length).toBe(9);
    expect(batch[1].length).toBe(model.tokenizer.encode('Hi').length + 9 - promptLength);
    const out = await attribute(model, prompt, { method: 'dummy', methods });
    expect(out.info.generation_args).toEqual({ max_length: 9, do_sample: false });
    // An explicit option and max_new_tokens both take precedence.
    expect((await targets(model, prompt, 2))[0].length).toBe(promptLength + 2);
    await model.backend.dispose();
    const both = await withGeneration(promptIds(), { max_length: 9, max_new_tokens: 3, eos_token_id: eos }, 'both');
    expect((await targets(both, prompt))[0].length).toBe(promptLength + 3);
    await expect(targets(await withGeneration(promptIds(), { max_length: 2 }, 'short'), prompt)).rejects.toThrow(
      /max_length 2, which leaves no room to generate after \d+ tokens/,
    );
    await both.backend.dispose();
  });

  it('eos_token_id as a list stops at any of its ids', async () => {
    // A free run with an eos that never wins shows the tokens greedy decoding picks.
    const free = await withGeneration(promptIds(), { max_new_tokens: 6, eos_token_id: eos }, 'free');
    const [run] = await targets(free, prompt);
    const promptLength = free.tokenizer.encode(prompt).length;
    const generated = run.slice(promptLength);
    expect(generated.length).toBe(6);
    await free.backend.dispose();
    const third = generated[2];
    const firstAt = generated.indexOf(third);
    const stopping = await withGeneration(promptIds(), { max_new_tokens: 6, eos_token_id: [eos, third] }, 'eos-list');
    // Decoder-only targets end before the stop token (Inseq's rule).
    expect((await targets(stopping, prompt))[0]).toEqual(run.slice(0, promptLength + firstAt));
    await stopping.backend.dispose();
    const single = await withGeneration(promptIds(), { max_new_tokens: 6, eos_token_id: third }, 'eos-one');
    expect((await targets(single, prompt))[0]).toEqual(run.slice(0, promptLength + firstAt));
    await single.backend.dispose();
  });

  it('pad_token_id fills the left padding of batched prompts, without changing the result', async () => {
    const pad = 5;
    const model = await withGeneration(promptIds(), { max_new_tokens: 2, eos_token_id: eos, pad_token_id: pad }, 'pad');
    const seen: number[] = [];
    const forward = model.backend.forward.bind(model.backend);
    const spied: AttributionModel = {
      ...model,
      backend: Object.assign(Object.create(Object.getPrototypeOf(model.backend)), model.backend, {
        forward: async (input: ForwardInput) => {
          const width = input.inputIds.shape[1];
          for (let i = 0; i < input.inputIds.data.length; i++) if (input.attentionMask.data[i] === 0) seen.push(input.inputIds.data[i]);
          expect(width).toBeGreaterThan(0);
          return forward(input);
        },
      }),
    };
    const batch = await targets(spied, [prompt, 'Hi']);
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([pad]));
    // Padding is masked: each row equals its unbatched run.
    expect(batch[1]).toEqual((await targets(model, 'Hi'))[0]);
    await model.backend.dispose();
  });
});

describe('generation_config.json on an encoder-decoder (tiny BART)', () => {
  const tiny = createTinyBart();

  it('decoder_start_token_id and forced_bos_token_id set the first target tokens; max_length counts the decoder start', async () => {
    expect(tiny.config.decoder_start_token_id).toBe(2);
    const model = await withGeneration(tiny.files, { decoder_start_token_id: 0, forced_bos_token_id: 7, max_new_tokens: 4, eos_token_id: 2 }, 'forced');
    const [target] = await targets(model, 'The cat sat');
    expect(target.slice(0, 2)).toEqual([0, 7]);
    expect(target.length).toBeLessThanOrEqual(5);
    await model.backend.dispose();
    // Without generation_config.json, config.json's forced_bos_token_id (0) applies, as transformers falls back to it.
    const { 'generation_config.json': _generation, ...rest } = tiny.files;
    const legacy = await loadModel(memoryModelFiles(rest, 'legacy'));
    const [legacyTarget] = await targets(legacy, 'The cat sat', 3);
    expect(legacyTarget.slice(0, 2)).toEqual([2, 0]);
    await legacy.backend.dispose();
    const capped = await withGeneration(tiny.files, { max_length: 3, eos_token_id: 99 }, 'capped');
    expect((await targets(capped, 'The cat sat'))[0].length).toBe(3);
    await capped.backend.dispose();
  });

  it('bos_token_id starts the decoder where no decoder_start_token_id is set', async () => {
    const linear = encoderDecoderLinearModel();
    const { decoderStartTokenId: _start, padTokenId: _pad, ...config } = linear.backend.config;
    const model: AttributionModel = { ...linear, backend: { ...linear.backend, config }, generationConfig: { bosTokenId: 3, maxNewTokens: 2 } };
    const [target] = await targets(model, 'the cat');
    expect(target[0]).toBe(3);
  });
});
