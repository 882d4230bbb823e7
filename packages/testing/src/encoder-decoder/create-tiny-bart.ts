import type { SafetensorsDtype } from '../safetensors-dtype';
import { addBartLayers } from './bart-layer-weights';
import { buildBartTokenizerJson } from './build-bart-tokenizer-json';
import { buildUnigramTokenizerJson } from './build-unigram-tokenizer-json';
import { createSeq2SeqWeightWriter, encodeWeights, jsonFile, torchDtypeName } from './seq2seq-weight-writer';
import type { TinySeq2Seq } from './tiny-seq2seq';
import { cachedFixture } from '../fixture-cache';

/** The BART-shaped families {@link createTinyBart} writes. */
export type BartFamily = 'bart' | 'mbart';

/** Options of {@link createTinyBart}; equal options give byte-identical files. */
export interface TinyBartOptions {
  /** `'bart'` (post-norm) or `'mbart'` (pre-norm, final stack norms, SentencePiece tokenizer). @defaultValue 'bart' */
  family?: BartFamily;
  /** Seed of the weights' PRNG. @defaultValue 0 */
  seed?: number;
  /** @defaultValue 32 */
  dModel?: number;
  /** @defaultValue 2 */
  encoderLayers?: number;
  /** @defaultValue 2 */
  decoderLayers?: number;
  /** Heads of every attention. @defaultValue 4 */
  numHeads?: number;
  /** Width of every feed-forward block. @defaultValue 64 */
  ffnDim?: number;
  /** `max_position_embeddings`; the learned tables have 2 more rows (HF's offset). @defaultValue 64 */
  maxPositions?: number;
  /** GPT-2 merges the BART tokenizer keeps. @defaultValue 1000 */
  merges?: number;
  /** Llama 2 multi-character pieces of the mBART Unigram tokenizer. @defaultValue 1000 */
  pieces?: number;
  /** `scale_embedding` (multiply token embeddings by √d_model). @defaultValue false for bart (bart-base/large), true for mbart */
  scaleEmbedding?: boolean;
  /** `lm_head` is `model.shared` (no `lm_head.weight` stored). @defaultValue true */
  tieWordEmbeddings?: boolean;
  /** Std of the normal init of embeddings and weight matrices. @defaultValue 0.2 */
  initStd?: number;
  /** Storage dtype of `model.safetensors`. @defaultValue 'F32' */
  dtype?: SafetensorsDtype;
}

/**
 * Generates a random, untrained `BartForConditionalGeneration` in the Hugging Face layout:
 * learned positions (`embed_positions` with HF's offset of 2: position p reads row p + 2),
 * `layernorm_embedding` after adding them, post-LayerNorm blocks, exact (erf) GELU,
 * `final_logits_bias`; `decoder_start_token_id` 2 (`</s>`), `forced_bos_token_id` 0, pad 1 with
 * a zero embedding row. The tokenizer is GPT-2's real byte-level BPE with BART's specials
 * ({@link buildBartTokenizerJson}). Checked against {@link referenceEncoderDecoderForward}.
 *
 * `family: 'mbart'` writes `MBartForConditionalGeneration` (mbart-large-en-ro shape): pre-norm
 * layers (`x + SelfAttn(LN(x))`, …), `model.{encoder,decoder}.layer_norm` after the last layer,
 * embeddings scaled by √d_model, a SentencePiece Unigram tokenizer with 25 language codes
 * (source `… </s> en_XX`) and `decoder_start_token_id` the `ro_RO` code.
 */
export function createTinyBart(options: TinyBartOptions = {}): TinySeq2Seq {
  return cachedFixture('createTinyBart', options, () => {
    const dModel = options.dModel ?? 32;
    const encoderLayers = options.encoderLayers ?? 2;
    const decoderLayers = options.decoderLayers ?? 2;
    const numHeads = options.numHeads ?? 4;
    const ffnDim = options.ffnDim ?? 64;
    const maxPositions = options.maxPositions ?? 64;
    const tied = options.tieWordEmbeddings ?? true;
    const initStd = options.initStd ?? 0.2;
    const dtype = options.dtype ?? 'F32';
    const mbart = options.family === 'mbart';
    const { tokenizerJson, tokenizerConfig, vocabSize } = mbart
      ? buildUnigramTokenizerJson({ layout: 'mbart', pieces: options.pieces ?? 1000, modelMaxLength: maxPositions })
      : buildBartTokenizerJson({ merges: options.merges ?? 1000, modelMaxLength: maxPositions });
    const [bos, pad, eos] = [0, 1, 2];
    // mBART starts decoding with the target language code (mbart-large-en-ro: ro_RO).
    const decoderStart = mbart ? (tokenizerJson.model as { vocab: [string, number][] }).vocab.findIndex(([piece]) => piece === 'ro_RO') : eos;

    const writer = createSeq2SeqWeightWriter(options.seed ?? 0, initStd, dtype);
    writer.add('model.shared.weight', [vocabSize, dModel], 'matrix').fill(0, pad * dModel, (pad + 1) * dModel);
    for (const stack of ['encoder', 'decoder'] as const) {
      const prefix = `model.${stack}`;
      writer.add(`${prefix}.embed_positions.weight`, [maxPositions + 2, dModel], 'matrix');
      addBartLayers(writer, prefix, { layers: stack === 'encoder' ? encoderLayers : decoderLayers, dModel, ffnDim }, stack === 'decoder');
      writer.add(`${prefix}.layernorm_embedding.weight`, [dModel], 'norm');
      writer.add(`${prefix}.layernorm_embedding.bias`, [dModel], 'bias');
      if (mbart) {
        writer.add(`${prefix}.layer_norm.weight`, [dModel], 'norm');
        writer.add(`${prefix}.layer_norm.bias`, [dModel], 'bias');
      }
    }
    writer.add('final_logits_bias', [1, vocabSize], 'bias');
    if (!tied) writer.add('lm_head.weight', [vocabSize, dModel], 'matrix');

    const config: Record<string, unknown> = {
      activation_dropout: 0.1,
      activation_function: 'gelu',
      add_bias_logits: false,
      add_final_layer_norm: mbart,
      architectures: [mbart ? 'MBartForConditionalGeneration' : 'BartForConditionalGeneration'],
      attention_dropout: 0.1,
      bos_token_id: bos,
      classifier_dropout: 0,
      d_model: dModel,
      decoder_attention_heads: numHeads,
      decoder_ffn_dim: ffnDim,
      decoder_layerdrop: 0,
      decoder_layers: decoderLayers,
      decoder_start_token_id: decoderStart,
      dropout: 0.1,
      encoder_attention_heads: numHeads,
      encoder_ffn_dim: ffnDim,
      encoder_layerdrop: 0,
      encoder_layers: encoderLayers,
      eos_token_id: eos,
      forced_bos_token_id: mbart ? null : bos,
      forced_eos_token_id: eos,
      init_std: initStd,
      is_encoder_decoder: true,
      max_position_embeddings: maxPositions,
      model_type: mbart ? 'mbart' : 'bart',
      normalize_before: mbart,
      normalize_embedding: true,
      num_hidden_layers: encoderLayers,
      pad_token_id: pad,
      scale_embedding: options.scaleEmbedding ?? mbart,
      tie_word_embeddings: tied,
      torch_dtype: torchDtypeName[dtype],
      use_cache: true,
      vocab_size: vocabSize,
    };
    const generationConfig = {
      bos_token_id: bos,
      decoder_start_token_id: decoderStart,
      eos_token_id: eos,
      forced_bos_token_id: mbart ? null : bos,
      forced_eos_token_id: eos,
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
