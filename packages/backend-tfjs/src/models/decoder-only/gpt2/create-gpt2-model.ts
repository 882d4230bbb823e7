import type { ModelConfig } from '@inseq/core';
import * as tf from '../../../tf';
import { activations, elementwiseActivations } from '../../../ops/activations';
import { conv1d } from '../../../ops/conv1d';
import { layerNorm } from '../../../ops/layer-norm';
import { rescaledActivation } from '../../../ops/rescaled-activation';
import { weightMatMul } from '../../../ops/weight-mat-mul';
import type { SafetensorsFile } from '../../../safetensors/read-safetensors';
import { causalAttentionBias } from '../../causal-attention-bias';
import { positionIdsFromMask } from '../../position-ids-from-mask';
import { lastColumn, lookup, valueMask } from '../../pass-tools';
import type { CausalLmPass, CausalLmResult, TfjsCausalLm } from '../../tfjs-causal-lm';
import { gpt2Attention } from './gpt2-attention';
import { gpt2LayerNames } from './gpt2-layer-names';
import { gpt2Settings } from './gpt2-settings';
import { loadGpt2Weights } from './load-gpt2-weights';

/**
 * GPT-2 as HF `GPT2LMHeadModel` computes it (eager attention, float32), in tfjs ops: token +
 * position embeddings, pre-LayerNorm blocks of causal multi-head attention and a GELU MLP, a final
 * LayerNorm and the LM head (tied to `wte` unless config.json unties it). A pass can also return
 * HF's `attentions` and `hidden_states`, capture or replace a named layer (see
 * {@link gpt2LayerNames}), zero value vectors, run HF's dropout placements (`embd_pdrop` after the
 * embeddings, `attn_pdrop` on the attention weights, `resid_pdrop` on the attention and MLP
 * outputs), and rescale the MLP activation for DeepLIFT.
 *
 * @param config - From {@link parseGpt2Config}.
 * @param file - The model's safetensors; its tensors are copied into tfjs and may be dropped after.
 * @param fileName - How the file is named in errors.
 */
export function createGpt2Model(config: ModelConfig, file: SafetensorsFile, fileName: string): TfjsCausalLm {
  const settings = gpt2Settings(config);
  const weights = loadGpt2Weights(file, config, settings, fileName);
  const activation = activations[settings.activation];
  const elementwise = elementwiseActivations[settings.activation];
  const layerNames = Object.freeze(gpt2LayerNames(config.numLayers));
  const epsilon = settings.layerNormEpsilon;
  /** `[rows, hidden]` → `[rows, vocab]`. */
  const project = (x: tf.Tensor2D) => weightMatMul(x, weights.lmHead, true);

  function run(pass: CausalLmPass): CausalLmResult {
    const [batch, seq] = pass.inputsEmbeds.shape;
    const { dropout, layer: tap } = pass;
    let layerActivation: tf.Tensor3D | undefined;
    // Every named layer's output goes through here: the tap sees it and chooses what follows.
    const at = (name: string, output: tf.Tensor3D): tf.Tensor3D => {
      if (tap?.name !== name) return output;
      layerActivation = output;
      return tap.apply(output);
    };
    const attentions: tf.Tensor4D[] | undefined = pass.outputAttentions ? [] : undefined;
    const hiddenStates: tf.Tensor3D[] | undefined = pass.outputHiddenStates ? [] : undefined;
    const nonlinearityInputs: tf.Tensor[] | undefined = pass.recordNonlinearityInputs ? [] : undefined;
    const bias = tf.tensor4d(causalAttentionBias(pass.attentionMask), [batch, 1, seq, seq]);
    const positionIds = tf.tensor2d(positionIdsFromMask(pass.attentionMask), [batch, seq], 'int32');

    let h = tf.add(at('transformer.wte', pass.inputsEmbeds), lookup(weights.wpe, positionIds)) as tf.Tensor3D;
    if (dropout) h = dropout.apply(h, settings.embeddingDropout);
    weights.layers.forEach((layer, index) => {
      const block = `transformer.h.${index}`;
      hiddenStates?.push(h);
      const zeroing = pass.zeroValues?.layer === index ? pass.zeroValues : undefined;
      const attention = gpt2Attention(at(`${block}.ln_1`, layerNorm(h, layer.ln1Weight, layer.ln1Bias, epsilon)), layer, {
        numHeads: config.numHeads,
        settings,
        index,
        bias,
        valueMask: zeroing && valueMask(zeroing.positions, seq),
        dropout,
      });
      attentions?.push(attention.probabilities);
      h = tf.add(h, at(`${block}.attn`, attention.output));
      const inner = conv1d(at(`${block}.ln_2`, layerNorm(h, layer.ln2Weight, layer.ln2Bias, epsilon)), layer.fcWeight, layer.fcBias);
      nonlinearityInputs?.push(inner);
      const reference = pass.rescaleReferences?.[index];
      const activated = (reference ? rescaledActivation(elementwise, inner, reference) : activation(inner)) as tf.Tensor3D;
      let mlp = conv1d(activated, layer.mlpProjectionWeight, layer.mlpProjectionBias);
      if (dropout) mlp = dropout.apply(mlp, settings.residualDropout);
      h = at(block, tf.add(h, at(`${block}.mlp`, mlp)));
    });

    const normalize = <T extends tf.Tensor>(x: T) => layerNorm(x, weights.lnFWeight, weights.lnFBias, epsilon);
    let logits: tf.Tensor;
    if (pass.logitsAt === 'all' || hiddenStates || tap?.name === 'transformer.ln_f') {
      const final = at('transformer.ln_f', normalize(h));
      // As HF: the last hidden state is taken after ln_f.
      hiddenStates?.push(final);
      logits = pass.logitsAt === 'all' ? tf.reshape(project(tf.reshape(final, [-1, final.shape[2]])), [batch, seq, -1]) : project(lastColumn(final));
    } else {
      // LayerNorm is per position, so only the last column (every row's last real token) is normalised.
      logits = project(normalize(lastColumn(h)));
    }
    return { logits, attentions, hiddenStates, layerActivation, nonlinearityInputs };
  }

  return {
    config,
    embed: (inputIds) => lookup(weights.wte, inputIds),
    layerNames: () => layerNames,
    run,
    dispose() {
      const all = [weights.wte, weights.wpe, weights.lnFWeight, weights.lnFBias, weights.lmHead];
      for (const layer of weights.layers) all.push(...Object.values(layer));
      for (const tensor of new Set(all)) tensor.dispose();
    },
  };
}
