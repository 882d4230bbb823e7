import { InseqError, type ModelArchitecture, intTensorFromRows, memoryModelFiles } from '@inseq/core';
import { tinyGpt2OnnxFiles } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { loadOrtBackend } from './load-ort-backend';
import { ortArchitectures, parseOrtConfig } from './ort-architectures';
import { createOrtBackendLoader, ortBackendLoader } from './ort-backend-loader';

const files = tinyGpt2OnnxFiles();
const decoder = new TextDecoder();
const config = JSON.parse(decoder.decode(files['config.json'])) as Record<string, unknown>;
// A family the backend does not know: a GPT-2 export under another model_type.
const folder = memoryModelFiles({ ...files, 'config.json': new TextEncoder().encode(JSON.stringify({ ...config, model_type: 'my_gpt2' })) }, 'my-gpt2');
const myGpt2: ModelArchitecture = {
  name: 'my_gpt2',
  kind: 'decoder-only',
  parseConfig: (raw) => ({ ...ortArchitectures().get('gpt2').parseConfig({ ...raw, model_type: 'gpt2' }), modelType: 'my_gpt2' }),
};

/** The InseqError `f` throws. */
function thrown(f: () => unknown): InseqError {
  try {
    f();
  } catch (error) {
    if (InseqError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an InseqError');
}

describe('ort architectures registry', () => {
  it('holds the built-ins by kind, a fresh registry per call', () => {
    const builtins = ortArchitectures();
    expect(builtins.values().filter((entry) => entry.kind === 'decoder-only').map((entry) => entry.name)).toEqual(['gpt2', 'llama', 'mistral', 'qwen2', 'gemma']);
    expect(builtins.values().filter((entry) => entry.kind === 'encoder-decoder').map((entry) => entry.name)).toEqual(['marian', 'bart', 'mbart', 't5']);
    builtins.register(myGpt2);
    expect(ortArchitectures().has('my_gpt2')).toBe(false);
    expect(thrown(() => builtins.register(myGpt2)).code).toBe('DUPLICATE_ID');
  });

  it("a loader's own registry loads the family; the default loader refuses it with the known types", async () => {
    const loader = createOrtBackendLoader({ architectures: ortArchitectures().register(myGpt2) });
    expect(await loader.canLoad(folder)).toBe(true);
    const backend = await loader.load(folder);
    const reference = await ortBackendLoader.load(memoryModelFiles(files, 'tiny'));
    try {
      expect(backend.config.modelType).toBe('my_gpt2');
      const input = { inputIds: intTensorFromRows([[5, 6, 7]]), attentionMask: intTensorFromRows([[1, 1, 1]]) };
      expect(Array.from((await backend.forward(input)).logits.data)).toEqual(Array.from((await reference.forward(input)).logits.data));
    } finally {
      await backend.dispose();
      await reference.dispose();
    }
    expect(await ortBackendLoader.canLoad(folder)).toMatch(
      /model_type "my_gpt2" is not supported by the ort backend \(supported: gpt2, llama, mistral, qwen2, gemma, marian, bart, mbart, t5\)/,
    );
    await expect(loadOrtBackend(folder)).rejects.toMatchObject({
      code: 'UNSUPPORTED_MODEL',
      message: expect.stringMatching(/runs decoder-only exports of model_type gpt2, llama, mistral, qwen2, gemma; got "my_gpt2"\. It runs encoder-decoder exports of marian/),
    });
    const own = await loadOrtBackend(folder, { architectures: ortArchitectures().register(myGpt2) });
    await own.dispose();
  });

  it('registering into the default loader throws, telling to create a loader', () => {
    const error = thrown(() => ortBackendLoader.architectures.register(myGpt2));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/read-only.*createOrtBackendLoader\(\{ architectures: ortArchitectures\(\)\.register/);
    expect(ortBackendLoader.architectures.has('my_gpt2')).toBe(false);
  });

  it('parseOrtConfig refuses a known model_type of the other kind', () => {
    const error = thrown(() => parseOrtConfig({ ...config, is_encoder_decoder: true }));
    expect(error.code).toBe('UNSUPPORTED_MODEL');
    expect(error.message).toMatch(/runs encoder-decoder exports of model_type marian, bart, mbart, t5; got "gpt2" \(is_encoder_decoder: true\)/);
  });
});
