import type { ModelConfig } from './model-config';

/** How a model family is shaped: one stack that predicts the next token, or an encoder and a decoder. */
export type ArchitectureKind = 'decoder-only' | 'encoder-decoder';

/**
 * A model family a backend can load, keyed by the config.json `model_type` it implements. Every
 * {@link BackendLoader} holds a registry of them (`architectures`); a backend adds what it needs to
 * build the model (tfjs: `create`), so one family can be registered on either backend.
 */
export interface ModelArchitecture {
  /** The config.json `model_type`, e.g. `'gpt2'`. */
  readonly name: string;
  /** Decoder-only or encoder-decoder; backends pick their loading path (and files) by it. */
  readonly kind: ArchitectureKind;
  /**
   * Normalises and validates config.json into a {@link ModelConfig} (throw `ModelLoadError` for what
   * the backend cannot run); core's `modelConfigFromHf` does the common part.
   */
  parseConfig(raw: Record<string, unknown>): ModelConfig;
}
