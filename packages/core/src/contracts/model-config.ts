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

/** Decoding defaults from `generation_config.json`, when the folder has one. */
export interface GenerationConfig {
  readonly maxNewTokens?: number;
  readonly eosTokenId?: number | readonly number[];
}
