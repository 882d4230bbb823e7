/** Characters a terminal or a log viewer may act on: C0 controls, DEL, C1 controls, bidi overrides, line / paragraph separators. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const unsafe = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\\]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: as above, for text that JSON.stringify already escaped (backslashes kept).
const unsafeInJson = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

function escapeWith(pattern: RegExp, text: string, maxLength: number): string {
  const value = String(text);
  const kept = value.length > maxLength ? value.slice(0, maxLength) : value;
  const escaped = kept.replace(pattern, escapeCharacter);
  return value.length > maxLength ? `${escaped}… (${value.length - maxLength} more characters)` : escaped;
}

function escapeCharacter(character: string): string {
  if (character === '\\') return '\\\\';
  const code = character.charCodeAt(0);
  if (code === 0x0a) return '\\n';
  if (code === 0x0d) return '\\r';
  if (code === 0x09) return '\\t';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Text read from an untrusted file (a safetensors header, config.json, a tokenizer file, an ONNX
 * name), made safe to put inside an error message: every C0 / C1 control character (ESC, BEL, CR,
 * even `\n`), DEL, the Unicode bidi overrides and line separators become visible escapes (`\x1b`,
 * `\n`, `\u202e`), a backslash is doubled, and the text is cut to `maxLength` characters with
 * how many were left out. So a file whose name or header starts with `ESC]0;…` or `ESC[2J` cannot
 * retitle or clear the user's terminal through our messages. No quotes are added; see
 * {@link quoteUntrusted}.
 *
 * @param maxLength - characters kept before the escapes are applied. @defaultValue 200
 */
export function escapeUntrusted(text: string, maxLength = 200): string {
  return escapeWith(unsafe, text, maxLength);
}

/**
 * {@link escapeUntrusted} in single quotes (a `'` inside escaped as `\'`), for messages that quote
 * file content: `tensor ${quoteUntrusted(name)} has dtype …`.
 *
 * @param maxLength - characters kept before the escapes are applied. @defaultValue 200
 */
export function quoteUntrusted(text: string, maxLength = 200): string {
  return `'${escapeUntrusted(text, maxLength).replaceAll("'", "\\'")}'`;
}

/**
 * A JSON value from an untrusted file, for a message: `JSON.stringify` (strings quoted, `undefined`
 * for a missing value) with {@link escapeUntrusted} applied, since JSON leaves C1 controls and bidi
 * overrides as they are, and cut to `maxLength`.
 */
export function untrustedJson(value: unknown, maxLength = 200): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return escapeWith(unsafeInJson, text, maxLength);
}
