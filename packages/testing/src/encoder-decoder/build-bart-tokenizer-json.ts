import { buildGpt2TokenizerJson } from '../build-gpt2-tokenizer-json';
import { cachedFixture } from '../fixture-cache';

/** Options of {@link buildBartTokenizerJson}. */
export interface BartTokenizerJsonOptions {
  /** How many of GPT-2's 50,000 merges to keep, in priority order. */
  merges: number;
  /** `model_max_length` of tokenizer_config.json. @defaultValue 1024 (BART's) */
  modelMaxLength?: number;
}

/** What {@link buildBartTokenizerJson} returns. */
export interface BartTokenizerJson {
  /** The `tokenizer.json` object (byte-level BPE, RobertaProcessing post-processor). */
  tokenizerJson: Record<string, unknown>;
  /** The `tokenizer_config.json` object (`BartTokenizer`). */
  tokenizerConfig: Record<string, unknown>;
  /** `<s>` 0, `<pad>` 1, `</s>` 2, `<unk>` 3, GPT-2's symbols and kept merges, `<mask>` last. */
  vocabSize: number;
}

/**
 * BART's tokenizer (`facebook/bart-base` layout): GPT-2's real byte-level BPE cut to `merges`
 * merges ({@link buildGpt2TokenizerJson}), with fairseq's specials in front (`<s>` 0, `<pad>` 1,
 * `</s>` 2, `<unk>` 3; GPT-2's ids move up by 4 and `<|endoftext|>` is dropped), `<mask>` (lstrip)
 * last, and a RobertaProcessing post-processor writing `<s> A </s>` (pairs `<s> A </s></s> B </s>`).
 */
export function buildBartTokenizerJson(options: BartTokenizerJsonOptions): BartTokenizerJson {
  return cachedFixture('buildBartTokenizerJson', options, () => {
    const { merges, modelMaxLength = 1024 } = options;
    const gpt2 = buildGpt2TokenizerJson({ merges, modelMaxLength });
    const gpt2Model = gpt2.tokenizerJson.model as { vocab: Record<string, number>; merges: string[] } & Record<string, unknown>;
    const specials = ['<s>', '<pad>', '</s>', '<unk>'];
    const vocab: Record<string, number> = {};
    specials.forEach((token, id) => {
      vocab[token] = id;
    });
    const gpt2Tokens = Object.entries(gpt2Model.vocab)
      .filter(([token]) => token !== '<|endoftext|>')
      .sort((a, b) => a[1] - b[1]);
    for (const [token, id] of gpt2Tokens) vocab[token] = id + specials.length;
    const maskId = specials.length + gpt2Tokens.length;
    vocab['<mask>'] = maskId;

    const added = (content: string, id: number) => ({
      id,
      content,
      single_word: false,
      lstrip: content === '<mask>',
      rstrip: false,
      normalized: content !== '<mask>',
      special: true,
    });
    const tokenizerJson = {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [...specials.map((token, id) => added(token, id)), added('<mask>', maskId)],
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: false },
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: { ...gpt2Model, vocab },
    };
    const decoderEntry = (content: string) => ({
      content,
      lstrip: content === '<mask>',
      normalized: content !== '<mask>',
      rstrip: false,
      single_word: false,
      special: true,
    });
    const tokenizerConfig = {
      add_prefix_space: false,
      added_tokens_decoder: Object.fromEntries([...specials.map((token, id) => [String(id), decoderEntry(token)]), [String(maskId), decoderEntry('<mask>')]]),
      bos_token: '<s>',
      clean_up_tokenization_spaces: false,
      cls_token: '<s>',
      eos_token: '</s>',
      errors: 'replace',
      mask_token: '<mask>',
      model_max_length: modelMaxLength,
      pad_token: '<pad>',
      sep_token: '</s>',
      tokenizer_class: 'BartTokenizer',
      unk_token: '<unk>',
    };
    return { tokenizerJson, tokenizerConfig, vocabSize: maskId + 1 };
  });
}
