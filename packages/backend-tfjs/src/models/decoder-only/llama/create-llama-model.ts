import type { IntTensor, ModelConfig } from '@inseq/core';
import * as tf from '../../../tf';
import { activations, elementwiseActivations } from '../../../ops/activations';
import { batchedMatMul } from '../../../ops/batched-mat-mul';
import { rescaledActivation } from '../../../ops/rescaled-activation';
import { weightMatMul } from '../../../ops/weight-mat-mul';
import type { SafetensorsFile } from '../../../safetensors/read-safetensors';
import { maskedScore } from '../../causal-attention-bias';
import { positionIdsFromMask } from '../../position-ids-from-mask';
import { lastColumn, lookup, valueMask } from '../../pass-tools';
import type { CausalLmPass, CausalLmResult, TfjsCausalLm } from '../../tfjs-causal-lm';
import { llamaLayerNames } from './llama-layer-names';
import { type LlamaSettings, llamaSettings } from './llama-settings';
import { type LlamaLayerWeights, loadLlamaWeights } from './load-llama-weights';

/** `x @ W (+ b)` over the last axis, W `[in, out]` taking no gradient. */
function dense(x: tf.Tensor3D, weight: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor3D {
  const [batch, seq, inSize] = x.shape;
  let flat = weightMatMul(tf.reshape(x, [batch * seq, inSize]), weight);
  if (bias) flat = tf.add(flat, bias);
  return tf.reshape(flat, [batch, seq, weight.shape[1]]);
}

/** RMSNorm `x / √(mean(x²) + ε) · scale` over the last axis (gemma's `1 + w` is in `scale` already). */
function rmsNorm<T extends tf.Tensor>(x: T, scale: tf.Tensor1D, epsilon: number): T {
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), epsilon))), scale) as T;
}

/**
 * The additive bias of causal attention over a left-padded batch, optionally with a sliding
 * window (keys `window` or more positions behind the query are masked, as Mistral's).
 */
function attentionBias(mask: IntTensor, window: number | undefined): Float32Array {
  const [batch, seq] = mask.shape;
  const bias = new Float32Array(batch * seq * seq);
  for (let b = 0; b < batch; b++) {
    for (let q = 0; q < seq; q++) {
      for (let k = 0; k < seq; k++) {
        const hidden = k > q || mask.data[b * seq + k] === 0 || (window !== undefined && q - k >= window);
        if (hidden) bias[(b * seq + q) * seq + k] = maskedScore;
      }
    }
  }
  return bias;
}

/** cos and sin of `position · invFreq`, repeated over both halves: `[batch, 1, seq, headDim]` each. */
function rotaryTables(positions: Int32Array, batch: number, seq: number, inverse: Float64Array): [tf.Tensor4D, tf.Tensor4D] {
  const half = inverse.length;
  const headDim = 2 * half;
  const cos = new Float32Array(batch * seq * headDim);
  const sin = new Float32Array(batch * seq * headDim);
  for (let i = 0; i < batch * seq; i++) {
    for (let f = 0; f < half; f++) {
      const angle = positions[i] * inverse[f];
      cos[i * headDim + f] = cos[i * headDim + f + half] = Math.cos(angle);
      sin[i * headDim + f] = sin[i * headDim + f + half] = Math.sin(angle);
    }
  }
  return [tf.tensor4d(cos, [batch, 1, seq, headDim]), tf.tensor4d(sin, [batch, 1, seq, headDim])];
}

/** HF's `apply_rotary_pos_emb`: `x · cos + rotate_half(x) · sin`, rotate_half = `[−x₂, x₁]`. */
function rotate(x: tf.Tensor4D, cos: tf.Tensor4D, sin: tf.Tensor4D): tf.Tensor4D {
  const half = x.shape[3] / 2;
  const [first, second] = tf.split(x, [half, half], 3);
  return tf.add(tf.mul(x, cos), tf.mul(tf.concat([tf.neg(second), first], 3), sin)) as tf.Tensor4D;
}

/**
 * A Llama-family causal LM (`llama`, `mistral`, `qwen2`, `gemma`) as HF computes it (eager
 * attention, float32), in tfjs ops: RMSNorm pre-norm layers of rotary grouped-query attention and
 * a gated MLP `down(act(gate(x)) · up(x))`, a final RMSNorm and the LM head. A pass returns HF's
 * `attentions` and `hidden_states` when asked, captures or replaces the layers of
 * {@link llamaLayerNames}, zeroes value vectors (after `v_proj`, per key head), applies
 * `attention_dropout` in dropout passes, and rescales the gate activation for DeepLIFT.
 */
export function createLlamaModel(config: ModelConfig, file: SafetensorsFile, fileName: string): TfjsCausalLm {
  const settings: LlamaSettings = llamaSettings(config);
  const weights = loadLlamaWeights(file, config, settings, fileName);
  const activation = activations[settings.activation];
  const elementwise = elementwiseActivations[settings.activation];
  const layerNames = Object.freeze(llamaLayerNames(config.numLayers));
  const { headDim, numKeyValueHeads: kvHeads, rmsNormEpsilon: epsilon } = settings;
  const numHeads = config.numHeads;
  const group = numHeads / kvHeads;
  // HF gemma multiplies by √hidden in the hidden states' dtype.
  const embedScale = settings.gemma ? Math.fround(Math.sqrt(config.hiddenSize)) : 1;

  function attention(
    x: tf.Tensor3D,
    layer: LlamaLayerWeights,
    context: { bias: tf.Tensor4D; cos: tf.Tensor4D; sin: tf.Tensor4D; valueMask?: tf.Tensor3D; pass: CausalLmPass },
  ): { output: tf.Tensor3D; probabilities: tf.Tensor4D } {
    const [batch, seq] = x.shape;
    const split = (t: tf.Tensor3D, heads: number) => tf.transpose(tf.reshape(t, [batch, seq, heads, headDim]), [0, 2, 1, 3]) as tf.Tensor4D;
    const query = rotate(split(dense(x, layer.q, layer.qBias), numHeads), context.cos, context.sin);
    const key = rotate(split(dense(x, layer.k, layer.kBias), kvHeads), context.cos, context.sin);
    let projected = dense(x, layer.v, layer.vBias);
    if (context.valueMask) projected = tf.mul(projected, context.valueMask);
    const value = split(projected, kvHeads);
    // Grouped-query attention: query head h reads key/value head ⌊h / group⌋ (HF's repeat_kv).
    const repeat = (t: tf.Tensor4D) =>
      // Rank-3 tile (tfjs has no rank-5 tile gradient): [batch · kv, 1, seq · d] → [batch · kv, group, seq · d].
      group === 1
        ? t
        : (tf.reshape(tf.tile(tf.reshape(t, [batch * kvHeads, 1, seq * headDim]), [1, group, 1]), [batch, numHeads, seq, headDim]) as tf.Tensor4D);
    const groups = batch * numHeads;
    const flat = (t: tf.Tensor4D) => tf.reshape<tf.Rank.R3>(t, [groups, seq, headDim]);
    const scores = tf.reshape(batchedMatMul(flat(query), flat(repeat(key)), false, true), [batch, numHeads, seq, seq]);
    let probabilities = tf.softmax(tf.add(tf.mul(scores, 1 / Math.sqrt(headDim)), context.bias)) as tf.Tensor4D;
    if (context.pass.dropout && settings.attentionDropout > 0) probabilities = context.pass.dropout.apply(probabilities, settings.attentionDropout);
    const weighted = batchedMatMul(tf.reshape<tf.Rank.R3>(probabilities, [groups, seq, seq]), flat(repeat(value)));
    const merged = tf.reshape(tf.transpose(tf.reshape(weighted, [batch, numHeads, seq, headDim]), [0, 2, 1, 3]), [batch, seq, numHeads * headDim]) as tf.Tensor3D;
    return { output: dense(merged, layer.o, layer.oBias), probabilities };
  }

  function run(pass: CausalLmPass): CausalLmResult {
    const [batch, seq] = pass.inputsEmbeds.shape;
    const tap = pass.layer;
    let layerActivation: tf.Tensor3D | undefined;
    const at = (name: string, output: tf.Tensor3D): tf.Tensor3D => {
      if (tap?.name !== name) return output;
      layerActivation = output;
      return tap.apply(output);
    };
    const attentions: tf.Tensor4D[] | undefined = pass.outputAttentions ? [] : undefined;
    const hiddenStates: tf.Tensor3D[] | undefined = pass.outputHiddenStates ? [] : undefined;
    const nonlinearityInputs: tf.Tensor[] | undefined = pass.recordNonlinearityInputs ? [] : undefined;
    const bias = tf.tensor4d(attentionBias(pass.attentionMask, settings.slidingWindow), [batch, 1, seq, seq]);
    const [cos, sin] = rotaryTables(positionIdsFromMask(pass.attentionMask), batch, seq, settings.inverseFrequencies);

    let h = at('model.embed_tokens', pass.inputsEmbeds);
    if (embedScale !== 1) h = tf.mul(h, embedScale);
    weights.layers.forEach((layer, index) => {
      const p = `model.layers.${index}`;
      hiddenStates?.push(h);
      const zeroing = pass.zeroValues?.layer === index ? pass.zeroValues : undefined;
      const normed = at(`${p}.input_layernorm`, rmsNorm(h, layer.inputNorm, epsilon));
      const result = attention(normed, layer, { bias, cos, sin, valueMask: zeroing && valueMask(zeroing.positions, seq), pass });
      attentions?.push(result.probabilities);
      h = tf.add(h, at(`${p}.self_attn`, result.output));
      const normed2 = at(`${p}.post_attention_layernorm`, rmsNorm(h, layer.postNorm, epsilon));
      const gate = dense(normed2, layer.gate, layer.gateBias);
      nonlinearityInputs?.push(gate);
      const reference = pass.rescaleReferences?.[index];
      const activated = (reference ? rescaledActivation(elementwise, gate, reference) : activation(gate)) as tf.Tensor3D;
      const mlp = dense(tf.mul(activated, dense(normed2, layer.up, layer.upBias)) as tf.Tensor3D, layer.down, layer.downBias);
      h = at(p, tf.add(h, at(`${p}.mlp`, mlp)));
    });
    const project = (x: tf.Tensor2D) => weightMatMul(x, weights.lmHead, true);
    let logits: tf.Tensor;
    if (pass.logitsAt === 'all' || hiddenStates || tap?.name === 'model.norm') {
      const final = at('model.norm', rmsNorm(h, weights.finalNorm, epsilon));
      hiddenStates?.push(final);
      logits = pass.logitsAt === 'all' ? tf.reshape(project(tf.reshape(final, [-1, final.shape[2]])), [batch, seq, -1]) : project(lastColumn(final));
    } else {
      logits = project(rmsNorm(lastColumn(h), weights.finalNorm, epsilon));
    }
    return { logits, attentions, hiddenStates, layerActivation, nonlinearityInputs };
  }

  return {
    config,
    embed: (inputIds) => lookup(weights.embed, inputIds),
    layerNames: () => layerNames,
    run,
    dispose() {
      const all: tf.Tensor[] = [weights.embed, weights.finalNorm, weights.lmHead];
      for (const layer of weights.layers) for (const tensor of Object.values(layer)) if (tensor) all.push(tensor);
      for (const tensor of new Set(all)) tensor.dispose();
    },
  };
}
