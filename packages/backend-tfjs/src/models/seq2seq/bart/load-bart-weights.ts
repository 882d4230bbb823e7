import { ModelLoadError } from '@inseq/core';
import * as tf from '../../../tf';
import { checkExpectedWeights } from '../../check-weights';
import { canonicalWeightNames, separateLmHead } from '../../weight-names';
import type { SafetensorsFile } from '../../../safetensors/read-safetensors';
import { marianSinusoidalPositions } from './marian-sinusoidal-positions';
import type { BartSettings } from './bart-settings';

/** An attention block's projections, weights transposed once to `[in, out]`. */
export interface BartAttentionWeights {
  readonly q: tf.Tensor2D;
  readonly k: tf.Tensor2D;
  readonly v: tf.Tensor2D;
  readonly out: tf.Tensor2D;
  readonly qBias: tf.Tensor1D;
  readonly kBias: tf.Tensor1D;
  readonly vBias: tf.Tensor1D;
  readonly outBias: tf.Tensor1D;
}

/** A LayerNorm's scale and shift. */
export interface BartNormWeights {
  readonly weight: tf.Tensor1D;
  readonly bias: tf.Tensor1D;
}

/** One encoder or decoder layer (`crossAttention` only in the decoder). */
export interface BartLayerWeights {
  readonly selfAttention: BartAttentionWeights;
  readonly selfAttentionNorm: BartNormWeights;
  readonly crossAttention?: BartAttentionWeights;
  readonly crossAttentionNorm?: BartNormWeights;
  readonly fc1: tf.Tensor2D;
  readonly fc1Bias: tf.Tensor1D;
  readonly fc2: tf.Tensor2D;
  readonly fc2Bias: tf.Tensor1D;
  readonly finalNorm: BartNormWeights;
}

/** One stack's weights. */
export interface BartStackWeights {
  /** `[vocab, dModel]` token embeddings (`model.shared` when shared). */
  readonly embed: tf.Tensor2D;
  /** `[rows, dModel]`: learned (row p + 2) or Marian's sinusoids (row p, one table for both stacks). */
  readonly positions: tf.Tensor2D;
  readonly layernormEmbedding?: BartNormWeights;
  readonly layers: readonly BartLayerWeights[];
  /** mBART's `layer_norm` after the last layer. */
  readonly finalNorm?: BartNormWeights;
}

/** Every weight of a BART-family encoder-decoder as tfjs tensors. */
export interface BartWeights {
  readonly encoder: BartStackWeights;
  readonly decoder: BartStackWeights;
  /** `[decoderVocab, dModel]`; the decoder's embeddings when tied. */
  readonly lmHead: tf.Tensor2D;
  /** `[decoderVocab]` (`final_logits_bias`); zeros when the file has none, as HF's buffer starts. */
  readonly finalLogitsBias: tf.Tensor1D;
}

/**
 * Turns a BART / mBART / Marian safetensors file (`model.encoder.layers.0.self_attn.q_proj.weight`,
 * …, as `save_pretrained` writes them) into tfjs tensors after checking every name and shape against
 * the config. Token embeddings are `model.shared.weight` when stored, else each stack's
 * `embed_tokens`; the decoder's embeddings as LM head unless `tie_word_embeddings` is false, then
 * `lm_head.weight`. Names with or without the `model.` prefix (a `BartModel` checkpoint) are read. Stored
 * sinusoidal tables of Marian are ignored (recomputed as HF does).
 *
 * @throws {@link ModelLoadError} `'INVALID_FILE'` naming missing or misshapen tensors.
 */
export function loadBartWeights(file: SafetensorsFile, settings: BartSettings, fileName: string): BartWeights {
  const byName = canonicalWeightNames(file.tensors, { prefix: 'model.', canonical: 'prefixed', headNames: ['lm_head.weight', 'final_logits_bias'] }, fileName);
  const { dModel: d, modelType } = settings;
  const expected = new Map<string, number[]>();
  const shared = byName.has('model.shared.weight');
  if (shared) expected.set('model.shared.weight', [settings.encoderVocab, d]);
  const learned = settings.positions === 'learned';
  const attentionNames = (p: string) => {
    for (const projection of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) {
      expected.set(`${p}.${projection}.weight`, [d, d]);
      expected.set(`${p}.${projection}.bias`, [d]);
    }
  };
  const normNames = (p: string) => {
    expected.set(`${p}.weight`, [d]);
    expected.set(`${p}.bias`, [d]);
  };
  for (const stack of ['encoder', 'decoder'] as const) {
    const prefix = `model.${stack}`;
    const sizes = settings[stack];
    if (!shared) expected.set(`${prefix}.embed_tokens.weight`, [stack === 'encoder' ? settings.encoderVocab : settings.decoderVocab, d]);
    if (learned) expected.set(`${prefix}.embed_positions.weight`, [settings.maxPositions + 2, d]);
    if (settings.layernormEmbedding) normNames(`${prefix}.layernorm_embedding`);
    if (settings.preNorm) normNames(`${prefix}.layer_norm`);
    for (let i = 0; i < sizes.layers; i++) {
      const p = `${prefix}.layers.${i}`;
      attentionNames(`${p}.self_attn`);
      normNames(`${p}.self_attn_layer_norm`);
      if (stack === 'decoder') {
        attentionNames(`${p}.encoder_attn`);
        normNames(`${p}.encoder_attn_layer_norm`);
      }
      expected.set(`${p}.fc1.weight`, [sizes.ffnDim, d]);
      expected.set(`${p}.fc1.bias`, [sizes.ffnDim]);
      expected.set(`${p}.fc2.weight`, [d, sizes.ffnDim]);
      expected.set(`${p}.fc2.bias`, [d]);
      normNames(`${p}.final_layer_norm`);
    }
  }
  const untied = separateLmHead(byName, settings.tieWordEmbeddings, fileName);
  if (untied) expected.set('lm_head.weight', [settings.decoderVocab, d]);
  if (byName.has('final_logits_bias')) expected.set('final_logits_bias', [1, settings.decoderVocab]);

  checkExpectedWeights(byName, expected, fileName, (shown) =>
    `${fileName} lacks ${modelType} weights: ${shown}. Expected the tensors of a ${modelType} encoder-decoder with ` +
      `${settings.encoder.layers} encoder and ${settings.decoder.layers} decoder layers (named 'model.encoder.layers.0.self_attn.q_proj.weight', …); ` +
      'check that config.json belongs to these weights.',
  );

  const created: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(tensor: T): T => {
    created.push(tensor);
    return tensor;
  };
  const raw = (name: string, shape?: number[]) => {
    const tensor = byName.get(name)!;
    return tf.tensor(tensor.data, shape ?? tensor.shape, 'float32');
  };
  const vector = (name: string) => keep(raw(name) as tf.Tensor1D);
  /** nn.Linear's `[out, in]` as `[in, out]`. */
  const linear = (name: string): tf.Tensor2D => {
    const weight = raw(name);
    const transposed = keep(tf.transpose(weight) as tf.Tensor2D);
    weight.dispose();
    return transposed;
  };
  const norm = (p: string): BartNormWeights => ({ weight: vector(`${p}.weight`), bias: vector(`${p}.bias`) });
  const attention = (p: string): BartAttentionWeights => ({
    q: linear(`${p}.q_proj.weight`),
    k: linear(`${p}.k_proj.weight`),
    v: linear(`${p}.v_proj.weight`),
    out: linear(`${p}.out_proj.weight`),
    qBias: vector(`${p}.q_proj.bias`),
    kBias: vector(`${p}.k_proj.bias`),
    vBias: vector(`${p}.v_proj.bias`),
    outBias: vector(`${p}.out_proj.bias`),
  });
  try {
    const sharedEmbed = shared ? keep(raw('model.shared.weight') as tf.Tensor2D) : undefined;
    const sinusoids = learned ? undefined : keep(tf.tensor2d(marianSinusoidalPositions(settings.maxPositions, d), [settings.maxPositions, d]));
    const stack = (name: 'encoder' | 'decoder'): BartStackWeights => {
      const prefix = `model.${name}`;
      return {
        embed: sharedEmbed ?? keep(raw(`${prefix}.embed_tokens.weight`) as tf.Tensor2D),
        positions: sinusoids ?? keep(raw(`${prefix}.embed_positions.weight`) as tf.Tensor2D),
        layernormEmbedding: settings.layernormEmbedding ? norm(`${prefix}.layernorm_embedding`) : undefined,
        layers: Array.from({ length: settings[name].layers }, (_, i) => {
          const p = `${prefix}.layers.${i}`;
          const cross = name === 'decoder';
          return {
            selfAttention: attention(`${p}.self_attn`),
            selfAttentionNorm: norm(`${p}.self_attn_layer_norm`),
            crossAttention: cross ? attention(`${p}.encoder_attn`) : undefined,
            crossAttentionNorm: cross ? norm(`${p}.encoder_attn_layer_norm`) : undefined,
            fc1: linear(`${p}.fc1.weight`),
            fc1Bias: vector(`${p}.fc1.bias`),
            fc2: linear(`${p}.fc2.weight`),
            fc2Bias: vector(`${p}.fc2.bias`),
            finalNorm: norm(`${p}.final_layer_norm`),
          };
        }),
        finalNorm: settings.preNorm ? norm(`${prefix}.layer_norm`) : undefined,
      };
    };
    const encoder = stack('encoder');
    const decoder = stack('decoder');
    return {
      encoder,
      decoder,
      lmHead: untied ? keep(raw('lm_head.weight') as tf.Tensor2D) : decoder.embed,
      finalLogitsBias: keep(
        byName.has('final_logits_bias') ? (raw('final_logits_bias', [settings.decoderVocab]) as tf.Tensor1D) : tf.zeros([settings.decoderVocab]),
      ),
    };
  } catch (error) {
    for (const tensor of created) tensor.dispose();
    throw error;
  }
}

/** Every tensor of `weights` once (shared tables appear in several places). */
export function bartWeightTensors(weights: BartWeights): tf.Tensor[] {
  const all = new Set<tf.Tensor>([weights.lmHead, weights.finalLogitsBias]);
  const collect = (value: unknown) => {
    if (value instanceof tf.Tensor) all.add(value);
    else if (Array.isArray(value)) for (const item of value) collect(item);
    else if (value && typeof value === 'object') for (const item of Object.values(value)) collect(item);
  };
  collect(weights.encoder);
  collect(weights.decoder);
  return [...all];
}
