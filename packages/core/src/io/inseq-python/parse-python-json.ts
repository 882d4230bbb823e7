import { InseqError } from '../../errors/inseq-error';

/**
 * Deepest nesting of arrays and objects an attribution file may have. Real files nest about ten
 * levels (a rank-4 tensor as lists inside a sequence inside the output); the limit keeps every
 * later recursive walk (decoding, `JSON.stringify` when saving again) far from the call stack's end.
 */
export const MAX_JSON_DEPTH = 1000;

/** The strings `quoteNonFiniteTokens` writes, looked up in a Map so no other string (`constructor`, `toString`) ever matches. */
const sentinels: ReadonlyMap<string, number> = new Map([
  ['\u0000inseq-ts:NaN', Number.NaN],
  ['\u0000inseq-ts:Infinity', Number.POSITIVE_INFINITY],
  ['\u0000inseq-ts:-Infinity', Number.NEGATIVE_INFINITY],
]);

/**
 * Parses JSON as Python's `json` module writes it with `allow_nan=True` (Inseq's default): the bare
 * tokens `NaN`, `Infinity` and `-Infinity`, which `JSON.parse` refuses, become numbers. Plain JSON
 * takes the fast path. The result is checked without recursion: nesting deeper than
 * {@link MAX_JSON_DEPTH} is refused with a clear error rather than a stack overflow later.
 *
 * @param where - names the text in errors (a file path).
 * @throws InseqError `INVALID_FILE` when the text is not JSON even with those tokens, or nests too deep.
 */
export function parsePythonJson(text: string, where: string): unknown {
  let parsed: unknown;
  let quoted = false;
  try {
    parsed = JSON.parse(text);
  } catch (firstError) {
    const rewritten = quoteNonFiniteTokens(text);
    if (rewritten === text) throw badJson(where, firstError);
    try {
      parsed = JSON.parse(rewritten);
    } catch (cause) {
      throw badJson(where, cause);
    }
    quoted = true;
  }
  return settle(parsed, where, quoted);
}

/**
 * Checks an already parsed value (e.g. handed to `outputFromJson` as an object) the way
 * {@link parsePythonJson} checks what it parses: nesting deeper than {@link MAX_JSON_DEPTH} is
 * refused, without recursion.
 *
 * @returns the value itself.
 */
export function checkJsonDepth(value: unknown, where: string): unknown {
  return settle(value, where, false);
}

function badJson(where: string, cause: unknown): InseqError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new InseqError(`${where} is not valid JSON (${message.slice(0, 300)}).`, { code: 'INVALID_FILE', cause });
}

/**
 * Walks the parsed value with an explicit stack: checks the depth and, when the text had bare
 * non-finite tokens, turns their sentinel strings back into numbers (in place).
 */
function settle(root: unknown, where: string, quoted: boolean): unknown {
  const settled = quoted && typeof root === 'string' ? (sentinels.get(root) ?? root) : root;
  if (typeof settled !== 'object' || settled === null) return settled;
  // Two parallel stacks (containers, their depths): no object per container, so a file of many
  // small arrays is walked at about the speed of reading it.
  const containers: object[] = [settled];
  const depths: number[] = [1];
  while (containers.length > 0) {
    const value = containers.pop() as object;
    const depth = depths.pop() as number;
    if (depth > MAX_JSON_DEPTH) {
      throw new InseqError(
        `${where} nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep; attribution files nest about ten. It is corrupt or not an attribution file.`,
        { code: 'INVALID_FILE' },
      );
    }
    if (Array.isArray(value)) {
      const length = value.length;
      // Rows of numbers, most of a file: one cheap pass, then the general one only if it finds something else.
      let i = 0;
      while (i < length && typeof value[i] === 'number') i++;
      for (; i < length; i++) {
        const child: unknown = value[i];
        if (typeof child === 'number') continue;
        if (typeof child === 'object' && child !== null) {
          containers.push(child);
          depths.push(depth + 1);
        } else if (quoted && typeof child === 'string') {
          const number = sentinels.get(child);
          if (number !== undefined) value[i] = number;
        }
      }
    } else {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const child = record[key];
        if (typeof child === 'object' && child !== null) {
          containers.push(child);
          depths.push(depth + 1);
        } else if (quoted && typeof child === 'string') {
          const number = sentinels.get(child);
          // defineProperty, not assignment: a key spelled `__proto__` stays a plain own property.
          if (number !== undefined) Object.defineProperty(record, key, { value: number, writable: true, enumerable: true, configurable: true });
        }
      }
    }
  }
  return settled;
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
