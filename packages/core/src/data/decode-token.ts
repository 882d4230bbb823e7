/**
 * GPT-2's byte-level BPE writes every byte as a printable character (`bytes_to_unicode` in
 * openai/gpt-2 `encoder.py`): printable Latin-1 bytes as themselves, the other 68 bytes as
 * U+0100…U+0143 (space → `Ġ`, newline → `Ċ`, tab → `ĉ`). This maps those characters back.
 */
const byteOfCharacter: ReadonlyMap<number, number> = (() => {
  const map = new Map<number, number>();
  let shifted = 0;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
    map.set(printable ? byte : 0x100 + shifted++, byte);
  }
  return map;
})();

const SENTENCEPIECE_SPACE = /\u2581/g;
const SENTENCEPIECE_BYTE = /^<0x([0-9A-Fa-f]{2})>$/;

/** The bytes a byte-level BPE token stands for, or `undefined` when a character is outside its alphabet. */
export function byteLevelBytes(token: string): Uint8Array | undefined {
  const bytes: number[] = [];
  for (const character of token) {
    const byte = byteOfCharacter.get(character.codePointAt(0)!);
    if (byte === undefined) return undefined;
    bytes.push(byte);
  }
  return Uint8Array.from(bytes);
}

/** True when the token uses one of the 68 characters byte-level BPE substitutes (U+0100…U+0143). */
export function hasRemappedByte(token: string): boolean {
  for (const character of token) {
    const codePoint = character.codePointAt(0)!;
    if (codePoint >= 0x100 && codePoint <= 0x143) return true;
  }
  return false;
}

/** The byte of a SentencePiece byte-fallback token (`<0x0A>`), or `undefined`. */
export function sentencePieceByte(token: string): number | undefined {
  const match = SENTENCEPIECE_BYTE.exec(token);
  return match ? Number.parseInt(match[1], 16) : undefined;
}

/**
 * The text a single vocabulary entry stands for, as Inseq shows it. Inseq cleans each token on
 * its own with the tokenizer's `convert_tokens_to_string` (`HuggingfaceModel.clean_tokens`,
 * `inseq/models/huggingface_model.py`); this does the same without a tokenizer:
 *
 * - byte-level BPE (GPT-2, Llama 3, Qwen…): `Ġcapital` → `' capital'`, `Ċ` → `'\n'`,
 *   `âĢĻ` → `'’'`; an incomplete UTF-8 sequence (half of an emoji split over two tokens)
 *   becomes U+FFFD, as the tokenizer's `errors="replace"` does;
 * - SentencePiece: `▁capital` → `' capital'` (the leading space is kept so word starts stay
 *   visible), byte fallback `<0x0A>` → `'\n'`; a byte ≥ 0x80 (part of a character) is kept as
 *   written;
 * - anything else (special tokens, WordPiece `##ing`) is returned unchanged: a single WordPiece
 *   token converts to itself, so Inseq shows `##ing` too. {@link decodeTokens} joins WordPiece.
 *
 * A token is read as byte-level only when every character belongs to the byte-level alphabet and
 * it either uses one of the remapped characters (U+0100…U+0143) or decodes to valid UTF-8, so
 * SentencePiece and WordPiece tokens with accented letters are left alone. With the whole
 * sequence at hand, {@link decodeTokens} can decide better.
 */
export function decodeToken(token: string): string {
  const fallbackByte = sentencePieceByte(token);
  if (fallbackByte !== undefined) return fallbackByte < 0x80 ? String.fromCharCode(fallbackByte) : token;
  const bytes = byteLevelBytes(token);
  if (bytes !== undefined) {
    if (hasRemappedByte(token)) return new TextDecoder('utf-8').decode(bytes);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      // Not valid UTF-8 as bytes: a SentencePiece or WordPiece token with Latin-1 letters.
    }
  }
  return token.replace(SENTENCEPIECE_SPACE, ' ');
}
