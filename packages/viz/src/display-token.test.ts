import { decodeTokens, loadTokenizer, memoryModelFiles } from '@inseq/core';
import { createTinyGpt2 } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { cleanToken } from './clean-token';
import { displayToken } from './display-token';

describe('cleanToken', () => {
  it('decodes GPT-2 byte-level tokens as the tokenizer does', () => {
    expect(cleanToken('Ġcapital')).toBe(' capital');
    expect(cleanToken('Ċ')).toBe('\n');
    expect(cleanToken('ĉ')).toBe('\t');
    expect(cleanToken('âĢĻ')).toBe('\u2019');
    expect(cleanToken('ĠcafÃ©')).toBe(' café');
    // half of an emoji: replaced, as errors="replace"
    expect(cleanToken('ðŁ')).toBe('\ufffd');
  });

  it('turns the SentencePiece word marker into a space and reads byte fallback', () => {
    expect(cleanToken('▁capital')).toBe(' capital');
    expect(cleanToken('▁café')).toBe(' café');
    expect(cleanToken('<0x0A>')).toBe('\n');
    expect(cleanToken('<0xE2>')).toBe('<0xE2>');
  });

  it('leaves special tokens and non-byte-level text alone', () => {
    expect(cleanToken('<|endoftext|>')).toBe('<|endoftext|>');
    expect(cleanToken('café')).toBe('café');
    expect(cleanToken('日本')).toBe('日本');
    expect(cleanToken('##ing')).toBe('##ing');
  });
});

describe('displayToken', () => {
  it('makes whitespace and control characters visible on one line', () => {
    expect(displayToken('Ċ')).toBe('\\n');
    expect(displayToken('ĊĊ')).toBe('\\n\\n');
    expect(displayToken('ĉ')).toBe('\\t');
    expect(displayToken('<0x0D>')).toBe('\\r');
    expect(displayToken('<0x00>')).toBe('\\x00');
    expect(displayToken('Ġ')).toBe('␣');
    expect(displayToken('▁▁')).toBe('␣␣');
    expect(displayToken('ĠParis')).toBe(' Paris');
  });
});

describe('cleanToken on the tiny model’s GPT-2 tokenizer', () => {
  it('reads every token of a real encoding, and decodeTokens merges the split emoji', async () => {
    const tokenizer = await loadTokenizer(memoryModelFiles(createTinyGpt2().files));
    const text = 'It’s 😀\nthe café';
    const ids = tokenizer.encode(text);
    const tokens = ids.map((id) => tokenizer.idToToken(id));
    expect(tokens).toContain('Ċ');
    expect(tokens.filter((token) => cleanToken(token) === '\ufffd').length).toBeGreaterThan(1);
    expect(decodeTokens(tokens, { splitCharacters: 'merge' }).join('')).toBe(tokenizer.decode(ids));
    expect(decodeTokens(tokens, { splitCharacters: 'merge' }).join('')).toBe(text);
  });
});
