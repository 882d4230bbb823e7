import { loadTokenizer } from '@inseq/core';
import { tinyGpt2ModelFiles } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { isSpecialToken } from './special-token';
import { detectSubwordScheme, subwordSpans } from './subword-spans';

/** The words the spans make, for readable assertions. */
function words(pieces: string[], spans: readonly (readonly [number, number])[]): string[] {
  const out: string[] = [];
  let position = 0;
  for (const [start, end] of spans) {
    for (; position < start; position++) out.push(pieces[position]);
    out.push(pieces.slice(start, end).join(''));
    position = end;
  }
  for (; position < pieces.length; position++) out.push(pieces[position]);
  return out;
}

describe('subwordSpans', () => {
  it('GPT-2 byte-level BPE: Ġ starts a word, Ċ ends one, <|endoftext|> stays alone (real tokens)', async () => {
    const tokenizer = await loadTokenizer(tinyGpt2ModelFiles());
    const pieces = tokenizer
      .encode('The unbelievable capital of France, Paris.\nIt is big.<|endoftext|>')
      .map((id) => tokenizer.idToToken(id));
    // The tiny model keeps few merges, so words split into many pieces.
    expect(pieces.slice(0, 7)).toEqual(['The', 'Ġun', 'b', 'el', 'ie', 'v', 'able']);
    const spans = subwordSpans(pieces);
    expect(detectSubwordScheme(pieces)).toBe('byte_level');
    expect(spans).toEqual([
      [1, 7],
      [7, 11],
      [12, 16],
      [16, 20],
      [23, 26],
    ]);
    expect(words(pieces, spans)).toEqual([
      'The',
      'Ġunbelievable',
      'Ġcapital',
      'Ġof',
      'ĠFrance,',
      'ĠParis.',
      'Ċ',
      'It',
      'Ġis',
      'Ġbig.',
      '<|endoftext|>',
    ]);
  });

  it('SentencePiece as Llama tokenizes: ▁ starts a word, <s> stays alone, split digits join', () => {
    const pieces = ['<s>', '▁The', '▁un', 'bel', 'iev', 'able', '▁capital', '▁of', '▁France', ',', '▁in', '▁', '2', '0', '2', '4', '.', '</s>'];
    expect(detectSubwordScheme(pieces)).toBe('sentencepiece');
    expect(words(pieces, subwordSpans(pieces))).toEqual([
      '<s>',
      '▁The',
      '▁unbelievable',
      '▁capital',
      '▁of',
      '▁France,',
      '▁in',
      '▁2024.',
      '</s>',
    ]);
  });

  it('WordPiece as BERT tokenizes: ## continues a word, [CLS]/[SEP] stay alone', () => {
    const pieces = ['[CLS]', 'i', 'like', 'em', '##bed', '##ding', '##s', '!', '[SEP]'];
    expect(detectSubwordScheme(pieces)).toBe('wordpiece');
    expect(subwordSpans(pieces)).toEqual([[3, 7]]);
    expect(words(pieces, subwordSpans(pieces))).toEqual(['[CLS]', 'i', 'like', 'em##bed##ding##s', '!', '[SEP]']);
    // A word that ends the sequence keeps its last piece (Inseq's span stops one short).
    expect(subwordSpans(['play', '##ing'])).toEqual([[0, 2]]);
  });

  it('takes Inseq-style custom markers and finds nothing without markers', () => {
    expect(subwordSpans(['a', 'b'], { specialSymbol: '▁' })).toEqual([]);
    expect(subwordSpans(['▁a', 'b', '▁c'], { specialSymbol: ['▁'] })).toEqual([[0, 2]]);
    expect(subwordSpans(['a', '@@b', 'c'], { specialSymbol: '@@', isSuffixSymbol: true })).toEqual([[0, 2]]);
    expect(subwordSpans(['plain', 'words'])).toEqual([]);
    expect(subwordSpans(['Ġa', 'b'], { scheme: 'sentencepiece' })).toEqual([]);
    expect(subwordSpans(['Ġa', '<mask>', 'b', 'Ġc', 'd'], { specialTokens: ['<mask>'] })).toEqual([[3, 5]]);
  });

  it('recognises special tokens but not byte-fallback pieces', () => {
    for (const token of ['<|endoftext|>', '<s>', '</s>', '<unk>', '<pad>', '[CLS]', '[SEP]', '[MASK]']) expect(isSpecialToken(token), token).toBe(true);
    for (const token of ['<0x0A>', 'Ġ<', '<', 'Hello', '[', 'ĠĠ']) expect(isSpecialToken(token), token).toBe(false);
    expect(isSpecialToken('<mask>', ['<mask>'])).toBe(true);
  });
});
