import { InseqError } from '../../errors/inseq-error';

const sentinels: Readonly<Record<string, number>> = Object.freeze({
  '\u0000inseq-ts:NaN': Number.NaN,
  '\u0000inseq-ts:Infinity': Number.POSITIVE_INFINITY,
  '\u0000inseq-ts:-Infinity': Number.NEGATIVE_INFINITY,
});

/**
 * Parses JSON as Python's `json` module writes it with `allow_nan=True` (Inseq's default): the bare
 * tokens `NaN`, `Infinity` and `-Infinity`, which `JSON.parse` refuses, become numbers. Plain JSON
 * takes the fast path.
 *
 * @param where - names the text in errors (a file path).
 * @throws InseqError `INVALID_FILE` when the text is not JSON even with those tokens.
 */
export function parsePythonJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (firstError) {
    const rewritten = quoteNonFiniteTokens(text);
    if (rewritten === text) throw badJson(where, firstError);
    try {
      return JSON.parse(rewritten, (_key, value) => (typeof value === 'string' && value in sentinels ? sentinels[value] : value));
    } catch (cause) {
      throw badJson(where, cause);
    }
  }
}

function badJson(where: string, cause: unknown): InseqError {
  return new InseqError(`${where} is not valid JSON (${(cause as Error).message}).`, { code: 'INVALID_FILE', cause });
}

/** Replaces NaN/Infinity/-Infinity outside strings with sentinel strings (NUL-prefixed, which JSON text cannot hold unescaped). */
function quoteNonFiniteTokens(text: string): string {
  const parts: string[] = [];
  let copiedUpTo = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') {
      inString = true;
      continue;
    }
    for (const token of ['NaN', 'Infinity', '-Infinity']) {
      if (text.startsWith(token, i)) {
        parts.push(text.slice(copiedUpTo, i), JSON.stringify(`\u0000inseq-ts:${token}`));
        i += token.length - 1;
        copiedUpTo = i + 1;
        break;
      }
    }
  }
  parts.push(text.slice(copiedUpTo));
  return parts.join('');
}
