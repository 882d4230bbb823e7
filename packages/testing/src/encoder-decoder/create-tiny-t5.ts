import { InvalidInputError } from '@inseq/core';
import type { SafetensorsDtype } from '../safetensors-dtype';
import { buildUnigramTokenizerJson } from './build-unigram-tokenizer-json';
import { createSeq2SeqWeightWriter, encodeWeights, jsonFile, torchDtypeName } from './seq2seq-weight-writer';
import type { TinySeq2Seq } from './tiny-seq2seq';
import { cachedFixture } from '../fixture-cache';

/** `feed_forward_proj` of T5 configs the generator writes: original T5 or T5 v1.1 / Flan-T5. */
export type T5FeedForwardProj = 'relu' | 'gated-gelu';

/** Options of {@link createTinyT5}; equal options give byte-identical files. */
export interface TinyT5Options {
  /** Seed of the weights' PRNG. @defaultValue 0 */
  seed?: number;
  /** @defaultValue 32 */
  dModel?: number;
  /** Per-head size (`d_kv`); the attention width is `numHeads · dKv`. @defaultValue 8 */
  dKv?: number;
  /** @defaultValue 64 */
  dFf?: number;
  /** Encoder blocks (`num_layers`). @defaultValue 2 */
  numLayers?: number;
  /** Decoder blocks (`num_decoder_layers`). @defaultValue numLayers */
  numDecoderLayers?: number;
  /** @defaultValue 4 */
  numHeads?: number;
  /** `relative_attention_num_buckets`. @defaultValue 32 */
  numBuckets?: number;
  /** `relative_attention_max_distance`. @defaultValue 128 */
  maxDistance?: number;
  /** `'relu'` (t5-small: `wi`, ReLU) or `'gated-gelu'` (v1.1 / Flan: `wi_0`, `wi_1`, gelu_new). @defaultValue 'relu' */
  feedForwardProj?: T5FeedForwardProj;
  /** Tie `lm_head` to `shared` (and scale the decoder output by `d_model^-0.5`). @defaultValue true for 'relu', false for 'gated-gelu' */
  tieWordEmbeddings?: boolean;
  /** Llama 2 multi-character pieces of the Unigram tokenizer. @defaultValue 1000 */
  pieces?: number;
  /** Std of the normal init of embeddings and weight matrices. @defaultValue 0.2 */
  initStd?: number;
  /** Storage dtype of `model.safetensors`. @defaultValue 'F32' */
  dtype?: SafetensorsDtype;
}

/**
 * Generates a random, untrained `T5ForConditionalGeneration` in the Hugging Face layout
 * (`shared.weight`, `encoder.block.0.layer.0.SelfAttention.q.weight`, …): pre-norm blocks with
 * T5's RMS LayerNorm (no mean, no bias), attention without bias or score scaling, relative
 * position biases stored only in block 0 of each stack (`relative_attention_bias`
 * `[buckets, heads]`), ReLU or gated-GELU feed-forward, final stack norms. Ids follow T5: `<pad>`
 * 0 (also `decoder_start_token_id`), `</s>` 1, `<unk>` 2; the tokenizer is a SentencePiece
 * Unigram built from Llama 2's pieces ({@link buildUnigramTokenizerJson}). Checked against
 * {@link referenceEncoderDecoderForward}.
 */
export function createTinyT5(options: TinyT5Options = {}): TinySeq2Seq {
  return cachedFixture('createTinyT5', options, () => {
    const dModel = options.dModel ?? 32;
    const dKv = options.dKv ?? 8;
    const dFf = options.dFf ?? 64;
    const numLayers = options.numLayers ?? 2;
    const numDecoderLayers = options.numDecoderLayers ?? numLayers;
    const numHeads = options.numHeads ?? 4;
    const numBuckets = options.numBuckets ?? 32;
    const maxDistance = options.maxDistance ?? 128;
    const feedForwardProj = options.feedForwardProj ?? 'relu';
    const gated = feedForwardProj === 'gated-gelu';
    const tied = options.tieWordEmbeddings ?? !gated;
    const initStd = options.initStd ?? 0.2;
    const dtype = options.dtype ?? 'F32';
    if (!Number.isInteger(numBuckets) || numBuckets < 4 || numBuckets % 4 !== 0) {
      throw new InvalidInputError(`createTinyT5 needs numBuckets a multiple of 4 (at least 4), got ${numBuckets}.`, { code: 'INVALID_ARGUMENT' });
    }
    const { tokenizerJson, tokenizerConfig, vocabSize, specialIds } = buildUnigramTokenizerJson({ layout: 't5', pieces: options.pieces ?? 1000 });
    const inner = numHeads * dKv;

    const writer = createSeq2SeqWeightWriter(options.seed ?? 0, initStd, dtype);
    writer.add('shared.weight', [vocabSize, dModel], 'matrix');
    const attention = (p: string, relativeBias: boolean) => {
      for (const projection of ['q', 'k', 'v']) writer.add(`${p}.${projection}.weight`, [inner, dModel], 'matrix');
      writer.add(`${p}.o.weight`, [dModel, inner], 'matrix');
      if (relativeBias) writer.add(`${p}.relative_attention_bias.weight`, [numBuckets, numHeads], 'matrix');
    };
    const feedForward = (p: string) => {
      if (gated) {
        writer.add(`${p}.DenseReluDense.wi_0.weight`, [dFf, dModel], 'matrix');
        writer.add(`${p}.DenseReluDense.wi_1.weight`, [dFf, dModel], 'matrix');
      } else writer.add(`${p}.DenseReluDense.wi.weight`, [dFf, dModel], 'matrix');
      writer.add(`${p}.DenseReluDense.wo.weight`, [dModel, dFf], 'matrix');
      writer.add(`${p}.layer_norm.weight`, [dModel], 'norm');
    };
    for (let block = 0; block < numLayers; block++) {
      const p = `encoder.block.${block}.layer`;
      attention(`${p}.0.SelfAttention`, block === 0);
      writer.add(`${p}.0.layer_norm.weight`, [dModel], 'norm');
      feedForward(`${p}.1`);
    }
    writer.add('encoder.final_layer_norm.weight', [dModel], 'norm');
    for (let block = 0; block < numDecoderLayers; block++) {
      const p = `decoder.block.${block}.layer`;
      attention(`${p}.0.SelfAttention`, block === 0);
      writer.add(`${p}.0.layer_norm.weight`, [dModel], 'norm');
      attention(`${p}.1.EncDecAttention`, false);
      writer.add(`${p}.1.layer_norm.weight`, [dModel], 'norm');
      feedForward(`${p}.2`);
    }
    writer.add('decoder.final_layer_norm.weight', [dModel], 'norm');
    if (!tied) writer.add('lm_head.weight', [vocabSize, dModel], 'matrix');

    const config: Record<string, unknown> = {
      architectures: ['T5ForConditionalGeneration'],
      classifier_dropout: 0,
      d_ff: dFf,
      d_kv: dKv,
      d_model: dModel,
      decoder_start_token_id: specialIds.pad,
      dense_act_fn: gated ? 'gelu_new' : 'relu',
      dropout_rate: 0.1,
      eos_token_id: specialIds.eos,
      feed_forward_proj: feedForwardProj,
      initializer_factor: 1,
      is_encoder_decoder: true,
      is_gated_act: gated,
      layer_norm_epsilon: 1e-6,
      model_type: 't5',
      num_decoder_layers: numDecoderLayers,
      num_heads: numHeads,
      num_layers: numLayers,
      pad_token_id: specialIds.pad,
      relative_attention_max_distance: maxDistance,
      relative_attention_num_buckets: numBuckets,
      tie_word_embeddings: tied,
      torch_dtype: torchDtypeName[dtype],
      use_cache: true,
      vocab_size: vocabSize,
    };
    const generationConfig = { decoder_start_token_id: specialIds.pad, eos_token_id: specialIds.eos, pad_token_id: specialIds.pad };
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
