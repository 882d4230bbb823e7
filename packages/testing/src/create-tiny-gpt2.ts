import { buildGpt2TokenizerJson } from './build-gpt2-tokenizer-json';
import { encodeSafetensors } from './encode-safetensors';
import type { NamedWeight } from './named-weight';
import { tinyGpt2Config, tinyGpt2GenerationConfig } from './tiny-gpt2-config';
import { type TinyGpt2Options, resolveTinyGpt2Options } from './tiny-gpt2-options';
import { tinyGpt2Weights } from './tiny-gpt2-weights';
import { cachedFixture } from './fixture-cache';

/** A generated tiny GPT-2: its files and, for checks, the same weights and config as objects. */
export interface TinyGpt2 {
  /**
   * The Hugging Face folder: `config.json`, `generation_config.json`, `model.safetensors`,
   * `tokenizer.json`, `tokenizer_config.json`.
   */
  files: Record<string, Uint8Array>;
  /** Every tensor of `model.safetensors` by HF parameter name, values as stored. */
  weights: Record<string, NamedWeight>;
  /** The `config.json` object. */
  config: Record<string, unknown>;
}

const encoder = new TextEncoder();
const jsonFile = (value: unknown): Uint8Array => encoder.encode(`${JSON.stringify(value, null, 2)}\n`);

/**
 * Generates a random, untrained GPT-2 (`GPT2LMHeadModel`) in the Hugging Face layout with a real
 * GPT-2 BPE tokenizer cut to `merges` merges. Deterministic: equal options give byte-identical
 * files on every machine. The outputs are meaningless but not flat, which is what backends and
 * attribution methods need to be checked against {@link referenceGpt2Forward}.
 */
export function createTinyGpt2(options?: TinyGpt2Options): TinyGpt2 {
  return cachedFixture('createTinyGpt2', options, () => {
    const resolved = resolveTinyGpt2Options(options);
    const { tokenizerJson, tokenizerConfig, vocabSize } = buildGpt2TokenizerJson({
      merges: resolved.merges,
      modelMaxLength: resolved.nPositions,
    });
    const weights = tinyGpt2Weights(resolved, vocabSize);
    const config = tinyGpt2Config(resolved, vocabSize);
    const tensors = Object.fromEntries(
      Object.entries(weights).map(([name, { shape, data }]) => [name, { dtype: resolved.dtype, shape, data }]),
    );
    const files = {
      'config.json': jsonFile(config),
      'generation_config.json': jsonFile(tinyGpt2GenerationConfig(vocabSize)),
      'model.safetensors': encodeSafetensors(tensors),
      'tokenizer.json': jsonFile(tokenizerJson),
      'tokenizer_config.json': jsonFile(tokenizerConfig),
    };
    return { files, weights, config };
  });
}
