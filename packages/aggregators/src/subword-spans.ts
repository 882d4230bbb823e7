import type { TokenWithId } from '@inseq/core';
import { isSpecialToken } from './special-token';
import type { TokenSpan } from './token-span';

/**
 * How a tokenizer marks word boundaries: `byte_level` (GPT-2 and other byte-level BPEs: `Ġ` or
 * `Ċ` starts a word), `sentencepiece` (Llama, T5, Marian: `▁` starts a word), `wordpiece` (BERT:
 * `##` marks a continuation); `auto` picks one from the tokens.
 */
export type SubwordScheme = 'auto' | 'byte_level' | 'sentencepiece' | 'wordpiece';

/** Options of {@link subwordSpans}. */
export type SubwordSpansOptions = {
  /** The marker convention. @defaultValue 'auto' */
  scheme?: SubwordScheme;
  /** Custom markers instead of a scheme (Inseq's `special_symbol`). @defaultValue the scheme's */
  specialSymbol?: string | readonly string[];
  /** With `specialSymbol`: the markers mark continuations, not word starts (Inseq's `is_suffix_symbol`). @defaultValue false */
  isSuffixSymbol?: boolean;
  /** More tokens that stay alone, besides `<…>` and `[CLS]`-like ones. @defaultValue none */
  specialTokens?: readonly string[];
};

interface Markers {
  readonly symbols: readonly string[];
  readonly suffix: boolean;
  /** Byte-level newlines end a word: a token after `Ċ` starts the next one. */
  readonly breakAfterNewline: boolean;
}

const SCHEMES: Readonly<Record<Exclude<SubwordScheme, 'auto'>, Markers>> = {
  byte_level: { symbols: ['Ġ', 'Ċ'], suffix: false, breakAfterNewline: true },
  sentencepiece: { symbols: ['▁'], suffix: false, breakAfterNewline: false },
  wordpiece: { symbols: ['##'], suffix: true, breakAfterNewline: false },
};

/**
 * The subword scheme of `tokens`: `wordpiece` when a token starts with `##`, else `sentencepiece`
 * when one contains `▁`, else `byte_level` when one contains `Ġ` or `Ċ`; `undefined` when no
 * marker occurs (then nothing can be merged, as Inseq warns).
 */
export function detectSubwordScheme(tokens: readonly string[]): Exclude<SubwordScheme, 'auto'> | undefined {
  if (tokens.some((token) => token.startsWith('##'))) return 'wordpiece';
  if (tokens.some((token) => token.includes('▁'))) return 'sentencepiece';
  if (tokens.some((token) => token.includes('Ġ') || token.includes('Ċ'))) return 'byte_level';
  return undefined;
}

/**
 * The spans of subwords that form one word (only words of two or more tokens), as Inseq's
 * `SubwordAggregator.get_spans` (`inseq/data/aggregator.py`): with word-start markers (`Ġ`, `▁`)
 * a token without the marker continues the previous word; with continuation markers (`##`) a
 * token with it does. So punctuation without a marker (GPT-2 `","`) joins the preceding word, as
 * in Inseq. The first token always starts a word.
 *
 * Deliberate differences from Inseq: special tokens (`<|endoftext|>`, `<s>`, `[SEP]`, …) stay
 * alone instead of joining the previous word; a word that ends the sequence keeps its last
 * token (Inseq's span stops one short); a byte-level newline `Ċ` ends the word it is in; and
 * the markers are detected from the tokens instead of defaulting to `▁`.
 */
export function subwordSpans(tokens: readonly (TokenWithId | string)[], options?: SubwordSpansOptions): TokenSpan[] {
  const texts = tokens.map((token) => (typeof token === 'string' ? token : token.token));
  const markers = resolveMarkers(texts, options);
  // As Inseq: markers that occur nowhere would merge everything into one word, so nothing is merged.
  if (markers === undefined || !texts.some((text) => markers.symbols.some((symbol) => text.includes(symbol)))) return [];
  const special = texts.map((text) => isSpecialToken(text, options?.specialTokens));
  const hasMarker = (text: string) => markers.symbols.some((symbol) => text.startsWith(symbol));
  const spans: TokenSpan[] = [];
  let wordStart = 0;
  for (let i = 1; i <= texts.length; i++) {
    const startsWord =
      i === texts.length ||
      special[i] ||
      special[i - 1] ||
      (markers.breakAfterNewline && /^Ċ+$/.test(texts[i - 1])) ||
      hasMarker(texts[i]) !== markers.suffix;
    if (!startsWord) continue;
    if (i - wordStart > 1) spans.push([wordStart, i]);
    wordStart = i;
  }
  return spans;
}

function resolveMarkers(texts: readonly string[], options: SubwordSpansOptions | undefined): Markers | undefined {
  if (options?.specialSymbol !== undefined) {
    const symbols = typeof options.specialSymbol === 'string' ? [options.specialSymbol] : options.specialSymbol;
    return { symbols, suffix: options.isSuffixSymbol === true, breakAfterNewline: false };
  }
  const scheme = options?.scheme === undefined || options.scheme === 'auto' ? detectSubwordScheme(texts) : options.scheme;
  return scheme === undefined ? undefined : SCHEMES[scheme];
}
