import { InseqError, loadTokenizer, memoryModelFiles } from '@inseq/core';
import { createTinyGpt2, createTinyLlama, vocabMergesTokenizer } from '@inseq/testing';
import { describe, expect, it } from 'vitest';

const texts = [
  'Hello world',
  ' leading space and  double  spaces, trailing ',
  'Tabs\tand\nnewlines\r\n',
  'naïve café — “quotes” ‘single’ … ümlaut ß',
  '日本語のテキスト 中文 한국어',
  'emoji 🤗🚀 and combining é',
  "punctuation: a.b,c;d!e?f (g) [h] {i} 'j' \"k\" it's we'll I'd",
  'numbers 12345 3.14159 -42 1e10 2026-12-04',
  '<|endoftext|>special in text<|endoftext|>',
  '',
];

describe('tokenizer from vocab.json + merges.txt (old GPT-2 repositories)', () => {
  for (const addPrefixSpace of [false, true]) {
    it(`gives the ids and decoded text of the tokenizer.json of the same vocabulary (add_prefix_space ${addPrefixSpace})`, async () => {
      const tiny = createTinyGpt2({ merges: 2000 });
      const files = { ...tiny.files };
      if (addPrefixSpace) {
        // Both layouts get the setting the way transformers builds them: pre-tokenizer and tokenizer_config.
        const json = JSON.parse(new TextDecoder().decode(files['tokenizer.json']));
        json.pre_tokenizer.add_prefix_space = true;
        files['tokenizer.json'] = new TextEncoder().encode(JSON.stringify(json));
        const config = JSON.parse(new TextDecoder().decode(files['tokenizer_config.json']));
        config.add_prefix_space = true;
        files['tokenizer_config.json'] = new TextEncoder().encode(JSON.stringify(config));
      }
      const reference = await loadTokenizer(memoryModelFiles(files, 'fast'));
      const oldLayout = vocabMergesTokenizer(files);
      expect(oldLayout['tokenizer.json']).toBeUndefined();
      const rebuilt = await loadTokenizer(memoryModelFiles(oldLayout, 'old'));
      expect(rebuilt.specialTokenIds).toEqual(reference.specialTokenIds);
      expect(rebuilt.specialTokenIds.eos).toBe(Number(tiny.config.vocab_size) - 1);
      for (const text of texts) {
        const ids = reference.encode(text);
        expect(rebuilt.encode(text), text).toEqual(ids);
        expect(rebuilt.encode(text, { addSpecialTokens: false }), text).toEqual(reference.encode(text, { addSpecialTokens: false }));
        expect(rebuilt.decode(ids), text).toBe(reference.decode(ids));
        expect(rebuilt.decode(ids, { skipSpecialTokens: true })).toBe(reference.decode(ids, { skipSpecialTokens: true }));
        expect(ids.map((id) => rebuilt.idToToken(id))).toEqual(ids.map((id) => reference.idToToken(id)));
      }
      // Not trivially equal: merges are applied (fewer ids than bytes) and the special token is one id.
      expect(reference.encode('Hello world').length).toBeLessThan('Hello world'.length);
      expect(reference.encode('<|endoftext|>')).toEqual([reference.specialTokenIds.eos]);
    });
  }

  it('rejects malformed vocab.json and merges.txt by name', async () => {
    const old = vocabMergesTokenizer(createTinyGpt2().files);
    const expectError = async (entries: Record<string, Uint8Array | string>, fragment: string) => {
      const error = await loadTokenizer(memoryModelFiles(entries, 'old')).catch((caught: unknown) => caught);
      expect(InseqError.isInstance(error) && error.code).toBe('INVALID_FILE');
      expect((error as Error).message).toContain(fragment);
    };
    await expectError({ ...old, 'vocab.json': '["a"]' }, 'old/vocab.json is not a JSON object: it holds a list');
    await expectError({ ...old, 'merges.txt': '#version: 0.2\nĠ t\nbad\n' }, 'old/merges.txt line 3 is "bad"');
  });

  it('refuses vocab.json + merges.txt of other tokenizer classes (BART adds <s> … </s>), naming the class', async () => {
    const old = vocabMergesTokenizer(createTinyGpt2().files);
    const config = JSON.parse(new TextDecoder().decode(old['tokenizer_config.json']));
    for (const [entries, fragment] of [
      [{ ...old, 'tokenizer_config.json': JSON.stringify({ ...config, tokenizer_class: 'BartTokenizer' }) }, 'tokenizer_config.json names "BartTokenizer"'],
      [
        { ...old, 'tokenizer_config.json': JSON.stringify({ ...config, tokenizer_class: undefined }), 'config.json': JSON.stringify({ model_type: 'roberta' }) },
        'the model_type is "roberta" and tokenizer_config.json names no tokenizer_class',
      ],
    ] as const) {
      const error = await loadTokenizer(memoryModelFiles(entries, 'repo')).catch((caught: unknown) => caught);
      expect(InseqError.isInstance(error) && error.code).toBe('MODEL_LOAD');
      expect((error as Error).message).toContain(fragment);
      expect((error as Error).message).toContain('AutoTokenizer.from_pretrained(folder).save_pretrained(folder)');
    }
    // The original GPT-2 repositories name no class: accepted for model_type gpt2.
    const original = { ...old, 'tokenizer_config.json': JSON.stringify({ ...config, tokenizer_class: undefined }) };
    expect((await loadTokenizer(memoryModelFiles(original, 'gpt2'))).encode('Hello')).toEqual((await loadTokenizer(memoryModelFiles(old, 'gpt2'))).encode('Hello'));
  });

  it('names the files found and how to write tokenizer.json for a SentencePiece-only folder', async () => {
    const { 'tokenizer.json': _json, ...rest } = createTinyLlama().files;
    const error = await loadTokenizer(memoryModelFiles({ ...rest, 'tokenizer.model': new Uint8Array([10, 3]) }, 'llama')).catch((caught: unknown) => caught);
    expect((error as InseqError).name).toBe('ModelLoadError');
    const message = (error as Error).message;
    expect(message).toContain('llama has no tokenizer.json, nor vocab.json + merges.txt');
    expect(message).toContain('Files found: config.json, generation_config.json, model.safetensors, tokenizer.model, tokenizer_config.json.');
    expect(message).toContain('SentencePiece');
    expect(message).toContain('AutoTokenizer.from_pretrained(folder).save_pretrained(folder)');
  });
});
