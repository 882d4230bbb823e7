import { InseqError, intTensorFromRows, memoryModelFiles } from '@inseq/core';
import { createTinyGpt2 } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { loadTfjsBackend } from '../load-tfjs-backend';
import { createTfjsBackendLoader, tfjsBackendLoader } from '../tfjs-backend-loader';
import { createGpt2Model } from './decoder-only/gpt2/create-gpt2-model';
import { parseGpt2Config } from './decoder-only/gpt2/parse-gpt2-config';
import { type TfjsArchitecture, tfjsArchitectures } from './tfjs-architectures';

const tiny = createTinyGpt2();
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
// A family the backend does not know: GPT-2 weights under another model_type.
const folder = memoryModelFiles({ ...tiny.files, 'config.json': json({ ...tiny.config, model_type: 'my_gpt2' }) }, 'my-gpt2');
const myGpt2: TfjsArchitecture = {
  name: 'my_gpt2',
  kind: 'decoder-only',
  parseConfig: (raw: Record<string, unknown>) => ({ ...parseGpt2Config({ ...raw, model_type: 'gpt2' }), modelType: 'my_gpt2' }),
  create: createGpt2Model,
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

describe('architectures registry', () => {
  it('an explicit registry loads a new model_type; the built-ins do not know it', async () => {
    await expect(loadTfjsBackend(folder)).rejects.toThrow(/model_type "my_gpt2".*Supported: gpt2, llama, mistral, qwen2, gemma.*createTfjsBackendLoader/s);
    const architectures = tfjsArchitectures().register(myGpt2);
    const backend = await loadTfjsBackend(folder, { architectures });
    const reference = await loadTfjsBackend(memoryModelFiles(tiny.files, 'tiny-gpt2'));
    try {
      expect(backend.config.modelType).toBe('my_gpt2');
      const input = { inputIds: intTensorFromRows([[5, 6, 7]]), attentionMask: intTensorFromRows([[1, 1, 1]]) };
      expect(Array.from((await backend.forward(input)).logits.data)).toEqual(Array.from((await reference.forward(input)).logits.data));
    } finally {
      await backend.dispose();
      await reference.dispose();
    }
  });

  it("a loader's own registry loads the family; the default loader refuses it with the known types", async () => {
    const loader = createTfjsBackendLoader({ architectures: tfjsArchitectures().register(myGpt2) });
    expect(loader.architectures.list()).toContain('my_gpt2');
    expect(await loader.canLoad(folder)).toBe(true);
    const backend = await loader.load(folder);
    expect(backend.config.modelType).toBe('my_gpt2');
    await backend.dispose();
    expect(await tfjsBackendLoader.canLoad(folder)).toMatch(/model_type "my_gpt2" is not supported by the tfjs backend \(supported: gpt2, llama, mistral, qwen2, gemma, bart, mbart, marian, t5\)/);
    expect(await createTfjsBackendLoader().canLoad(folder)).toMatch(/not supported/);
  });

  it('registering into the default loader throws, telling to create a loader; fresh registries share nothing', () => {
    const error = thrown(() => tfjsBackendLoader.architectures.register(myGpt2));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/read-only.*createTfjsBackendLoader\(\{ architectures: tfjsArchitectures\(\)\.register/);
    expect(tfjsBackendLoader.architectures.has('my_gpt2')).toBe(false);
    const one = tfjsArchitectures().register(myGpt2);
    expect(one.has('my_gpt2') && !tfjsArchitectures().has('my_gpt2')).toBe(true);
    expect(tfjsArchitectures().get('t5').kind).toBe('encoder-decoder');
    expect(thrown(() => one.register(myGpt2)).code).toBe('DUPLICATE_ID');
    one.register(myGpt2, { override: true });
  });
});
