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

/**
 * The text a single vocabulary entry stands for, as Inseq shows it: Inseq cleans each token with
 * the tokenizer's `convert_tokens_to_string` (`HuggingfaceModel.clean_tokens`,
 * `inseq/models/huggingface_model.py`), which here is done without a tokenizer:
 *
 * - byte-level BPE (GPT-2, Llama 3, Qwen…): `Ġcapital` → `' capital'`, `Ċ` → `'\n'`,
 *   `âĢĻ` → `'’'`; an incomplete UTF-8 sequence becomes U+FFFD, as the tokenizer's
 *   `errors="replace"` does;
 * - SentencePiece: `▁capital` → `' capital'` (the leading space is kept so word starts stay
 *   visible), byte fallback `<0x0A>` → `'\n'`;
 * - anything else (special tokens, WordPiece) is returned unchanged.
 *
 * A token is read as byte-level only when every character belongs to the byte-level alphabet and
 * it either uses one of the remapped characters (U+0100…U+0143) or decodes to valid UTF-8, so
 * SentencePiece and WordPiece tokens with accented letters are left alone.
 */
export function cleanToken(token: string): string {
  const byteFallback = SENTENCEPIECE_BYTE.exec(token);
  if (byteFallback) {
    const byte = Number.parseInt(byteFallback[1], 16);
    // A byte ≥ 0x80 is only part of a character: keep the token as written.
    return byte < 0x80 ? String.fromCharCode(byte) : token;
  }
  const byteLevel = decodeByteLevel(token);
  if (byteLevel !== undefined) return byteLevel;
  return token.replace(SENTENCEPIECE_SPACE, ' ');
}

function decodeByteLevel(token: string): string | undefined {
  const bytes: number[] = [];
  let remapped = false;
  for (const character of token) {
    const codePoint = character.codePointAt(0)!;
    const byte = byteOfCharacter.get(codePoint);
    if (byte === undefined) return undefined;
    if (codePoint >= 0x100) remapped = true;
    bytes.push(byte);
  }
  const buffer = Uint8Array.from(bytes);
  if (remapped) return new TextDecoder('utf-8').decode(buffer);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    return undefined;
  }
}
