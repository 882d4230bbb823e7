import { InseqError } from '../errors/inseq-error';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const codes = new Int16Array(128).fill(-1);
for (let i = 0; i < alphabet.length; i++) codes[alphabet.charCodeAt(i)] = i;

/**
 * Standard base64 (RFC 4648, `+/`, `=` padding), as Python's `base64.b64encode`; pure, so it runs
 * in browsers and Node alike.
 */
export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  // Chunks keep each String.fromCharCode call's argument list short.
  const chunk = 3 * 4096;
  for (let start = 0; start < bytes.length; start += chunk) {
    const end = Math.min(start + chunk, bytes.length);
    const chars: number[] = [];
    for (let i = start; i < end; i += 3) {
      const a = bytes[i];
      const b = i + 1 < end ? bytes[i + 1] : 0;
      const c = i + 2 < end ? bytes[i + 2] : 0;
      chars.push(alphabet.charCodeAt(a >> 2), alphabet.charCodeAt(((a & 3) << 4) | (b >> 4)));
      chars.push(i + 1 < end ? alphabet.charCodeAt(((b & 15) << 2) | (c >> 6)) : 61);
      chars.push(i + 2 < end ? alphabet.charCodeAt(c & 63) : 61);
    }
    parts.push(String.fromCharCode(...chars));
  }
  return parts.join('');
}

/**
 * Decodes standard base64 (padding optional, line breaks ignored).
 *
 * @param where - names the text in the error (a JSON field).
 * @throws InseqError `INVALID_FILE` on any other character or a truncated final group.
 */
export function base64ToBytes(text: string, where: string): Uint8Array {
  const clean = text.replace(/[\r\n]/g, '').replace(/=+$/, '');
  if (clean.length % 4 === 1) {
    throw new InseqError(`${where} is not valid base64: its length ${clean.length} leaves a dangling character (truncated?).`, { code: 'INVALID_FILE' });
  }
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let bitCount = 0;
  let position = 0;
  for (let i = 0; i < clean.length; i++) {
    const charCode = clean.charCodeAt(i);
    const value = charCode < 128 ? codes[charCode] : -1;
    if (value < 0) {
      throw new InseqError(`${where} is not valid base64: character ${JSON.stringify(clean[i])} at ${i}; expected A-Z, a-z, 0-9, '+', '/'.`, { code: 'INVALID_FILE' });
    }
    bits = ((bits << 6) | value) & 0xffffff;
    bitCount += 6;
    if (bitCount >= 8) {
      bitCount -= 8;
      out[position++] = (bits >> bitCount) & 0xff;
    }
  }
  return out;
}
