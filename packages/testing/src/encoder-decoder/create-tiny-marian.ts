import type { SafetensorsDtype } from '../safetensors-dtype';
import { addBartLayers } from './bart-layer-weights';
import { buildUnigramTokenizerJson } from './build-unigram-tokenizer-json';
import { createSeq2SeqWeightWriter, encodeWeights, jsonFile, torchDtypeName } from './seq2seq-weight-writer';
import type { TinySeq2Seq } from './tiny-seq2seq';
import { cachedFixture } from '../fixture-cache';

/** Options of {@link createTinyMarian}; equal options give byte-identical files. */
export interface TinyMarianOptions {
  /** Seed of the weights' PRNG. @defaultValue 0 */
  seed?: number;
  /** @defaultValue 32 */
  dModel?: number;
  /** @defaultValue 2 */
  encoderLayers?: number;
  /** @defaultValue 2 */
  decoderLayers?: number;
  /** Heads of every attention (encoder and decoder). @defaultValue 4 */
  numHeads?: number;
  /** Width of every feed-forward block. @defaultValue 64 */
  ffnDim?: number;
  /** `max_position_embeddings` (rows of the sinusoidal table, which is not stored). @defaultValue 64 */
  maxPositions?: number;
  /** Llama 2 multi-character pieces of the Unigram tokenizer. @defaultValue 1000 */
  pieces?: number;
  /** One embedding table `model.shared.weight` for encoder and decoder, as opus-mt models. @defaultValue true */
  shareEncoderDecoderEmbeddings?: boolean;
  /** `lm_head` is the decoder's embedding table (no `lm_head.weight` stored). @defaultValue true */
  tieWordEmbeddings?: boolean;
  /** Std of the normal init of embeddings and weight matrices. @defaultValue 0.2 */
  initStd?: number;
  /** Storage dtype of `model.safetensors`. @defaultValue 'F32' */
  dtype?: SafetensorsDtype;
}

/**
 * Generates a random, untrained `MarianMTModel` (opus-mt shape) in the Hugging Face layout:
 * embeddings scaled by √d_model plus a sinusoidal position table (`static_position_embeddings`,
 * not stored), post-LayerNorm blocks (`normalize_before: false`, no `layernorm_embedding`, no
 * final stack norm), swish feed-forward, `final_logits_bias`. The pad embedding row is zero, as
 * `nn.Embedding(padding_idx)` initialises it. Ids follow opus-mt: `</s>` 0 (eos and bos), `<unk>`
 * 1, `<pad>` the last id and `decoder_start_token_id`. The tokenizer is a SentencePiece Unigram
 * built from Llama 2's pieces ({@link buildUnigramTokenizerJson}). Checked against
 * {@link referenceEncoderDecoderForward}.
 */
export function createTinyMarian(options: TinyMarianOptions = {}): TinySeq2Seq {
  return cachedFixture('createTinyMarian', options, () => {
    const dModel = options.dModel ?? 32;
    const encoderLayers = options.encoderLayers ?? 2;
    const decoderLayers = options.decoderLayers ?? 2;
    const numHeads = options.numHeads ?? 4;
    const ffnDim = options.ffnDim ?? 64;
    const maxPositions = options.maxPositions ?? 64;
    const shared = options.shareEncoderDecoderEmbeddings ?? true;
    const tied = options.tieWordEmbeddings ?? true;
    const initStd = options.initStd ?? 0.2;
    const dtype = options.dtype ?? 'F32';
    const { tokenizerJson, tokenizerConfig, vocabSize, specialIds } = buildUnigramTokenizerJson({
      layout: 'marian',
      pieces: options.pieces ?? 1000,
      modelMaxLength: maxPositions,
    });
    const pad = specialIds.pad;

    const writer = createSeq2SeqWeightWriter(options.seed ?? 0, initStd, dtype);
    const embedding = (name: string) => writer.add(name, [vocabSize, dModel], 'matrix').fill(0, pad * dModel, (pad + 1) * dModel);
    if (shared) embedding('model.shared.weight');
    else embedding('model.encoder.embed_tokens.weight');
    addBartLayers(writer, 'model.encoder', { layers: encoderLayers, dModel, ffnDim }, false);
    if (!shared) embedding('model.decoder.embed_tokens.weight');
    addBartLayers(writer, 'model.decoder', { layers: decoderLayers, dModel, ffnDim }, true);
    writer.add('final_logits_bias', [1, vocabSize], 'bias');
    if (!tied) writer.add('lm_head.weight', [vocabSize, dModel], 'matrix');

    const config: Record<string, unknown> = {
      activation_dropout: 0,
      activation_function: 'swish',
      add_bias_logits: false,
      add_final_layer_norm: false,
      architectures: ['MarianMTModel'],
      attention_dropout: 0,
      bos_token_id: specialIds.eos,
      classifier_dropout: 0,
      d_model: dModel,
      decoder_attention_heads: numHeads,
      decoder_ffn_dim: ffnDim,
      decoder_layerdrop: 0,
      decoder_layers: decoderLayers,
      decoder_start_token_id: pad,
      decoder_vocab_size: vocabSize,
      dropout: 0.1,
      encoder_attention_heads: numHeads,
      encoder_ffn_dim: ffnDim,
      encoder_layerdrop: 0,
      encoder_layers: encoderLayers,
      eos_token_id: specialIds.eos,
      forced_eos_token_id: specialIds.eos,
      init_std: initStd,
      is_encoder_decoder: true,
      max_position_embeddings: maxPositions,
      model_type: 'marian',
      normalize_before: false,
      normalize_embedding: false,
      num_hidden_layers: encoderLayers,
      pad_token_id: pad,
      scale_embedding: true,
      share_encoder_decoder_embeddings: shared,
      static_position_embeddings: true,
      tie_word_embeddings: tied,
      torch_dtype: torchDtypeName[dtype],
      use_cache: true,
      vocab_size: vocabSize,
    };
    const generationConfig = {
      bad_words_ids: [[pad]],
      bos_token_id: specialIds.eos,
      decoder_start_token_id: pad,
      eos_token_id: specialIds.eos,
      forced_eos_token_id: specialIds.eos,
      max_length: maxPositions,
      pad_token_id: pad,
    };
    const files = {
      'config.json': jsonFile(config),
      'generation_config.json': jsonFile(generationConfig),
      'model.safetensors': encodeWeights(writer.weights, dtype),
      'tokenizer.json': jsonFile(tokenizerJson),
      'tokenizer_config.json': jsonFile(tokenizerConfig),
    };
    return { files, weights: writer.weights, config };
  });
}
