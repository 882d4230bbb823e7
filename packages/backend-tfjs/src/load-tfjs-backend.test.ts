import { InseqError, type ModelBackend, intTensorFromRows, memoryModelFiles } from '@inseq/core';
import { createTinyGpt2, encodeSafetensors } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTfjsBackend } from './load-tfjs-backend';

const tiny = createTinyGpt2();
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** Awaits `promise`, expecting an InseqError with `name` and `code` whose message holds every fragment. */
async function expectInseqError(promise: Promise<unknown>, name: string, code: string, ...fragments: string[]): Promise<InseqError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(InseqError.isInstance(error)).toBe(true);
  const inseqError = error as InseqError;
  expect({ name: inseqError.name, code: inseqError.code }).toEqual({ name, code });
  for (const fragment of fragments) expect(inseqError.message).toContain(fragment);
  return inseqError;
}

const load = (files: Record<string, Uint8Array>) => loadTfjsBackend(memoryModelFiles(files, 'models/broken'));

describe('loadTfjsBackend errors', () => {
  it('names a missing config.json or model.safetensors and what the folder needs', async () => {
    const { 'config.json': _config, ...noConfig } = tiny.files;
    await expectInseqError(load(noConfig), 'ModelLoadError', 'MODEL_LOAD', 'models/broken has no config.json', 'model.safetensors');
    const { 'model.safetensors': _weights, ...noWeights } = tiny.files;
    await expectInseqError(load(noWeights), 'ModelLoadError', 'MODEL_LOAD', 'models/broken has no model.safetensors nor model.safetensors.index.json', 'files found: config.json, generation_config.json, tokenizer.json');
    const pickleOnly = { ...noWeights, 'pytorch_model.bin': new Uint8Array([0x80, 2]) };
    await expectInseqError(load(pickleOnly), 'ModelLoadError', 'MODEL_LOAD', 'models/broken holds its weights only as PyTorch pickle (pytorch_model.bin)', 'arbitrary code', 'safe_serialization=True');
  });

  it('rejects a config.json that is not JSON', async () => {
    await expectInseqError(load({ ...tiny.files, 'config.json': json('{').subarray(1) }), 'ModelLoadError', 'INVALID_FILE', 'config.json');
  });

  it('rejects an unsupported model_type, listing the supported ones', async () => {
    const error = await expectInseqError(
      load({ ...tiny.files, 'config.json': json({ ...tiny.config, model_type: 'falcon' }) }),
      'ModelLoadError',
      'UNSUPPORTED_MODEL',
      '"falcon"',
      'Supported: gpt2',
    );
    expect(error.message).toContain('models/broken/config.json');
    await expectInseqError(load({ ...tiny.files, 'config.json': json({ n_embd: 32 }) }), 'ModelLoadError', 'UNSUPPORTED_MODEL', 'undefined');
  });

  it('rejects an unsupported activation', async () => {
    await expectInseqError(
      load({ ...tiny.files, 'config.json': json({ ...tiny.config, activation_function: 'swish' }) }),
      'ModelLoadError',
      'UNSUPPORTED_MODEL',
      '"swish"',
      'gelu_new',
    );
  });

  it('rejects malformed safetensors, naming the file', async () => {
    const weights = tiny.files['model.safetensors'];
    await expectInseqError(
      load({ ...tiny.files, 'model.safetensors': weights.subarray(0, weights.length - 10) }),
      'ModelLoadError',
      'INVALID_FILE',
      'models/broken/model.safetensors',
      'truncated',
    );
    await expectInseqError(load({ ...tiny.files, 'model.safetensors': new Uint8Array(3) }), 'ModelLoadError', 'INVALID_FILE', 'fewer than the 8-byte');
  });

  it('names missing weights and weights whose shape disagrees with config.json', async () => {
    await expectInseqError(
      load({ ...tiny.files, 'config.json': json({ ...tiny.config, n_layer: 3 }) }),
      'ModelLoadError',
      'INVALID_FILE',
      'h.2.ln_1.weight',
      'GPT2LMHeadModel with 3 layers',
    );
    await expectInseqError(
      load({ ...tiny.files, 'config.json': json({ ...tiny.config, n_positions: 32 }) }),
      'ModelLoadError',
      'INVALID_FILE',
      "'wpe.weight' has shape [64, 32]",
      '[32, 32]',
    );
    const { 'transformer.ln_f.bias': _dropped, ...rest } = tiny.weights;
    const tensors = Object.fromEntries(Object.entries(rest).map(([name, weight]) => [name, { dtype: 'F32' as const, ...weight }]));
    await expectInseqError(load({ ...tiny.files, 'model.safetensors': encodeSafetensors(tensors) }), 'ModelLoadError', 'INVALID_FILE', 'ln_f.bias');
  });

  it('rejects an unknown device', async () => {
    await expectInseqError(
      loadTfjsBackend(memoryModelFiles(tiny.files), { device: 'tpu' as 'cpu' }),
      'InvalidInputError',
      'INVALID_ARGUMENT',
      "'tpu'",
      'wasm, cpu, webgpu',
    );
  });
});

describe('tfjs backend input checks', () => {
  let backend: ModelBackend;
  beforeAll(async () => {
    backend = await loadTfjsBackend(memoryModelFiles(tiny.files));
  });
  afterAll(() => backend?.dispose());

  const rows = (length: number, value = 1) => intTensorFromRows([Array(length).fill(value)]);

  it('refuses input longer than n_positions, naming both lengths', async () => {
    await expectInseqError(
      backend.forward({ inputIds: rows(65), attentionMask: rows(65) }),
      'InvalidInputError',
      'INPUT_TOO_LONG',
      '65 tokens',
      'at most 64',
    );
    await expect(backend.forward({ inputIds: rows(64), attentionMask: rows(64) })).resolves.toBeDefined();
  });

  it('refuses right padding, bad masks, out-of-vocabulary ids and misshapen embeddings', async () => {
    const ids = intTensorFromRows([[1, 2, 3]]);
    await expectInseqError(backend.forward({ inputIds: ids, attentionMask: intTensorFromRows([[1, 1, 0]]) }), 'InvalidInputError', 'INVALID_INPUT', 'pad on the left');
    await expectInseqError(backend.forward({ inputIds: ids, attentionMask: intTensorFromRows([[1, 2, 1]]) }), 'InvalidInputError', 'INVALID_INPUT', 'attentionMask[0][1] is 2');
    await expectInseqError(backend.forward({ inputIds: ids, attentionMask: rows(4) }), 'InvalidInputError', 'INVALID_INPUT', 'must match inputIds');
    await expectInseqError(
      backend.forward({ inputIds: intTensorFromRows([[1, 99999]]), attentionMask: rows(2) }),
      'InvalidInputError',
      'INVALID_INPUT',
      'inputIds[0][1] is 99999',
    );
    await expectInseqError(backend.embed({ data: new Int32Array(0), shape: [1, 0] }), 'InvalidInputError', 'INVALID_INPUT', 'non-empty');
    const gradientInput = { inputIds: ids, attentionMask: rows(3), inputsEmbeds: await backend.embed(ids), targetIds: Int32Array.of(5) };
    await expectInseqError(
      backend.gradients!({ ...gradientInput, target: undefined as never }),
      'InvalidInputError',
      'INVALID_INPUT',
      'needs a target',
    );
    await expectInseqError(
      backend.gradients!({ ...gradientInput, targetIds: Int32Array.of(5, 6), target: { name: 'logit', build: (ops, logits, t) => ops.gather(logits, t) } }),
      'InvalidInputError',
      'INVALID_INPUT',
      'targetIds has 2 ids for a batch of 1',
    );
    await expectInseqError(
      backend.forward({ inputIds: ids, attentionMask: rows(3), inputsEmbeds: { data: new Float32Array(3 * 16), shape: [1, 3, 16] } }),
      'InvalidInputError',
      'INVALID_INPUT',
      'inputsEmbeds has shape [1, 3, 16]',
      '[1, 3, 32]',
    );
  });
});
