/**
 * The parts of a Hugging Face `config.json` that inseq-ts reads, normalised across architectures
 * (GPT-2 says `n_embd`, Llama says `hidden_size`). `raw` keeps the whole file.
 */
export interface ModelConfig {
  /** `model_type` of config.json, e.g. `'gpt2'`. */
  readonly modelType: string;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  /** Longest sequence the model accepts (`n_positions` / `max_position_embeddings`). */
  readonly maxPositions: number;
  readonly isEncoderDecoder: boolean;
  readonly bosTokenId?: number;
  readonly eosTokenId?: number;
  readonly padTokenId?: number;
  /** Encoder-decoder: the token every decoder input starts with (`decoder_start_token_id`). */
  readonly decoderStartTokenId?: number;
  readonly raw: Readonly<Record<string, unknown>>;
}

/**
 * Decoding settings of `generation_config.json` (config.json's values where it lacks a field, as
 * transformers falls back to the model config), read by `readGenerationConfig`. Explicit
 * `attribute` options win over these.
 */
export interface GenerationConfig {
  /** New tokens to generate; wins over `maxLength`, as in transformers. */
  readonly maxNewTokens?: number;
  /**
   * Longest sequence generation may reach: prompt + new tokens for decoder-only models (counting
   * the prompt as transformers does, the longest of a batch), decoder tokens including the start
   * token for encoder-decoders.
   */
  readonly maxLength?: number;
  /** Generation stops at any of these. */
  readonly eosTokenId?: number | readonly number[];
  /** Encoder-decoders: the decoder start when `decoderStartTokenId` is absent. */
  readonly bosTokenId?: number;
  /** Fills prompt padding in batches. */
  readonly padTokenId?: number;
  /** Encoder-decoders: the token forced right after the decoder start (mBART's language code). */
  readonly forcedBosTokenId?: number;
  /** Encoder-decoders: the first decoder token. */
  readonly decoderStartTokenId?: number;
}
