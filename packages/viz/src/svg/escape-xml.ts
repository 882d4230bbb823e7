const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

// Characters XML 1.0 forbids even as references (C0 controls but tab, newline and carriage
// return; lone surrogates; U+FFFE/U+FFFF), plus C1 controls and DEL, which it allows but no font draws.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what this matches.
const UNSHOWABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]|\p{Cs}/gu;

/**
 * `text` safe as SVG (XML 1.0) text content or a quoted attribute value: the five markup characters
 * become entities, and every character XML cannot hold or no font draws (controls, lone surrogates)
 * becomes its visible escape (`\x1b`, `\ud800`), so the file stays well-formed whatever a token holds.
 * Tab, newline and carriage return become `\t`, `\n`, `\r` too (a label is one line).
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[\t\n\r]/g, (character) => ({ '\t': '\\t', '\n': '\\n', '\r': '\\r' })[character] as string)
    .replace(UNSHOWABLE, (character) => {
      const code = character.charCodeAt(0);
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    })
    .replace(/[&<>"']/g, (character) => ENTITIES[character]);
}
