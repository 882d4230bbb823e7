import type { IntTensor, ModelConfig } from '@inseq/core';
import * as tf from '@tensorflow/tfjs';
import { activations } from '../../ops/activations';
import { batchedMatMul } from '../../ops/batched-mat-mul';
import { conv1d } from '../../ops/conv1d';
import { layerNorm } from '../../ops/layer-norm';
import { weightMatMul } from '../../ops/weight-mat-mul';
import type { SafetensorsFile } from '../../safetensors/read-safetensors';
import { causalAttentionBias } from '../causal-attention-bias';
import { positionIdsFromMask } from '../position-ids-from-mask';
import type { TfjsCausalLm } from '../tfjs-causal-lm';
import { gpt2Settings } from './gpt2-settings';
import { type Gpt2LayerWeights, loadGpt2Weights } from './load-gpt2-weights';

/**
 * GPT-2 as HF `GPT2LMHeadModel` computes it (eager attention, float32), in tfjs ops: token +
 * position embeddings, pre-LayerNorm blocks of causal multi-head attention and a GELU MLP, a final
 * LayerNorm and the LM head (tied to `wte` unless config.json unties it).
 *
 * @param config - From {@link parseGpt2Config}.
 * @param file - The model's safetensors; its tensors are copied into tfjs and may be dropped after.
 * @param fileName - How the file is named in errors.
 */
export function createGpt2Model(config: ModelConfig, file: SafetensorsFile, fileName: string): TfjsCausalLm {
  const settings = gpt2Settings(config);
  const weights = loadGpt2Weights(file, config, settings, fileName);
  const activation = activations[settings.activation];
  const headSize = config.hiddenSize / config.numHeads;

  function attention(x: tf.Tensor3D, layer: Gpt2LayerWeights, index: number, bias: tf.Tensor4D): tf.Tensor3D {
    const [batch, seq, hidden] = x.shape;
    const groups = batch * config.numHeads;
    const qkv = conv1d(x, layer.qkvWeight, layer.qkvBias);
    // [batch, seq, hidden] → [batch · heads, seq, headSize]
    const heads = (t: tf.Tensor3D) =>
      tf.reshape<tf.Rank.R3>(tf.transpose(tf.reshape(t, [batch, seq, config.numHeads, headSize]), [0, 2, 1, 3]), [groups, seq, headSize]);
    const [query, key, value] = tf.split(qkv, 3, 2) as tf.Tensor3D[];
    let scale = settings.scaleAttentionWeights ? 1 / Math.sqrt(headSize) : 1;
    if (settings.scaleAttentionByInverseLayerIndex) scale /= index + 1;
    const scores = tf.reshape(batchedMatMul(heads(query), heads(key), false, true), [batch, config.numHeads, seq, seq]);
    const probabilities = tf.reshape<tf.Rank.R3>(tf.softmax(tf.add(tf.mul(scores, scale), bias)), [groups, seq, seq]);
    const context = tf.reshape(batchedMatMul(probabilities, heads(value)), [batch, config.numHeads, seq, headSize]);
    const merged = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch, seq, hidden]) as tf.Tensor3D;
    return conv1d(merged, layer.attentionProjectionWeight, layer.attentionProjectionBias);
  }

  function mlp(x: tf.Tensor3D, layer: Gpt2LayerWeights): tf.Tensor3D {
    const inner = activation(conv1d(x, layer.fcWeight, layer.fcBias)) as tf.Tensor3D;
    return conv1d(inner, layer.mlpProjectionWeight, layer.mlpProjectionBias);
  }

  return {
    config,
    embed: (inputIds) => lookup(weights.wte, inputIds),
    lastLogits(inputsEmbeds: tf.Tensor3D, attentionMask: IntTensor): tf.Tensor2D {
      const [batch, seq, hidden] = inputsEmbeds.shape;
      const epsilon = settings.layerNormEpsilon;
      const positionIds = tf.tensor2d(positionIdsFromMask(attentionMask), [batch, seq], 'int32');
      const bias = tf.tensor4d(causalAttentionBias(attentionMask), [batch, 1, seq, seq]);
      let h: tf.Tensor3D = tf.add(inputsEmbeds, lookup(weights.wpe, positionIds));
      weights.layers.forEach((layer, index) => {
        h = tf.add(h, attention(layerNorm(h, layer.ln1Weight, layer.ln1Bias, epsilon), layer, index, bias));
        h = tf.add(h, mlp(layerNorm(h, layer.ln2Weight, layer.ln2Bias, epsilon), layer));
      });
      // Left padding puts every row's last real token in the last column; only it is projected.
      const last = tf.reshape(tf.slice(h, [0, seq - 1, 0], [batch, 1, hidden]), [batch, hidden]) as tf.Tensor2D;
      return weightMatMul(layerNorm(last, weights.lnFWeight, weights.lnFBias, epsilon), weights.lmHead, true);
    },
    dispose() {
      const all = [weights.wte, weights.wpe, weights.lnFWeight, weights.lnFBias, weights.lmHead];
      for (const layer of weights.layers) all.push(...Object.values(layer));
      for (const tensor of new Set(all)) tensor.dispose();
    },
  };
}

/** Rows of `table` (`[n, hidden]`) at `ids` (`[batch, seq]`): `[batch, seq, hidden]`. */
function lookup(table: tf.Tensor2D, ids: tf.Tensor2D): tf.Tensor3D {
  const [batch, seq] = ids.shape;
  return tf.reshape<tf.Rank.R3>(tf.gather(table, tf.reshape(ids, [batch * seq])), [batch, seq, table.shape[1]]);
}
