import { InvalidInputError } from '@inseq/core';
import { readGpt2BpeFiles } from './gpt2-bpe-files';
import { cachedFixture } from './fixture-cache';

/** Options of {@link buildGpt2TokenizerJson}. */
export interface Gpt2TokenizerJsonOptions {
  /** How many of GPT-2's 50,000 merges to keep, in their priority order (0 leaves bytes only). */
  merges: number;
  /** `model_max_length` of tokenizer_config.json. @defaultValue 1024 (GPT-2's) */
  modelMaxLength?: number;
}

/** What {@link buildGpt2TokenizerJson} returns. */
export interface Gpt2TokenizerJson {
  /** The `tokenizer.json` object (Hugging Face `tokenizers` layout). */
  tokenizerJson: Record<string, unknown>;
  /** The `tokenizer_config.json` object. */
  tokenizerConfig: Record<string, unknown>;
  /** 256 byte symbols + kept merges + `<|endoftext|>`; `<|endoftext|>` has id `vocabSize - 1`. */
  vocabSize: number;
}

const endOfText = '<|endoftext|>';
const totalMerges = 50_000;

/**
 * A real GPT-2 byte-level BPE fast tokenizer, truncated to the first `merges` merges: the
 * vocabulary is the 256 byte-level symbols, then the result of each kept merge, then
 * `<|endoftext|>` as an added special token, numbered densely. Built from GPT-2's own
 * `encoder.json`/`vocab.bpe`, so text splits into the same subwords as GPT-2 wherever the kept
 * merges suffice (and into smaller pieces elsewhere). GPT-2 numbers its merge results in merge
 * order, so ids below `vocabSize - 1` equal GPT-2's; only `<|endoftext|>` moves (from 50256).
 *
 * The layout is the one `tokenizers` writes for `openai-community/gpt2` (ByteLevel pre-tokenizer
 * without prefix space, ByteLevel decoder and post-processor, merges as `"a b"` strings).
 * `clean_up_tokenization_spaces` is false so that decode(encode(text)) gives `text` back (JS
 * tokenizers default it to true, which would rewrite `" ,"` and `" n't"`).
 */
export function buildGpt2TokenizerJson(options: Gpt2TokenizerJsonOptions): Gpt2TokenizerJson {
  return cachedFixture('buildGpt2TokenizerJson', options, () => {
    const { merges: mergeCount, modelMaxLength = 1024 } = options;
    if (!Number.isInteger(mergeCount) || mergeCount < 0 || mergeCount > totalMerges) {
      throw new InvalidInputError(`merges must be an integer in [0, ${totalMerges}], got ${mergeCount}.`, { code: 'INVALID_ARGUMENT' });
    }
    const { encoder, merges } = readGpt2BpeFiles();

    const byteSymbols = Object.entries(encoder)
      .filter(([, id]) => id < 256)
      .sort((a, b) => a[1] - b[1])
      .map(([token]) => token);
    if (byteSymbols.length !== 256) throw new Error(`GPT-2's encoder.json should start with 256 byte symbols, found ${byteSymbols.length}.`);

    const tokens = [...byteSymbols];
    const known = new Set(tokens);
    const keptMerges = merges.slice(0, mergeCount);
    for (const [left, right] of keptMerges) {
      // BPE can only merge symbols it already has; a failure here means vocab.bpe changed.
      if (!known.has(left) || !known.has(right)) throw new Error(`GPT-2 merge '${left} ${right}' uses a symbol not yet in the vocabulary.`);
      const merged = left + right;
      if (!known.has(merged)) {
        tokens.push(merged);
        known.add(merged);
      }
    }
    const endOfTextId = tokens.length;
    tokens.push(endOfText);

    const vocab: Record<string, number> = {};
    tokens.forEach((token, id) => {
      vocab[token] = id;
    });
    const addedToken = { id: endOfTextId, content: endOfText, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true };
    const addedTokenEntry = { content: endOfText, lstrip: false, normalized: true, rstrip: false, single_word: false, special: true };
    const tokenizerJson = {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [addedToken],
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: '',
        end_of_word_suffix: '',
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: false,
        vocab,
        merges: keptMerges.map(([left, right]) => `${left} ${right}`),
      },
    };
    // Keys sorted, as transformers' save_pretrained writes them.
    const tokenizerConfig = {
      add_bos_token: false,
      add_prefix_space: false,
      added_tokens_decoder: { [String(endOfTextId)]: addedTokenEntry },
      bos_token: endOfText,
      clean_up_tokenization_spaces: false,
      eos_token: endOfText,
      errors: 'replace',
      model_max_length: modelMaxLength,
      pad_token: null,
      tokenizer_class: 'GPT2Tokenizer',
      unk_token: endOfText,
    };
    return { tokenizerJson, tokenizerConfig, vocabSize: tokens.length };
  });
}
