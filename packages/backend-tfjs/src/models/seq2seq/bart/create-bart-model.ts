import { InvalidInputError, type ModelConfig } from '@inseq/core';
import * as tf from '../../../tf';
import { activations, elementwiseActivations } from '../../../ops/activations';
import { dense } from '../../../ops/dense';
import { layerNorm } from '../../../ops/layer-norm';
import { multiHeadAttention } from '../../../ops/multi-head-attention';
import { rescaledActivation } from '../../../ops/rescaled-activation';
import { weightMatMul } from '../../../ops/weight-mat-mul';
import type { SafetensorsFile } from '../../../safetensors/read-safetensors';
import { positionIdsFromMask } from '../../position-ids-from-mask';
import type { TfjsCausalLm } from '../../tfjs-causal-lm';
import { runSeq2SeqPass, type Seq2SeqStackContext } from '../run-seq2seq-pass';
import { bartLayerNames } from './bart-layer-names';
import { type BartSettings, bartSettings } from './bart-settings';
import { type BartAttentionWeights, type BartNormWeights, type BartStackWeights, bartWeightTensors, loadBartWeights } from './load-bart-weights';
import { embedRows, type Seq2SeqPassTools, valueMask } from '../seq2seq-pass-tools';

/** `nn.LayerNorm`'s default epsilon, which BART, mBART and Marian keep. */
const layerNormEpsilon = 1e-5;

/**
 * A BART-family encoder-decoder (`bart`, `mbart`, `marian`) as HF computes it (eager attention,
 * float32), in tfjs ops. Each stack: token embeddings × `embed_scale` (what `embed` returns and a
 * pass takes: the scale is never applied again to given embeddings), plus positions (BART/mBART's
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

  /** One stack; positions count from the left in the (right-padded) encoder and follow the mask in the (left-padded) decoder. */
  function runStack(side: 'encoder' | 'decoder', embeds: tf.Tensor3D, context: Seq2SeqStackContext): tf.Tensor3D {
    const { tools, pass } = context;
    const stack: BartStackWeights = weights[side];
    const [rows, length] = side === 'encoder' ? [1, embeds.shape[1]] : [embeds.shape[0], embeds.shape[1]];
    const ids = side === 'encoder' ? Int32Array.from({ length }, (_, i) => i) : positionIdsFromMask(pass.attentionMask);
    const positions = positionRows(stack.positions, ids, rows, length);
    const heads = settings[side].heads;
    const prefix = `model.${side}`;
    // `embeds` are the attributed tensor, token rows × embed_scale already (see `embed`).
    let h = tf.add(tools.at(`${prefix}.embed_tokens`, embeds), positions) as tf.Tensor3D;
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

  const project = (rows: tf.Tensor2D) => tf.add(weightMatMul(rows, weights.lmHead, true), weights.finalLogitsBias) as tf.Tensor2D;

  return {
    config,
    // The tensor Python Inseq attributes (`embed_ids`): token rows × embed_scale, before positions.
    embed: (inputIds, side = 'decoder') => {
      const rows = embedRows(weights[side].embed, inputIds);
      if (embedScale === 1) return rows;
      const scaled = tf.mul(rows, embedScale) as tf.Tensor3D;
      rows.dispose();
      return scaled;
    },
    layerNames: () => layerNames,
    run: (pass) => runSeq2SeqPass({ modelType: settings.modelType, runStack, project }, pass),
    dispose() {
      for (const tensor of bartWeightTensors(weights)) tensor.dispose();
    },
  };
}
