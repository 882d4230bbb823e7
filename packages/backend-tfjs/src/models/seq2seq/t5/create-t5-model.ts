import type { ModelConfig } from '@inseq/core';
import * as tf from '../../../tf';
import { activations, elementwiseActivations } from '../../../ops/activations';
import { dense } from '../../../ops/dense';
import { multiHeadAttention } from '../../../ops/multi-head-attention';
import { rescaledActivation } from '../../../ops/rescaled-activation';
import { rmsNorm } from '../../../ops/rms-norm';
import { weightMatMul } from '../../../ops/weight-mat-mul';
import type { SafetensorsFile } from '../../../safetensors/read-safetensors';
import type { TfjsCausalLm } from '../../tfjs-causal-lm';
import { runSeq2SeqPass, type Seq2SeqStackContext } from '../run-seq2seq-pass';
import { embedRows, type Seq2SeqPassTools, valueMask } from '../seq2seq-pass-tools';
import { loadT5Weights, type T5AttentionWeights, type T5FeedForwardWeights, type T5StackWeights, t5WeightTensors } from './load-t5-weights';
import { t5PositionBias } from './t5-relative-position-bucket';
import { t5LayerNames } from './t5-layer-names';
import { type T5Settings, t5Settings } from './t5-settings';

/**
 * A T5 encoder-decoder (T5, T5 v1.1, Flan-T5: `model_type` `t5`) as HF computes it (eager
 * attention, float32), in tfjs ops: unscaled `shared` embeddings; pre-norm blocks with T5's RMS
 * norm (no mean, no bias) of self-attention, (decoder) cross-attention and feed-forward
 * (`wo(act(wi x))`, or gated `wo(act(wi_0 x) · wi_1 x)`), each `x + f(norm(x))`; attention without
 * biases or score scaling, self-attention biased by block 0's learned relative position buckets
 * (bidirectional in the encoder, causal in the decoder) in every block; final stack norms; the
 * decoder output scaled by `d_model^-0.5` before a tied `lm_head`. Relative positions make the
 * decoder's left padding harmless (a padded row equals its unpadded run). A pass returns HF's
 * attentions and hidden states of both stacks when asked, captures or replaces the layers of
 * {@link t5LayerNames}, zeroes decoder self-attention value vectors (after `v`), applies
 * `dropout_rate` in dropout passes, and rescales the feed-forward activation for DeepLIFT.
 */
export function createT5Model(config: ModelConfig, file: SafetensorsFile, fileName: string): TfjsCausalLm {
  const settings: T5Settings = t5Settings(config);
  const weights = loadT5Weights(file, settings, fileName);
  const activation = activations[settings.activation];
  const elementwise = elementwiseActivations[settings.activation];
  const layerNames = Object.freeze(t5LayerNames(settings.encoderLayers, settings.decoderLayers));
  const { numHeads: heads, layerNormEpsilon: epsilon, dModel } = settings;

  function attention(x: tf.Tensor3D, memory: tf.Tensor3D, w: T5AttentionWeights, bias: tf.Tensor4D, tools: Seq2SeqPassTools, values?: tf.Tensor3D) {
    let value = dense(memory, w.v);
    if (values) value = tf.mul(value, values);
    const { context, probabilities } = multiHeadAttention({
      query: dense(x, w.q),
      key: dense(memory, w.k),
      value,
      heads,
      // T5 folds the 1/√d_kv scaling into the initialisation of q.
      scale: 1,
      bias,
      dropout: (p) => tools.drop(p, settings.dropout),
    });
    return { output: dense(context, w.o), probabilities };
  }

  function feedForward(x: tf.Tensor3D, w: T5FeedForwardWeights, tools: Seq2SeqPassTools): tf.Tensor3D {
    let inner = tools.nonlinearity(dense(x, w.wi), activation, (input, reference) => rescaledActivation(elementwise, input, reference));
    if (w.wi1) inner = tf.mul(inner, dense(x, w.wi1));
    return dense(tools.drop(inner, settings.dropout), w.wo);
  }

  /** Block 0's relative position bias `[1, heads, q, k]` plus the mask. */
  function selfBias(stack: T5StackWeights, queries: number, bidirectional: boolean, mask: tf.Tensor4D): tf.Tensor4D {
    const positions = t5PositionBias(stack.relativeAttentionBias, heads, queries, queries, bidirectional, settings.numBuckets, settings.maxDistance);
    return tf.add(tf.tensor4d(positions, [1, heads, queries, queries]), mask);
  }

  function runStack(side: 'encoder' | 'decoder', embeds: tf.Tensor3D, context: Seq2SeqStackContext): tf.Tensor3D {
    const { tools, pass } = context;
    const stack = weights[side];
    const bias = selfBias(stack, embeds.shape[1], side === 'encoder', context.selfBias);
    let h = tools.drop(tools.at(`${side}.embed_tokens`, embeds), settings.dropout);
    stack.blocks.forEach((block, index) => {
      const p = `${side}.block.${index}`;
      context.hiddenStates?.push(h);
      const zeroing = side === 'decoder' && pass.zeroValues?.layer === index ? pass.zeroValues : undefined;
      const values = zeroing && valueMask(zeroing.positions, h.shape[1]);
      const sublayer = (j: number, module: string, norm: tf.Tensor1D, f: (x: tf.Tensor3D) => tf.Tensor3D) => {
        const output = tools.at(`${p}.layer.${j}.${module}`, f(tools.at(`${p}.layer.${j}.layer_norm`, rmsNorm(h, norm, epsilon))));
        h = tools.at(`${p}.layer.${j}`, tf.add(h, tools.drop(output, settings.dropout)) as tf.Tensor3D);
      };
      sublayer(0, 'SelfAttention', block.selfAttentionNorm, (x) => {
        const result = attention(x, x, block.selfAttention, bias, tools, values);
        context.attentions?.push(result.probabilities);
        return result.output;
      });
      const memory = context.memory;
      if (memory && block.crossAttention && block.crossAttentionNorm) {
        const weights = block.crossAttention;
        sublayer(1, 'EncDecAttention', block.crossAttentionNorm, (x) => {
          const result = attention(x, memory.states, weights, memory.bias, tools);
          context.crossAttentions?.push(result.probabilities);
          return result.output;
        });
      }
      sublayer(memory ? 2 : 1, 'DenseReluDense', block.feedForward.norm, (x) => feedForward(x, block.feedForward, tools));
      h = tools.at(p, h);
    });
    h = tools.drop(tools.at(`${side}.final_layer_norm`, rmsNorm(h, stack.finalNorm, epsilon)), settings.dropout);
    context.hiddenStates?.push(h);
    return h;
  }

  /** The decoder output, scaled by `d_model^-0.5` when the LM head is tied to the embeddings, through `lm_head`. */
  const project = (rows: tf.Tensor2D) => weightMatMul(settings.tieWordEmbeddings ? tf.mul(rows, dModel ** -0.5) : rows, weights.lmHead, true);

  return {
    config,
    embed: (inputIds) => embedRows(weights.shared, inputIds),
    layerNames: () => layerNames,
    run: (pass) => runSeq2SeqPass({ modelType: 't5', runStack, project }, pass),
    dispose() {
      for (const tensor of t5WeightTensors(weights)) tensor.dispose();
    },
  };
}
