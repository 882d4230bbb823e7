import { InvalidInputError } from '../errors/invalid-input-error';
import { byteLevelBytes, decodeToken, hasRemappedByte, sentencePieceByte } from './decode-token';

/** How a tokenizer marks word starts and bytes; `auto` reads it off the tokens. */
export type TokenScheme = 'auto' | 'byte_level' | 'sentencepiece' | 'wordpiece';

/** Options of {@link decodeTokens}. */
export interface DecodeTokensOptions {
  /**
   * The tokenizer family. `auto`: SentencePiece when a token holds `▁` or is a byte-fallback
   * `<0xNN>`; else byte-level when a token holds one of byte-level BPE's remapped characters
   * (U+0100…U+0143, e.g. `Ġ`, `Ċ`); else WordPiece when a token after the first starts with
   * `##`; else each token is decoded on its own by {@link decodeToken}.
   * @defaultValue 'auto'
   */
  readonly scheme?: TokenScheme;
  /**
   * What happens to a character whose UTF-8 bytes are split over several tokens (an emoji is
   * often two byte-level tokens, or four SentencePiece byte-fallback tokens).
   * - `replace` (Inseq's behaviour: it cleans each token on its own with `errors="replace"`):
   *   every token is decoded alone, so each piece shows U+FFFD `�` (SentencePiece byte-fallback
   *   pieces too, where {@link decodeToken}, without the scheme known, keeps `<0xF0>` as written).
   * - `merge`: the character is shown on the token that completes it and the earlier pieces
   *   show `''`; then `decodeTokens(tokens, { splitCharacters: 'merge' }).join('')` is the
   *   decoded text. Bytes left incomplete at the end (or before a token of another kind) show `�`.
   * @defaultValue 'replace'
   */
  readonly splitCharacters?: 'replace' | 'merge';
}

const SENTENCEPIECE_SPACE = /\u2581/g;
const SCHEMES: readonly TokenScheme[] = ['auto', 'byte_level', 'sentencepiece', 'wordpiece'];

/**
 * The readable text of each token of a sequence, one string per token: byte-level BPE
 * (`Ġthe` → `' the'`, `Ċ` → `'\n'`, `âĢĻ` → `'’'`), SentencePiece (`▁the` → `' the'`, byte
 * fallback `<0x0A>` → `'\n'`) and WordPiece (`##ing` → `'ing'` glued to the previous token,
 * other tokens after the first get a leading space). Word-start spaces are kept so that labels
 * show where words begin; pass an entry to `displayToken(token, text)` for a one-line label.
 */
export function decodeTokens(tokens: readonly string[], options: DecodeTokensOptions = {}): string[] {
  const scheme = options.scheme ?? 'auto';
  const splitCharacters = options.splitCharacters ?? 'replace';
  if (!SCHEMES.includes(scheme)) {
    throw new InvalidInputError(`Unknown token scheme '${scheme}'; use one of: ${SCHEMES.join(', ')}.`, { code: 'INVALID_ARGUMENT' });
  }
  if (splitCharacters !== 'replace' && splitCharacters !== 'merge') {
    throw new InvalidInputError(`splitCharacters must be 'replace' or 'merge', got '${String(splitCharacters)}'.`, { code: 'INVALID_ARGUMENT' });
  }
  const resolved = scheme === 'auto' ? detectScheme(tokens) : scheme;
  switch (resolved) {
    case 'wordpiece':
      return tokens.map((token, index) => (token.startsWith('##') && token.length > 2 ? token.slice(2) : index === 0 ? token : ` ${token}`));
    case 'byte_level':
      return decodeBytes(tokens, byteLevelBytes, (token) => token, splitCharacters);
    case 'sentencepiece':
      return decodeBytes(tokens, (token) => {
        const byte = sentencePieceByte(token);
        return byte === undefined ? undefined : Uint8Array.of(byte);
      }, (token) => token.replace(SENTENCEPIECE_SPACE, ' '), splitCharacters);
    default:
      return tokens.map(decodeToken);
  }
}

function detectScheme(tokens: readonly string[]): TokenScheme | 'per_token' {
  if (tokens.some((token) => token.includes('\u2581') || sentencePieceByte(token) !== undefined)) return 'sentencepiece';
  if (tokens.some(hasRemappedByte)) return 'byte_level';
  if (tokens.some((token, index) => index > 0 && token.startsWith('##') && token.length > 2)) return 'wordpiece';
  return 'per_token';
}

/**
 * Decodes the tokens that `bytesOf` reads as bytes through one UTF-8 decoder and the others with
 * `textOf` (with the scheme known, a SentencePiece `ł` is a letter, not a remapped byte). In `merge` mode the decoder streams, holding an incomplete character until
 * the token that completes it; in `replace` mode each token is decoded alone.
 */
function decodeBytes(
  tokens: readonly string[],
  bytesOf: (token: string) => Uint8Array | undefined,
  textOf: (token: string) => string,
  splitCharacters: 'replace' | 'merge',
): string[] {
  const texts: string[] = [];
  let decoder = new TextDecoder('utf-8');
  let pending = false;
  const flush = () => {
    // Bytes of an unfinished character: shown as U+FFFD on the token that started it.
    const rest = decoder.decode();
    if (rest !== '' && texts.length > 0) texts[texts.length - 1] += rest;
    decoder = new TextDecoder('utf-8');
    pending = false;
  };
  for (const token of tokens) {
    const bytes = bytesOf(token);
    if (bytes === undefined) {
      if (pending) flush();
      texts.push(textOf(token));
    } else if (splitCharacters === 'merge') {
      texts.push(decoder.decode(bytes, { stream: true }));
      pending = true;
    } else {
      texts.push(new TextDecoder('utf-8').decode(bytes));
    }
  }
  if (pending) flush();
  return texts;
}
