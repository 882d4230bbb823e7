/**
 * Whether `token` is a special token that must stay a word of its own when subwords or split
 * spans are merged: `<…>` tokens (`<|endoftext|>`, `<s>`, `</s>`, `<unk>`, `<pad>`), bracketed
 * upper-case tokens (`[CLS]`, `[SEP]`, `[PAD]`, `[UNK]`, `[MASK]`), or one of `extra`. Byte
 * fallback pieces (`<0x0A>`) are ordinary tokens.
 */
export function isSpecialToken(token: string, extra?: readonly string[]): boolean {
  if (extra?.includes(token)) return true;
  if (/^<0x[0-9A-Fa-f]{2}>$/.test(token)) return false;
  return /^<[^<>\s]+>$/.test(token) || /^\[[A-Z_]+\]$/.test(token);
}
