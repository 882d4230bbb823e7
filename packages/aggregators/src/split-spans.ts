import { InvalidInputError, type TokenWithId } from '@inseq/core';
import { isSpecialToken } from './special-token';
import type { TokenSpan } from './token-span';

/**
 * Where the tokens matched by a split pattern go: `single` — they form spans of their own;
 * `start` — they open the span that follows; `end` — they close the span before them.
 */
export type SplitMode = 'single' | 'start' | 'end';

/** Options of {@link splitSpans}. */
export type SplitSpansOptions = {
  /** Where matched tokens go. @defaultValue 'single' */
  splitMode?: SplitMode;
  /** More tokens that stay alone, besides `<…>` and `[CLS]`-like ones. @defaultValue none */
  specialTokens?: readonly string[];
};

interface Unit {
  kind: 'text' | 'separator' | 'special';
  start: number;
  end: number;
}

/**
 * Spans of tokens between the matches of `pattern` (e.g. sentences with `'[.!?]'`, lines with
 * `'\n'`), for the `split` aggregator, as Inseq's `split` (`StringSplitAggregator`). The pattern
 * is matched against the tokens' text with the word markers read as whitespace (`Ġ`, `▁` → space,
 * `Ċ` → newline); a token that overlaps a match is a separator. Special tokens stay alone. Only
 * spans of two or more tokens are returned.
 *
 * @param pattern - A regular expression, as a string (JSON-friendly) or a `RegExp`.
 * @throws InvalidInputError for an invalid pattern or mode.
 */
export function splitSpans(
  tokens: readonly (TokenWithId | string)[],
  pattern: string | RegExp,
  options?: SplitSpansOptions,
): TokenSpan[] {
  const mode = options?.splitMode ?? 'single';
  if (mode !== 'single' && mode !== 'start' && mode !== 'end') {
    throw new InvalidInputError(`splitMode must be 'single', 'start' or 'end', got '${String(mode)}'.`, { code: 'INVALID_ARGUMENT' });
  }
  const regex = compile(pattern);
  const texts = tokens.map((token) => (typeof token === 'string' ? token : token.token));
  const offsets: number[] = [];
  let text = '';
  for (const token of texts) {
    offsets.push(text.length);
    text += token.replace(/[Ġ▁]/g, ' ').replace(/Ċ/g, '\n');
  }
  offsets.push(text.length);

  const separatorOf = new Int32Array(texts.length).fill(-1);
  let matchIndex = 0;
  for (const match of text.matchAll(regex)) {
    if (match[0].length === 0) continue;
    const from = match.index ?? 0;
    const to = from + match[0].length;
    for (let i = 0; i < texts.length; i++) {
      if (offsets[i] < to && offsets[i + 1] > from && separatorOf[i] === -1) separatorOf[i] = matchIndex;
    }
    matchIndex++;
  }

  const units: Unit[] = [];
  for (let i = 0; i < texts.length; i++) {
    const kind = isSpecialToken(texts[i], options?.specialTokens) ? 'special' : separatorOf[i] >= 0 ? 'separator' : 'text';
    const last = units[units.length - 1];
    const continues =
      last !== undefined &&
      last.kind === kind &&
      kind !== 'special' &&
      (kind === 'text' || separatorOf[i] === separatorOf[i - 1]);
    if (continues) last.end = i + 1;
    else units.push({ kind, start: i, end: i + 1 });
  }

  const merged: Unit[] = [];
  for (const unit of units) {
    const last = merged[merged.length - 1];
    if (mode === 'end' && unit.kind === 'separator' && last?.kind === 'text') last.end = unit.end;
    else if (mode === 'start' && unit.kind === 'text' && last?.kind === 'separator') {
      last.end = unit.end;
      last.kind = 'text';
    } else merged.push({ ...unit });
  }
  return merged.filter((unit) => unit.end - unit.start > 1).map((unit) => [unit.start, unit.end] as const);
}

function compile(pattern: string | RegExp): RegExp {
  if (pattern instanceof RegExp) return new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  try {
    return new RegExp(pattern, 'g');
  } catch (cause) {
    throw new InvalidInputError(`splitPattern '${pattern}' is not a valid regular expression: ${(cause as Error).message}`, { code: 'INVALID_ARGUMENT' });
  }
}
