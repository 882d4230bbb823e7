import { ModelLoadError } from '@inseq/core';
import * as tf from '../../../tf';
import { checkExpectedWeights } from '../../check-weights';
import { separateLmHead } from '../../weight-names';
import type { SafetensorsFile, SafetensorsTensor } from '../../../safetensors/read-safetensors';
import type { T5Settings } from './t5-settings';

/** An attention block's projections (no biases in T5), transposed once to `[in, out]`. */
export interface T5AttentionWeights {
  readonly q: tf.Tensor2D;
  readonly k: tf.Tensor2D;
  readonly v: tf.Tensor2D;
  readonly o: tf.Tensor2D;
}

/** A feed-forward block: `wi` (or `wi_0` with `wi1` when gated) and `wo`, `[in, out]`. */
export interface T5FeedForwardWeights {
  readonly wi: tf.Tensor2D;
  readonly wi1?: tf.Tensor2D;
  readonly wo: tf.Tensor2D;
  readonly norm: tf.Tensor1D;
}

/** One block: self-attention, (decoder) cross-attention, feed-forward, each with its RMS norm scale. */
export interface T5BlockWeights {
  readonly selfAttention: T5AttentionWeights;
  readonly selfAttentionNorm: tf.Tensor1D;
  readonly crossAttention?: T5AttentionWeights;
  readonly crossAttentionNorm?: tf.Tensor1D;
  readonly feedForward: T5FeedForwardWeights;
}

/** One stack: its blocks, block 0's `relative_attention_bias` (kept in JS: the bias is built per pass), final norm. */
export interface T5StackWeights {
  readonly blocks: readonly T5BlockWeights[];
  /** `[buckets, heads]` row-major. */
  readonly relativeAttentionBias: Float32Array;
  readonly finalNorm: tf.Tensor1D;
}

/** Every weight of a T5 encoder-decoder. */
export interface T5Weights {
  /** `[vocab, dModel]`, both stacks' token embeddings. */
  readonly shared: tf.Tensor2D;
  readonly encoder: T5StackWeights;
  readonly decoder: T5StackWeights;
  /** `[vocab, dModel]`; `shared` when tied. */
  readonly lmHead: tf.Tensor2D;
}

/**
 * Turns a T5 safetensors file (`shared.weight`, `encoder.block.0.layer.0.SelfAttention.q.weight`,
 * …, as `T5ForConditionalGeneration.save_pretrained` writes it) into tfjs tensors after checking
 * every name and shape against the config. Copies of `shared` (`encoder.embed_tokens.weight`, …)
 * are ignored; `lm_head.weight` is read only when the embeddings are not tied.
 *
 * @throws {@link ModelLoadError} `'INVALID_FILE'` naming missing or misshapen tensors.
 */
export function loadT5Weights(file: SafetensorsFile, settings: T5Settings, fileName: string): T5Weights {
  const byName = new Map<string, SafetensorsTensor>(file.tensors);
  const { dModel: d, dFf, numHeads: heads, vocab } = settings;
  const inner = heads * settings.dKv;
  const expected = new Map<string, number[]>([['shared.weight', [vocab, d]]]);
  if (separateLmHead(byName, settings.tieWordEmbeddings, fileName)) expected.set('lm_head.weight', [vocab, d]);
  const attentionNames = (p: string, relative: boolean) => {
    for (const projection of ['q', 'k', 'v']) expected.set(`${p}.${projection}.weight`, [inner, d]);
    expected.set(`${p}.o.weight`, [d, inner]);
    if (relative) expected.set(`${p}.relative_attention_bias.weight`, [settings.numBuckets, heads]);
  };
  const feedForwardNames = (p: string) => {
    if (settings.gated) {
      expected.set(`${p}.DenseReluDense.wi_0.weight`, [dFf, d]);
      expected.set(`${p}.DenseReluDense.wi_1.weight`, [dFf, d]);
    } else expected.set(`${p}.DenseReluDense.wi.weight`, [dFf, d]);
    expected.set(`${p}.DenseReluDense.wo.weight`, [d, dFf]);
    expected.set(`${p}.layer_norm.weight`, [d]);
  };
  for (const stack of ['encoder', 'decoder'] as const) {
    const blocks = stack === 'encoder' ? settings.encoderLayers : settings.decoderLayers;
    for (let i = 0; i < blocks; i++) {
      const p = `${stack}.block.${i}.layer`;
      attentionNames(`${p}.0.SelfAttention`, i === 0);
      expected.set(`${p}.0.layer_norm.weight`, [d]);
      if (stack === 'decoder') {
        attentionNames(`${p}.1.EncDecAttention`, false);
        expected.set(`${p}.1.layer_norm.weight`, [d]);
      }
      feedForwardNames(`${p}.${stack === 'decoder' ? 2 : 1}`);
    }
    expected.set(`${stack}.final_layer_norm.weight`, [d]);
  }
  checkExpectedWeights(byName, expected, fileName, (shown) =>
    `${fileName} lacks t5 weights: ${shown}. Expected the tensors of a T5 encoder-decoder with ${settings.encoderLayers} encoder and ` +
      `${settings.decoderLayers} decoder blocks, ${settings.gated ? 'gated (wi_0, wi_1)' : 'ungated (wi)'} feed-forward ` +
      "(named 'encoder.block.0.layer.0.SelfAttention.q.weight', …); check that config.json belongs to these weights.",
  );

  const created: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(tensor: T): T => {
    created.push(tensor);
    return tensor;
  };
  const raw = (name: string) => {
    const { data, shape } = byName.get(name)!;
    return tf.tensor(data, shape, 'float32');
  };
  const vector = (name: string) => keep(raw(name) as tf.Tensor1D);
  /** nn.Linear's `[out, in]` as `[in, out]`. */
  const linear = (name: string): tf.Tensor2D => {
    const weight = raw(name);
    const transposed = keep(tf.transpose(weight) as tf.Tensor2D);
    weight.dispose();
    return transposed;
  };
  const attention = (p: string): T5AttentionWeights => ({ q: linear(`${p}.q.weight`), k: linear(`${p}.k.weight`), v: linear(`${p}.v.weight`), o: linear(`${p}.o.weight`) });
  const feedForward = (p: string): T5FeedForwardWeights => ({
    wi: linear(`${p}.DenseReluDense.${settings.gated ? 'wi_0' : 'wi'}.weight`),
    wi1: settings.gated ? linear(`${p}.DenseReluDense.wi_1.weight`) : undefined,
    wo: linear(`${p}.DenseReluDense.wo.weight`),
    norm: vector(`${p}.layer_norm.weight`),
  });
  try {
    const stack = (name: 'encoder' | 'decoder'): T5StackWeights => {
      const decoder = name === 'decoder';
      return {
        blocks: Array.from({ length: decoder ? settings.decoderLayers : settings.encoderLayers }, (_, i) => {
          const p = `${name}.block.${i}.layer`;
          return {
            selfAttention: attention(`${p}.0.SelfAttention`),
            selfAttentionNorm: vector(`${p}.0.layer_norm.weight`),
            crossAttention: decoder ? attention(`${p}.1.EncDecAttention`) : undefined,
            crossAttentionNorm: decoder ? vector(`${p}.1.layer_norm.weight`) : undefined,
            feedForward: feedForward(`${p}.${decoder ? 2 : 1}`),
          };
        }),
        relativeAttentionBias: Float32Array.from(byName.get(`${name}.block.0.layer.0.SelfAttention.relative_attention_bias.weight`)!.data),
        finalNorm: vector(`${name}.final_layer_norm.weight`),
      };
    };
    const shared = keep(raw('shared.weight') as tf.Tensor2D);
    return {
      shared,
      encoder: stack('encoder'),
      decoder: stack('decoder'),
      lmHead: settings.tieWordEmbeddings ? shared : keep(raw('lm_head.weight') as tf.Tensor2D),
    };
  } catch (error) {
    for (const tensor of created) tensor.dispose();
    throw error;
  }
}

/** Every tensor of `weights` once (`lmHead` may be `shared`). */
export function t5WeightTensors(weights: T5Weights): tf.Tensor[] {
  const all = new Set<tf.Tensor>([weights.shared, weights.lmHead]);
  for (const stack of [weights.encoder, weights.decoder]) {
    all.add(stack.finalNorm);
    for (const block of stack.blocks) {
      for (const part of [block.selfAttention, block.crossAttention, block.feedForward]) for (const tensor of Object.values(part ?? {})) if (tensor) all.add(tensor);
      all.add(block.selfAttentionNorm);
      if (block.crossAttentionNorm) all.add(block.crossAttentionNorm);
    }
  }
  return [...all];
}
