import { InseqError, memoryModelFiles } from '@inseq/core';
import { createTinyLlama } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { attribute } from './attribute';
import { createDefaultRegistries } from './default-registries';
import { loadModel } from './load-model';

const { methods } = createDefaultRegistries();

describe('a chat_template the Jinja parser rejects', () => {
  it('fails only runs that ask for the template, with an error naming tokenizer_config.json', async () => {
    const { files } = createTinyLlama();
    const config = JSON.parse(new TextDecoder().decode(files['tokenizer_config.json']));
    const broken = { ...files, 'tokenizer_config.json': new TextEncoder().encode(JSON.stringify({ ...config, chat_template: '{% if messages %}{{ messages[0].content }' })) };
    const model = await loadModel(memoryModelFiles(broken, 'broken-template'));
    try {
      const plain = await attribute(model, 'The cat sat', { method: 'saliency', methods, generatedTexts: 'The cat sat on' });
      expect(plain.sequence_attributions).toHaveLength(1);
      const error = await attribute(model, 'The cat sat', { method: 'saliency', methods, chatTemplate: true, generatedTexts: 'on' }).catch((caught: unknown) => caught);
      expect(InseqError.isInstance(error)).toBe(true);
      expect((error as InseqError).code).toBe('INVALID_FILE');
      expect((error as Error).message).toMatch(/^The chat_template of broken-template\/tokenizer_config.json is not a Jinja template inseq-ts can parse/);
    } finally {
      await model.backend.dispose();
    }
  });
});
