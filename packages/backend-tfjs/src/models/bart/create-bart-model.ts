import { InvalidInputError, type ModelConfig } from '@inseq/core';
import * as tf from '@tensorflow/tfjs';
import { activations, elementwiseActivations } from '../../ops/activations';
import { dense } from '../../ops/dense';
import { layerNorm } from '../../ops/layer-norm';
import { multiHeadAttention } from '../../ops/multi-head-attention';
import { rescaledActivation } from '../../ops/rescaled-activation';
import { weightMatMul } from '../../ops/weight-mat-mul';
import type { SafetensorsFile } from '../../safetensors/read-safetensors';
import { causalAttentionBias } from '../causal-attention-bias';
import { positionIdsFromMask } from '../position-ids-from-mask';
import type { CausalLmPass, CausalLmResult, TfjsCausalLm } from '../tfjs-causal-lm';
import { bartLayerNames } from './bart-layer-names';
import { type BartSettings, bartSettings } from './bart-settings';
import { type BartAttentionWeights, type BartNormWeights, type BartStackWeights, bartWeightTensors, loadBartWeights } from './load-bart-weights';
import { embedRows, keyPaddingBias, lastColumn, type Seq2SeqPassTools, seq2seqPassTools, valueMask } from './seq2seq-pass-tools';

/** `nn.LayerNorm`'s default epsilon, which BART, mBART and Marian keep. */
const layerNormEpsilon = 1e-5;

/** What one stack's run reads besides its input. */
interface StackContext {
  readonly tools: Seq2SeqPassTools;
  readonly pass: CausalLmPass;
  /** `[batch, 1, q, k]` self-attention bias (padding, and causality in the decoder). */
  readonly selfBias: tf.Tensor4D;
  /** Decoder: the encoder output and its `[batch, 1, 1, src]` padding bias. */
  readonly memory?: { readonly states: tf.Tensor3D; readonly bias: tf.Tensor4D };
  readonly attentions?: tf.Tensor4D[];
  readonly crossAttentions?: tf.Tensor4D[];
  readonly hiddenStates?: tf.Tensor3D[];
}

/**
 * A BART-family encoder-decoder (`bart`, `mbart`, `marian`) as HF computes it (eager attention,
 * float32), in tfjs ops. Each stack: token embeddings × `embed_scale`, plus positions (BART/mBART's
 * learned table at row p + 2, Marian's sinusoids at row p), BART/mBART's `layernorm_embedding`;
 * layers of self-attention, (decoder) cross-attention and `fc2(act(fc1(x)))`, each a residual
 * sublayer, post-norm (BART, Marian) or pre-norm with a final `layer_norm` (mBART); logits
 * `lm_head(x) + final_logits_bias`. Encoder positions count from the left (the source is
 * right-padded); decoder positions follow the mask (its prefix is left-padded), so a padded row
 * equals its unpadded run. A pass returns HF's `decoder_attentions` (as `attentions`),
 * `encoder_attentions`, `cross_attentions` and both stacks' hidden states when asked, captures or
 * replaces the layers of {@link bartLayerNames}, zeroes decoder self-attention value vectors (after
 * `v_proj`), applies the config's dropout rates in dropout passes, and rescales the feed-forward
 * activation (encoder layers, then decoder layers) for DeepLIFT.
 */
export function createBartModel(config: ModelConfig, file: SafetensorsFile, fileName: string): TfjsCausalLm {
  const settings: BartSettings = bartSettings(config);
  const weights = loadBartWeights(file, settings, fileName);
  const activation = activations[settings.activation];
  const elementwise = elementwiseActivations[settings.activation];
  const layerNames = Object.freeze(bartLayerNames(settings));
  const { dModel, preNorm, embedScale } = settings;
  const positionOffset = settings.positions === 'learned' ? 2 : 0;
  const norm = (x: tf.Tensor3D, weights: BartNormWeights) => layerNorm(x, weights.weight, weights.bias, layerNormEpsilon);

  function attention(x: tf.Tensor3D, memory: tf.Tensor3D, w: BartAttentionWeights, heads: number, bias: tf.Tensor4D, tools: Seq2SeqPassTools, values?: tf.Tensor3D) {
    let value = dense(memory, w.v, w.vBias);
    if (values) value = tf.mul(value, values);
    const { context, probabilities } = multiHeadAttention({
      query: dense(x, w.q, w.qBias),
      key: dense(memory, w.k, w.kBias),
      value,
      heads,
      scale: 1 / Math.sqrt(dModel / heads),
      bias,
      dropout: (p) => tools.drop(p, settings.attentionDropout),
    });
    return { output: dense(context, w.out, w.outBias), probabilities };
  }

  /** `LN(x + drop(f(x)))` (post-norm) or `x + drop(f(LN(x)))` (pre-norm), with the taps of both names. */
  function residual(x: tf.Tensor3D, normWeights: BartNormWeights, normName: string, outputName: string, tools: Seq2SeqPassTools, f: (input: tf.Tensor3D) => tf.Tensor3D) {
    if (preNorm) return tf.add(x, tools.drop(tools.at(outputName, f(tools.at(normName, norm(x, normWeights)))), settings.dropout)) as tf.Tensor3D;
    return tools.at(normName, norm(tf.add(x, tools.drop(tools.at(outputName, f(x)), settings.dropout)) as tf.Tensor3D, normWeights));
  }

  /** Rows of a stack's position table for position ids `[rows · seq]`: `[rows, seq, dModel]` (rows 1: shared by the batch). */
  function positionRows(table: tf.Tensor2D, ids: Int32Array, rows: number, seq: number): tf.Tensor3D {
    const largest = ids.reduce((a, b) => Math.max(a, b), 0);
    if (largest >= settings.maxPositions) {
      throw new InvalidInputError(
        `A ${settings.modelType} sequence reaches position ${largest}, beyond the model's ${settings.maxPositions} positions (max_position_embeddings); shorten the input.`, { code: 'INVALID_ARGUMENT' },
      );
    }
    const offset = positionOffset === 0 ? ids : ids.map((id) => id + positionOffset);
    return tf.reshape(tf.gather(table, tf.tensor1d(offset, 'int32')), [rows, seq, dModel]);
  }

  function runStack(side: 'encoder' | 'decoder', embeds: tf.Tensor3D, positions: tf.Tensor3D, context: StackContext): tf.Tensor3D {
    const { tools, pass } = context;
    const stack: BartStackWeights = weights[side];
    const heads = settings[side].heads;
    const prefix = `model.${side}`;
    let h = tools.at(`${prefix}.embed_tokens`, embeds);
    if (embedScale !== 1) h = tf.mul(h, embedScale);
    h = tf.add(h, positions);
    if (stack.layernormEmbedding) h = tools.at(`${prefix}.layernorm_embedding`, norm(h, stack.layernormEmbedding));
    h = tools.drop(h, settings.dropout);
    stack.layers.forEach((layer, index) => {
      const p = `${prefix}.layers.${index}`;
      context.hiddenStates?.push(h);
      const zeroing = side === 'decoder' && pass.zeroValues?.layer === index ? pass.zeroValues : undefined;
      const values = zeroing && valueMask(zeroing.positions, h.shape[1]);
      h = residual(h, layer.selfAttentionNorm, `${p}.self_attn_layer_norm`, `${p}.self_attn`, tools, (x) => {
        const result = attention(x, x, layer.selfAttention, heads, context.selfBias, tools, values);
        context.attentions?.push(result.probabilities);
        return result.output;
      });
      const memory = context.memory;
      if (memory && layer.crossAttention && layer.crossAttentionNorm) {
        const weights = layer.crossAttention;
        h = residual(h, layer.crossAttentionNorm, `${p}.encoder_attn_layer_norm`, `${p}.encoder_attn`, tools, (x) => {
          const result = attention(x, memory.states, weights, heads, memory.bias, tools);
          context.crossAttentions?.push(result.probabilities);
          return result.output;
        });
      }
      h = residual(h, layer.finalNorm, `${p}.final_layer_norm`, `${p}.fc2`, tools, (x) => {
        const inner = tools.nonlinearity(dense(x, layer.fc1, layer.fc1Bias), activation, (input, reference) => rescaledActivation(elementwise, input, reference));
        return dense(tools.drop(inner, settings.activationDropout), layer.fc2, layer.fc2Bias);
      });
      h = tools.at(p, h);
    });
    if (stack.finalNorm) h = tools.at(`${prefix}.layer_norm`, norm(h, stack.finalNorm));
    context.hiddenStates?.push(h);
    return h;
  }

  function run(pass: CausalLmPass): CausalLmResult {
    const source = pass.encoder;
    if (!source) {
      throw new InvalidInputError(`The ${settings.modelType} model is an encoder-decoder: a pass needs encoder (the source embeddings and mask).`, { code: 'INVALID_ARGUMENT' });
    }
    const tools = seq2seqPassTools(pass);
    const [batch, seq] = pass.inputsEmbeds.shape;
    const sourceLength = source.inputsEmbeds.shape[1];
    const sourceBias = keyPaddingBias(source.attentionMask);
    const encoderAttentions: tf.Tensor4D[] | undefined = pass.outputAttentions ? [] : undefined;
    const encoderHiddenStates: tf.Tensor3D[] | undefined = pass.outputHiddenStates ? [] : undefined;
    const encoded = runStack('encoder', source.inputsEmbeds, positionRows(weights.encoder.positions, Int32Array.from({ length: sourceLength }, (_, i) => i), 1, sourceLength), {
      tools,
      pass,
      selfBias: sourceBias,
      attentions: encoderAttentions,
      hiddenStates: encoderHiddenStates,
    });

    const attentions: tf.Tensor4D[] | undefined = pass.outputAttentions ? [] : undefined;
    const crossAttentions: tf.Tensor4D[] | undefined = pass.outputAttentions ? [] : undefined;
    const hiddenStates: tf.Tensor3D[] | undefined = pass.outputHiddenStates ? [] : undefined;
    const decoded = runStack('decoder', pass.inputsEmbeds, positionRows(weights.decoder.positions, positionIdsFromMask(pass.attentionMask), batch, seq), {
      tools,
      pass,
      selfBias: tf.tensor4d(causalAttentionBias(pass.attentionMask), [batch, 1, seq, seq]),
      memory: { states: encoded, bias: sourceBias },
      attentions,
      crossAttentions,
      hiddenStates,
    });
    const project = (x: tf.Tensor2D) => tf.add(weightMatMul(x, weights.lmHead, true), weights.finalLogitsBias) as tf.Tensor2D;
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
    embed: (inputIds, side = 'decoder') => embedRows(weights[side].embed, inputIds),
    layerNames: () => layerNames,
    run,
    dispose() {
      for (const tensor of bartWeightTensors(weights)) tensor.dispose();
    },
  };
}
