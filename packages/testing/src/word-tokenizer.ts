import type { Tokenizer } from '@inseq/core';

/**
 * A word-level tokenizer for closed-form test models: words split on spaces, id 0 is the
 * end-of-sequence token, unknown words map to `<unk>` when the vocabulary has it.
 */
export function wordTokenizer(vocab: readonly string[]): Tokenizer {
  const unk = vocab.indexOf('<unk>');
  return {
    encode: (text) =>
      text
        .split(/\s+/)
        .filter(Boolean)
        .map((word) => (vocab.indexOf(word) >= 0 ? vocab.indexOf(word) : unk)),
    decode: (ids, decodeOptions) =>
      ids
        .filter((id) => !(decodeOptions?.skipSpecialTokens && id === 0))
        .map((id) => vocab[id])
        .join(' '),
    idToToken: (id) => vocab[id],
    specialTokenIds: { eos: 0, unk: unk >= 0 ? unk : undefined },
  };
}
