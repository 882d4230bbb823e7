import type { NamedWeight } from '../named-weight';

/** A generated tiny encoder-decoder model: its files and, for checks, its weights and config. */
export interface TinySeq2Seq {
  /** `config.json`, `generation_config.json`, `model.safetensors`, `tokenizer.json`, `tokenizer_config.json`. */
  files: Record<string, Uint8Array>;
  /** Every tensor of `model.safetensors` by HF name, values as stored. */
  weights: Record<string, NamedWeight>;
  /** The `config.json` object. */
  config: Record<string, unknown>;
}
