import { InseqError, intTensorFromRows, memoryModelFiles } from '@inseq/core';
import { createTinyGpt2 } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { loadTfjsBackend } from '../load-tfjs-backend';
import { tfjsBackendLoader } from '../tfjs-backend-loader';
import { createGpt2Model } from './decoder-only/gpt2/create-gpt2-model';
import { parseGpt2Config } from './decoder-only/gpt2/parse-gpt2-config';
import { createArchitectureRegistry, registerArchitecture, supportedModelTypes } from './supported-models';

const tiny = createTinyGpt2();
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
// A family the backend does not know: GPT-2 weights under another model_type.
const folder = memoryModelFiles({ ...tiny.files, 'config.json': json({ ...tiny.config, model_type: 'my_gpt2' }) }, 'my-gpt2');
const myGpt2 = {
  name: 'my_gpt2',
  parseConfig: (raw: Record<string, unknown>) => ({ ...parseGpt2Config({ ...raw, model_type: 'gpt2' }), modelType: 'my_gpt2' }),
  create: createGpt2Model,
};

describe('registerArchitecture', () => {
  it('an explicit registry loads a new model_type; the default one does not know it yet', async () => {
    await expect(loadTfjsBackend(folder)).rejects.toThrow(/model_type "my_gpt2".*Supported: gpt2, llama, mistral, qwen2, gemma.*registerArchitecture/s);
    const architectures = createArchitectureRegistry().register(myGpt2);
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

  it('registered globally, the family loads through loadTfjsBackend and the backend loader; duplicates need override', async () => {
    expect(await tfjsBackendLoader.canLoad(folder)).toMatch(/my_gpt2/);
    registerArchitecture(myGpt2);
    expect(supportedModelTypes()).toContain('my_gpt2');
    expect(await tfjsBackendLoader.canLoad(folder)).toBe(true);
    const backend = await loadTfjsBackend(folder);
    await backend.dispose();
    let error: unknown;
    try {
      registerArchitecture(myGpt2);
    } catch (caught) {
      error = caught;
    }
    expect(InseqError.isInstance(error) && (error as InseqError).code).toBe('DUPLICATE_ID');
    registerArchitecture(myGpt2, { override: true });
  });
});
