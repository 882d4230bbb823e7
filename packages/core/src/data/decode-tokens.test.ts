import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/invalid-input-error';
import { decodeToken } from './decode-token';
import { decodeTokens } from './decode-tokens';
import { displayToken } from './display-token';

describe('decodeToken', () => {
  it('decodes GPT-2 byte-level tokens as the tokenizer does', () => {
    expect(decodeToken('Ġthe')).toBe(' the');
    expect(decodeToken('Ċ')).toBe('\n');
    expect(decodeToken('ĉ')).toBe('\t');
    expect(decodeToken('âĢĻ')).toBe('\u2019');
    expect(decodeToken('ĠcafÃ©')).toBe(' café');
    // half of an emoji: replaced, as errors="replace"
    expect(decodeToken('ðŁĺ')).toBe('\ufffd');
  });

  it('turns the SentencePiece word marker into a space and reads byte fallback', () => {
    expect(decodeToken('▁capital')).toBe(' capital');
    expect(decodeToken('<0x0A>')).toBe('\n');
    expect(decodeToken('<0xE2>')).toBe('<0xE2>');
  });

  it('leaves special tokens, WordPiece and plain text alone', () => {
    expect(decodeToken('<|endoftext|>')).toBe('<|endoftext|>');
    expect(decodeToken('##ing')).toBe('##ing');
    expect(decodeToken('café')).toBe('café');
    expect(decodeToken('日本')).toBe('日本');
  });
});

describe('decodeTokens', () => {
  // GPT-2 byte-level tokens of "It’s 😀\nthe", the emoji split in two.
  const gpt2 = ['It', 'âĢĻ', 's', 'Ġ', 'ðŁĺ', 'Ģ', 'Ċ', 'the'];

  it('shows each piece of a split character as U+FFFD by default, as Inseq', () => {
    expect(decodeTokens(gpt2)).toEqual(['It', '’', 's', ' ', '\ufffd', '\ufffd', '\n', 'the']);
  });

  it('shows a split character on the token that completes it in merge mode', () => {
    const texts = decodeTokens(gpt2, { splitCharacters: 'merge' });
    expect(texts).toEqual(['It', '’', 's', ' ', '', '😀', '\n', 'the']);
    expect(texts.join('')).toBe('It’s 😀\nthe');
  });

  it('marks bytes left incomplete in merge mode', () => {
    expect(decodeTokens(['Ġa', 'ðŁĺ'], { splitCharacters: 'merge' })).toEqual([' a', '\ufffd']);
    expect(decodeTokens(['ðŁĺ', '日本', 'Ġb'], { scheme: 'byte_level', splitCharacters: 'merge' })).toEqual(['\ufffd', '日本', ' b']);
  });

  it('decodes SentencePiece, merging byte-fallback pieces', () => {
    const llama = ['▁It', '’', 's', '▁', '<0xF0>', '<0x9F>', '<0x98>', '<0x80>', '<0x0A>', 'ł'];
    expect(decodeTokens(llama)).toEqual([' It', '’', 's', ' ', '\ufffd', '\ufffd', '\ufffd', '\ufffd', '\n', 'ł']);
    expect(decodeTokens(llama, { splitCharacters: 'merge' }).join('')).toBe(' It’s 😀\nł');
  });

  it('joins WordPiece continuations without a space', () => {
    const bert = ['[CLS]', 'the', 'phen', '##omen', '##al', 'cat'];
    expect(decodeTokens(bert)).toEqual(['[CLS]', ' the', ' phen', 'omen', 'al', ' cat']);
    expect(decodeTokens(bert).join('')).toBe('[CLS] the phenomenal cat');
  });

  it('falls back to decodeToken per token when the scheme is unclear', () => {
    expect(decodeTokens(['café', 'au', 'lait'])).toEqual(['café', 'au', 'lait']);
  });

  it('refuses an unknown scheme', () => {
    expect(() => decodeTokens([], { scheme: 'bpe' as never })).toThrow(InvalidInputError);
    expect(() => decodeTokens([], { scheme: 'bpe' as never })).toThrow(/auto, byte_level, sentencepiece, wordpiece/);
  });
});

describe('displayToken', () => {
  it('makes whitespace and control characters visible on one line', () => {
    expect(displayToken('Ċ')).toBe('\\n');
    expect(displayToken('ĊĊ')).toBe('\\n\\n');
    expect(displayToken('<0x0D>')).toBe('\\r');
    expect(displayToken('<0x00>')).toBe('\\x00');
    expect(displayToken('Ġ')).toBe('␣');
    expect(displayToken('ĠParis')).toBe(' Paris');
  });

  it('labels a token decoded with its neighbours', () => {
    expect(displayToken('Ģ', '😀')).toBe('😀');
  });
});
