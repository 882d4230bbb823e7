import { InvalidInputError, type ModelConfig } from '@inseq/core';
import * as tf from '@tensorflow/tfjs';
import { activations, elementwiseActivations } from '../../ops/activations';
import { dense } from '../../ops/dense';
import { multiHeadAttention } from '../../ops/multi-head-attention';
import { rescaledActivation } from '../../ops/rescaled-activation';
import { rmsNorm } from '../../ops/rms-norm';
import { weightMatMul } from '../../ops/weight-mat-mul';
import type { SafetensorsFile } from '../../safetensors/read-safetensors';
import { embedRows, keyPaddingBias, lastColumn, type Seq2SeqPassTools, seq2seqPassTools, valueMask } from '../bart/seq2seq-pass-tools';
import { causalAttentionBias } from '../causal-attention-bias';
import type { CausalLmPass, CausalLmResult, TfjsCausalLm } from '../tfjs-causal-lm';
import { loadT5Weights, type T5AttentionWeights, type T5FeedForwardWeights, type T5StackWeights, t5WeightTensors } from './load-t5-weights';
import { t5PositionBias } from './t5-relative-position-bucket';
import { t5LayerNames } from './t5-layer-names';
import { type T5Settings, t5Settings } from './t5-settings';

/** What one stack's run reads besides its input. */
interface StackContext {
  readonly tools: Seq2SeqPassTools;
  readonly pass: CausalLmPass;
  /** `[batch, 1, q, k]` padding (and decoder causality) bias, added to the position bias. */
  readonly mask: tf.Tensor4D;
  /** Decoder: the encoder output and its `[batch, 1, 1, src]` padding bias. */
  readonly memory?: { readonly states: tf.Tensor3D; readonly bias: tf.Tensor4D };
  readonly attentions?: tf.Tensor4D[];
  readonly crossAttentions?: tf.Tensor4D[];
  readonly hiddenStates?: tf.Tensor3D[];
}

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

  function runStack(side: 'encoder' | 'decoder', embeds: tf.Tensor3D, context: StackContext): tf.Tensor3D {
    const { tools, pass } = context;
    const stack = weights[side];
    const bias = selfBias(stack, embeds.shape[1], side === 'encoder', context.mask);
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

  function run(pass: CausalLmPass): CausalLmResult {
    const source = pass.encoder;
    if (!source) throw new InvalidInputError('The t5 model is an encoder-decoder: a pass needs encoder (the source embeddings and mask).', { code: 'INVALID_ARGUMENT' });
    const tools = seq2seqPassTools(pass);
    const [batch, seq] = pass.inputsEmbeds.shape;
    const sourceBias = keyPaddingBias(source.attentionMask);
    const encoderAttentions: tf.Tensor4D[] | undefined = pass.outputAttentions ? [] : undefined;
    const encoderHiddenStates: tf.Tensor3D[] | undefined = pass.outputHiddenStates ? [] : undefined;
    const encoded = runStack('encoder', source.inputsEmbeds, { tools, pass, mask: sourceBias, attentions: encoderAttentions, hiddenStates: encoderHiddenStates });

    const attentions: tf.Tensor4D[] | undefined = pass.outputAttentions ? [] : undefined;
    const crossAttentions: tf.Tensor4D[] | undefined = pass.outputAttentions ? [] : undefined;
    const hiddenStates: tf.Tensor3D[] | undefined = pass.outputHiddenStates ? [] : undefined;
    let decoded = runStack('decoder', pass.inputsEmbeds, {
      tools,
      pass,
      mask: tf.tensor4d(causalAttentionBias(pass.attentionMask), [batch, 1, seq, seq]),
      memory: { states: encoded, bias: sourceBias },
      attentions,
      crossAttentions,
      hiddenStates,
    });
    if (settings.tieWordEmbeddings) decoded = tf.mul(decoded, dModel ** -0.5);
    const project = (x: tf.Tensor2D) => weightMatMul(x, weights.lmHead, true);
    const logits = pass.logitsAt === 'all' ? tf.reshape(project(tf.reshape(decoded, [batch * seq, dModel])), [batch, seq, -1]) : project(lastColumn(decoded));
    return {
      logits,
      attentions,
      hiddenStates,
      layerActivation: tools.layerActivation(),
      nonlinearityInputs: tools.nonlinearityInputs,
      encoderAttentions,
      crossAttentions,
      encoderHiddenStates,
    };
  }

  return {
    config,
    embed: (inputIds) => embedRows(weights.shared, inputIds),
    layerNames: () => layerNames,
    run,
    dispose() {
      for (const tensor of t5WeightTensors(weights)) tensor.dispose();
    },
  };
}
