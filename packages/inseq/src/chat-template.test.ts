import { type AttributionModel, memoryModelFiles } from '@inseq/core';
import { createTinyGpt2, createTinyLlama } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attribute } from './attribute';
import { createDefaultRegistries } from './default-registries';
import { loadModel } from './load-model';

const { methods } = createDefaultRegistries();

describe('chat templates are applied only when asked (tiny Llama with a Llama 2 chat template)', () => {
  let model: AttributionModel;
  beforeAll(async () => {
    model = await loadModel(memoryModelFiles(createTinyLlama().files, 'tiny-llama-chat'));
  });
  afterAll(() => model?.backend.dispose());

  it('renders the input as a user turn and appends the reply; special tokens come from the template only', async () => {
    const rendered = model.tokenizer.applyChatTemplate!([{ role: 'user', content: 'The cat sat' }], { addGenerationPrompt: true });
    expect(rendered).toBe('<s>[INST] The cat sat [/INST]');
    const out = await attribute(model, 'The cat sat', { method: 'saliency', methods, chatTemplate: true, generatedTexts: 'on the mat' });
    const sequence = out.sequence_attributions[0];
    const tokens = sequence.target.map((t) => t.token);
    // One <s>: the template's, none added by the tokenizer on top.
    expect(tokens.filter((token) => token === '<s>')).toHaveLength(1);
    expect(model.tokenizer.decode(sequence.source.map((t) => t.id))).toContain('[INST] The cat sat [/INST]');
    expect(model.tokenizer.decode(sequence.target.slice(sequence.attr_pos_start).map((t) => t.id))).toContain('on the mat');
    expect(out.info.chat_template).toBe(true);
    // Not asked: the plain text, as Inseq.
    const plain = await attribute(model, 'The cat sat', { method: 'saliency', methods, generatedTexts: 'The cat sat on the mat' });
    expect(plain.sequence_attributions[0].target.map((t) => t.token).join('')).not.toContain('INST');
  });

  it('a system turn goes into <<SYS>> markers', () => {
    const rendered = model.tokenizer.applyChatTemplate!(
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      { addGenerationPrompt: true },
    );
    expect(rendered).toBe('<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST]');
  });

  it('refuses chatTemplate for a tokenizer without one', async () => {
    const gpt2 = await loadModel(memoryModelFiles(createTinyGpt2().files, 'tiny-gpt2'));
    try {
      await expect(attribute(gpt2, 'The cat', { method: 'saliency', methods, chatTemplate: true })).rejects.toThrow(/has no chat_template/);
    } finally {
      await gpt2.backend.dispose();
    }
  });
});
