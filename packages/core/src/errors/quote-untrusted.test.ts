import { describe, expect, it } from 'vitest';
import { escapeUntrusted, quoteUntrusted, untrustedJson } from './quote-untrusted';

describe('quoteUntrusted: file content made safe for messages', () => {
  it('escapes terminal escape sequences, C0 / C1 controls, DEL and even newlines', () => {
    expect(quoteUntrusted('\x1b]0;pwned\x07\x1b[2Jname')).toBe("'\\x1b]0;pwned\\x07\\x1b[2Jname'");
    expect(escapeUntrusted('a\nb\rc\td\x00e\x7ff\x9bg')).toBe('a\\nb\\rc\\td\\x00e\\x7ff\\x9bg');
    expect(escapeUntrusted('\u202eevil\u2066\u2028')).toBe('\\u202eevil\\u2066\\u2028');
  });
  it('keeps printable text (Unicode included) as is, doubles backslashes and escapes the quote', () => {
    expect(quoteUntrusted('transformer.h.0.attn — ĠThe 日本')).toBe("'transformer.h.0.attn — ĠThe 日本'");
    expect(quoteUntrusted("it's a\\x1b")).toBe("'it\\'s a\\\\x1b'");
  });
  it('truncates to maxLength and says how much was left out', () => {
    expect(escapeUntrusted('x'.repeat(1000), 10)).toBe('xxxxxxxxxx… (990 more characters)');
    expect(quoteUntrusted('\x1b'.repeat(50), 3)).toBe("'\\x1b\\x1b\\x1b… (47 more characters)'");
  });
  it('untrustedJson: JSON of a value with what JSON leaves raw escaped', () => {
    expect(untrustedJson('\x1b[2J\x9b')).toBe('"\\u001b[2J\\x9b"');
    expect(untrustedJson(undefined)).toBe('undefined');
    expect(untrustedJson([1, 'a\\b'])).toBe('[1,"a\\\\b"]');
    expect(untrustedJson({ a: 'x'.repeat(500) }, 12)).toBe('{"a":"xxxxxx… (496 more characters)');
  });
  it('never lets a control character through, whatever the input', () => {
    for (let code = 0; code < 0x3000; code++) {
      const out = quoteUntrusted(`a${String.fromCharCode(code)}b`);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: checking for them.
      expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    }
  });
});
