import { type ModelConfig, ModelLoadError } from '@inseq/core';

/**
 * The {@link ModelConfig} of an encoder-decoder config.json: `base` with the sizes the
 * architecture read, after checking it is an encoder-decoder with a `decoder_start_token_id`.
 */
export function encoderDecoderConfig(
  base: ModelConfig,
  raw: Record<string, unknown>,
  sizes: Pick<ModelConfig, 'hiddenSize' | 'numLayers' | 'numHeads' | 'maxPositions' | 'vocabSize'>,
): ModelConfig {
  if (!base.isEncoderDecoder) {
    throw new ModelLoadError(`config.json of the ${base.modelType} model says is_encoder_decoder: false; only the encoder-decoder (…ForConditionalGeneration) models are supported.`, {
      code: 'UNSUPPORTED_MODEL',
    });
  }
  if (base.decoderStartTokenId === undefined) {
    throw new ModelLoadError(`config.json of the ${base.modelType} model: decoder_start_token_id must be a token id (every decoder input starts with it), got ${JSON.stringify(raw.decoder_start_token_id)}.`, {
      code: 'INVALID_FILE',
    });
  }
  return { ...base, ...sizes, raw };
}
