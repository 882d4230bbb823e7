import { type AttributionModel, memoryModelFiles } from '@inseq/core';
import { createTinyBart } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attribute } from './attribute';
import { createDefaultRegistries } from './default-registries';
import { loadModel } from './load-model';

const { methods } = createDefaultRegistries();

describe('multilingual encoder-decoder (tiny mBART, tfjs): language codes', () => {
  let model: AttributionModel;
  beforeAll(async () => {
    model = await loadModel(memoryModelFiles(createTinyBart({ family: 'mbart' }).files, 'tiny-mbart'));
  });
  afterAll(() => model?.backend.dispose());

  it('tgtLang forces the target language code as the first generated token', async () => {
    const out = await attribute(model, 'The cat sat', { method: 'dummy', methods, maxNewTokens: 3, tgtLang: 'it_IT' });
    const target = out.sequence_attributions[0].target.map((t) => t.token);
    expect(target[1]).toBe('it_IT');
  });

  it('a language code the tokenizer lacks is refused, naming it', async () => {
    await expect(attribute(model, 'The cat sat', { method: 'dummy', methods, tgtLang: 'xx_XX' })).rejects.toThrow(/tgtLang "xx_XX" is not a token of/);
    await expect(attribute(model, 'The cat sat', { method: 'dummy', methods, srcLang: 'zz_ZZ', maxNewTokens: 2 })).rejects.toThrow(/srcLang "zz_ZZ"/);
  });
});
