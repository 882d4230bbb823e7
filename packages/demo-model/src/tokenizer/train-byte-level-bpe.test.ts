import { loadTokenizer, memoryModelFiles } from '@inseq/core';
import { describe, expect, test } from 'vitest';
import { trainingSentences } from '../corpus/generate-corpus';
import { byteLevelBpeTokenizerFiles, byteLevelPretokens, trainByteLevelBpe } from './train-byte-level-bpe';

const corpus = (count: number) => {
  const stream = trainingSentences(1);
  return Array.from({ length: count }, () => stream.next().value as string);
};

async function tokenizerOf(texts: string[], maxMerges: number) {
  const files = byteLevelBpeTokenizerFiles(trainByteLevelBpe(texts, { maxMerges }), 64);
  return {
    files,
    tokenizer: await loadTokenizer(
      memoryModelFiles({ 'tokenizer.json': JSON.stringify(files.tokenizerJson), 'tokenizer_config.json': JSON.stringify(files.tokenizerConfig) }),
    ),
  };
}

describe('trainByteLevelBpe', () => {
  test('merges the most frequent pair first, ties in string order, counting pre-token frequency', () => {
    // Pre-tokens: ab, Ġab ×2, cde, Ġcde. Pairs: a b 3; Ġ a, c d, d e 2 each; Ġ c 1.
    // After a+b: Ġ ab, c d, d e tie at 2 and "c d" sorts first ("Ġ" is U+0120), then "d e"
    // is gone (d merged), so cd+e (2) beats Ġ+ab only by string order too: "cd e" < "Ġ ab".
    const bpe = trainByteLevelBpe(['ab ab ab', 'cde cde'], { maxMerges: 4 });
    expect(bpe.merges).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['cd', 'e'],
      ['Ġ', 'ab'],
    ]);
    expect(bpe.tokens.slice(256)).toEqual(['ab', 'cd', 'cde', 'Ġab']);
  });

  test('stops below the minimum frequency', () => {
    expect(trainByteLevelBpe(['xy'], { maxMerges: 10 }).merges).toEqual([]);
    expect(trainByteLevelBpe(['xy'], { maxMerges: 10, minFrequency: 1 }).merges).toEqual([['x', 'y']]);
  });

  test('pre-tokenises as GPT-2 (space joined to the next word, punctuation apart)', () => {
    expect(byteLevelPretokens('The keys are old.')).toEqual(['The', 'Ġkeys', 'Ġare', 'Ġold', '.']);
  });

  test('the learned tokenizer, read by core like any tokenizer.json, keeps every corpus word whole and round-trips text', async () => {
    const texts = corpus(5000);
    const { tokenizer, files } = await tokenizerOf(texts, 5000);
    expect(files.vocabSize).toBe(files.endOfTextId + 1);
    for (const text of texts.slice(0, 500)) {
      const ids = tokenizer.encode(text);
      expect(ids).toHaveLength(byteLevelPretokens(text).length);
      expect(tokenizer.decode(ids)).toBe(text);
    }
    // Unseen text still encodes, byte by byte where no merge applies.
    const unseen = 'Zürich ∑ 42';
    expect(tokenizer.decode(tokenizer.encode(unseen))).toBe(unseen);
    expect(tokenizer.specialTokenIds.eos).toBe(files.endOfTextId);
  });

  test('is deterministic', () => {
    const texts = corpus(2000);
    expect(trainByteLevelBpe(texts, { maxMerges: 300 })).toEqual(trainByteLevelBpe(texts, { maxMerges: 300 }));
  });
});
