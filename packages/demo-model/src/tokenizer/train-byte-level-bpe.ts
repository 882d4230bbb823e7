/**
 * GPT-2's byte-to-character table (`bytes_to_unicode` in openai/gpt-2 `encoder.py`): printable
 * Latin-1 bytes stand for themselves, the 68 others for U+0100 onwards in byte order.
 */
function byteSymbols(): string[] {
  const printable = (byte: number) => (byte >= 33 && byte <= 126) || (byte >= 161 && byte <= 172) || (byte >= 174 && byte <= 255);
  const symbols: string[] = [];
  let next = 256;
  for (let byte = 0; byte < 256; byte++) symbols.push(String.fromCodePoint(printable(byte) ? byte : next++));
  return symbols;
}

/** GPT-2's pre-tokenizer pattern (contractions, letters, digits, other, whitespace), as `tokenizers`' ByteLevel uses it. */
const pretokenPattern = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Splits text as GPT-2's ByteLevel pre-tokenizer does and writes each piece in byte symbols ("Ġcapital"). */
export function byteLevelPretokens(text: string): string[] {
  const symbols = byteSymbols();
  const encoder = new TextEncoder();
  return (text.match(pretokenPattern) ?? []).map((piece) => Array.from(encoder.encode(piece), (byte) => symbols[byte]).join(''));
}

/** What {@link trainByteLevelBpe} learned. */
export interface ByteLevelBpe {
  /** The 256 byte symbols, then one token per merge, in merge order. */
  readonly tokens: readonly string[];
  /** Merges in priority order, as `[left, right]`. */
  readonly merges: readonly (readonly [string, string])[];
}

/**
 * Learns byte-level BPE merges as `tokenizers`' BpeTrainer does: start from the 256 byte
 * symbols, and repeatedly merge the most frequent adjacent pair inside pre-tokens (weighted by
 * how often each pre-token occurs) until `maxMerges` merges or no pair occurs `minFrequency`
 * times. Ties go to the pair whose `"left right"` string sorts first, so the result depends on
 * the counts only.
 *
 * @param texts - The training text, one sentence per item.
 */
export function trainByteLevelBpe(texts: Iterable<string>, options: { maxMerges: number; minFrequency?: number }): ByteLevelBpe {
  const { maxMerges, minFrequency = 2 } = options;
  const counts = new Map<string, number>();
  for (const text of texts) for (const pretoken of byteLevelPretokens(text)) counts.set(pretoken, (counts.get(pretoken) ?? 0) + 1);
  const words = [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([word, count]) => ({ symbols: Array.from(word), count }));
  const tokens = byteSymbols();
  const known = new Set(tokens);
  const merges: [string, string][] = [];
  while (merges.length < maxMerges) {
    const pairs = new Map<string, number>();
    for (const { symbols, count } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]} ${symbols[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + count);
      }
    }
    let best: string | undefined;
    let bestCount = 0;
    for (const [key, count] of pairs) if (count > bestCount || (count === bestCount && best !== undefined && key < best)) [best, bestCount] = [key, count];
    if (best === undefined || bestCount < minFrequency) break;
    const [left, right] = best.split(' ');
    merges.push([left, right]);
    const merged = left + right;
    if (!known.has(merged)) {
      known.add(merged);
      tokens.push(merged);
    }
    for (const word of words) {
      const out: string[] = [];
      for (let i = 0; i < word.symbols.length; i++) {
        if (i + 1 < word.symbols.length && word.symbols[i] === left && word.symbols[i + 1] === right) {
          out.push(merged);
          i++;
        } else out.push(word.symbols[i]);
      }
      word.symbols = out;
    }
  }
  return { tokens, merges };
}

const endOfText = '<|endoftext|>';

/**
 * `tokenizer.json` and `tokenizer_config.json` of a GPT-2 fast tokenizer with these merges (the
 * layout `tokenizers` writes for openai-community/gpt2): ByteLevel pre-tokenizer, decoder and
 * post-processor, `<|endoftext|>` last as the special bos/eos/unk token.
 */
export function byteLevelBpeTokenizerFiles(bpe: ByteLevelBpe, modelMaxLength: number): {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  vocabSize: number;
  endOfTextId: number;
} {
  const vocab: Record<string, number> = {};
  bpe.tokens.forEach((token, id) => {
    vocab[token] = id;
  });
  const endOfTextId = bpe.tokens.length;
  vocab[endOfText] = endOfTextId;
  const special = { content: endOfText, lstrip: false, normalized: true, rstrip: false, single_word: false, special: true };
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: endOfTextId, ...special }],
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
      merges: bpe.merges.map(([left, right]) => `${left} ${right}`),
    },
  };
  const tokenizerConfig = {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: { [String(endOfTextId)]: special },
    bos_token: endOfText,
    clean_up_tokenization_spaces: false,
    eos_token: endOfText,
    errors: 'replace',
    model_max_length: modelMaxLength,
    pad_token: null,
    tokenizer_class: 'GPT2Tokenizer',
    unk_token: endOfText,
  };
  return { tokenizerJson, tokenizerConfig, vocabSize: endOfTextId + 1, endOfTextId };
}
