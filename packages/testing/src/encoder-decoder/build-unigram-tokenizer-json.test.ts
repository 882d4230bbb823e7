import { loadTokenizer, memoryModelFiles } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { buildUnigramTokenizerJson, mbartLanguageCodes } from './build-unigram-tokenizer-json';

const encoder = new TextEncoder();
const load = (built: ReturnType<typeof buildUnigramTokenizerJson>) =>
  loadTokenizer(
    memoryModelFiles(
      { 'tokenizer.json': encoder.encode(JSON.stringify(built.tokenizerJson)), 'tokenizer_config.json': encoder.encode(JSON.stringify(built.tokenizerConfig)) },
      'unigram',
    ),
  );

describe('buildUnigramTokenizerJson', () => {
  it.each([
    ['marian', { eos: 0, unk: 1, pad: 1202 }],
    ['t5', { pad: 0, eos: 1, unk: 2 }],
  ] as const)('%s: loads with core, appends </s>, round-trips text', async (layout, ids) => {
    const built = buildUnigramTokenizerJson({ layout });
    expect(built.vocabSize).toBe(1203);
    expect(built.specialIds).toEqual(ids);
    const added = built.tokenizerJson.added_tokens as { id: number; content: string }[];
    expect(added.map(({ content }) => content).sort()).toEqual(['</s>', '<pad>', '<unk>']);
    for (const { id, content } of added) expect(id).toBe(ids[({ '</s>': 'eos', '<pad>': 'pad', '<unk>': 'unk' } as const)[content as '</s>']]);
    const tokenizer = await load(built);
    expect(tokenizer.specialTokenIds).toMatchObject({ eos: ids.eos, unk: ids.unk, pad: ids.pad });
    const text = 'The quick brown fox jumps over the lazy dog.';
    const encoded = tokenizer.encode(text);
    expect(encoded.at(-1)).toBe(ids.eos);
    expect(encoded.filter((id) => id === ids.eos)).toHaveLength(1);
    expect(tokenizer.decode(encoded, { skipSpecialTokens: true })).toBe(text);
    // Unigram's Viterbi picks Llama's whole-word pieces where they are kept.
    expect(encoded.slice(0, 2).map((id) => tokenizer.idToToken(id))).toEqual(['▁The', '▁qu']);
    expect(encoded.length).toBeLessThan(text.split(' ').length * 3);
    // A character outside the kept ones becomes <unk> (no byte fallback, as in T5 and Marian).
    expect(tokenizer.encode('ꙮ')).toContain(ids.unk);
  });

  it('scores are a Zipf law over the kept pieces: log-probabilities that sum to 1, falling with rank', () => {
    const { tokenizerJson } = buildUnigramTokenizerJson({ layout: 't5', pieces: 300, characters: 100 });
    const vocab = (tokenizerJson.model as { vocab: [string, number][] }).vocab;
    expect(vocab.slice(0, 3)).toEqual([
      ['<pad>', 0],
      ['</s>', 0],
      ['<unk>', 0],
    ]);
    const scores = vocab.slice(3).map(([, score]) => score);
    expect(scores).toHaveLength(400);
    expect(scores.reduce((sum, score) => sum + Math.exp(score), 0)).toBeCloseTo(1, 12);
    expect(scores[0] - scores[9]).toBeCloseTo(Math.log(10), 12);
    for (let r = 1; r < scores.length; r++) expect(scores[r]).toBeLessThan(scores[r - 1]);
  });

  it('mbart: fairseq specials, language codes and <mask> after the pieces; the source ends </s> en_XX', async () => {
    const built = buildUnigramTokenizerJson({ layout: 'mbart' });
    expect(built.specialIds).toEqual({ pad: 1, eos: 2, unk: 3 });
    expect(built.vocabSize).toBe(4 + 1200 + 25 + 1);
    expect((built.tokenizerJson.added_tokens as unknown[]).length).toBe(4 + 25 + 1);
    const tokenizer = await load(built);
    expect(tokenizer.specialTokenIds).toEqual({ bos: 0, eos: 2, unk: 3, pad: 1 });
    const enXX = 4 + 1200 + mbartLanguageCodes.indexOf('en_XX');
    expect(tokenizer.idToToken(enXX)).toBe('en_XX');
    expect(tokenizer.idToToken(built.vocabSize - 1)).toBe('<mask>');
    const ids = tokenizer.encode('UN Chief Says There Is No Military Solution');
    expect(ids.slice(-2)).toEqual([2, enXX]);
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe('UN Chief Says There Is No Military Solution');
  });

  it('rejects piece counts outside the vocabulary', () => {
    expect(() => buildUnigramTokenizerJson({ layout: 't5', pieces: -1 })).toThrow(/pieces must be an integer/);
    expect(() => buildUnigramTokenizerJson({ layout: 'marian', characters: 0 })).toThrow(/characters must be an integer/);
  });
});
