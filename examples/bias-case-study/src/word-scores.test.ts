import type { SequenceAttribution, Tokenizer } from 'inseq';
import { describe, expect, it } from 'vitest';
import { stepTokenScores, wordScores } from './word-scores';

// A vocabulary with a BOS (decoded to nothing when special tokens are skipped) and a split word.
const vocabulary = ['<s>', 'The', ' hair', 'dress', 'er', ' said', ' she'];
const tokenizer: Tokenizer = {
  encode: () => [],
  decode: (ids, options) => ids.map((id) => (id === 0 && options?.skipSpecialTokens ? '' : vocabulary[id])).join(''),
  idToToken: (id) => vocabulary[id].replace(' ', 'Ġ'),
  specialTokenIds: { bos: 0 },
};

describe('stepTokenScores and wordScores', () => {
  it('reduces one step over the hidden axis and sums each word, by hand', () => {
    const ids = [0, 1, 2, 3, 4, 5];
    // [target 7, steps 2, hidden 2]; step 1 is the one read. The pronoun row (6) is never read.
    const rows = [
      [3, 4], [0, 1], [1, -1], [2, 0], [0, -3], [6, 8], [99, 99],
    ];
    const data = new Float32Array(7 * 2 * 2);
    for (const [token, [a, b]] of rows.entries()) data.set([Number.NaN, Number.NaN, a, b], token * 4);
    const sequence = {
      source: [],
      target: [...ids, 6].map((id) => ({ id, token: tokenizer.idToToken(id) })),
      source_attributions: null,
      target_attributions: { data, shape: [7, 2, 2] },
      step_scores: {},
      sequence_scores: {},
      attr_pos_start: 6,
      attr_pos_end: 8,
    } satisfies SequenceAttribution;
    const scores = stepTokenScores(sequence, 1);
    expect(scores.magnitude).toEqual([5, 1, Math.SQRT2, 2, 3, 10]);
    expect(scores.signed).toEqual([7, 1, 0, 2, -3, 14]);
    const words = wordScores(tokenizer, ids, 'The hairdresser said', scores);
    expect(words.map(({ text, start, end, tokens }) => ({ text, start, end, tokens }))).toEqual([
      { text: '<s>', start: 0, end: 0, tokens: ['<s>'] },
      { text: 'The', start: 0, end: 3, tokens: ['The'] },
      { text: 'hairdresser', start: 4, end: 15, tokens: ['Ġhair', 'dress', 'er'] },
      { text: 'said', start: 16, end: 20, tokens: ['Ġsaid'] },
    ]);
    expect(words[2].score).toBeCloseTo(Math.SQRT2 + 2 + 3, 6);
    expect(words[2].signed).toBe(-1);
    expect(() => stepTokenScores(sequence, 2)).toThrow(/Step 2 is not attributed: the sequence has 2 step\(s\)/);
    expect(() => wordScores(tokenizer, ids, 'The hairdresser says', scores)).toThrow(/decode to "The hairdresser said", not to the prompt "The hairdresser says"/);
  });
});
