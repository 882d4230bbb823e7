import { loadTokenizer, memoryModelFiles } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { buildGpt2TokenizerJson } from '../build-gpt2-tokenizer-json';
import { buildBartTokenizerJson } from './build-bart-tokenizer-json';

const encoder = new TextEncoder();

describe('buildBartTokenizerJson', () => {
  it("has BART's specials around GPT-2's byte-level BPE and wraps text in <s> … </s>", async () => {
    const built = buildBartTokenizerJson({ merges: 1000 });
    const gpt2 = buildGpt2TokenizerJson({ merges: 1000 });
    expect(built.vocabSize).toBe(gpt2.vocabSize - 1 + 5);
    const files = {
      'tokenizer.json': encoder.encode(JSON.stringify(built.tokenizerJson)),
      'tokenizer_config.json': encoder.encode(JSON.stringify(built.tokenizerConfig)),
    };
    const tokenizer = await loadTokenizer(memoryModelFiles(files, 'bart'));
    expect(tokenizer.specialTokenIds).toEqual({ bos: 0, eos: 2, unk: 3, pad: 1 });
    expect(tokenizer.idToToken(built.vocabSize - 1)).toBe('<mask>');
    const text = 'Hello world, the cat sat on the mat. Ünïcödé 🙂';
    const ids = tokenizer.encode(text);
    expect(ids[0]).toBe(0);
    expect(ids.at(-1)).toBe(2);
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe(text);
    // Same subwords as GPT-2, ids moved up by the 4 specials.
    const gpt2Files = {
      'tokenizer.json': encoder.encode(JSON.stringify(gpt2.tokenizerJson)),
      'tokenizer_config.json': encoder.encode(JSON.stringify(gpt2.tokenizerConfig)),
    };
    const gpt2Tokenizer = await loadTokenizer(memoryModelFiles(gpt2Files, 'gpt2'));
    expect(ids.slice(1, -1)).toEqual(gpt2Tokenizer.encode(text).map((id) => id + 4));
  });
});
