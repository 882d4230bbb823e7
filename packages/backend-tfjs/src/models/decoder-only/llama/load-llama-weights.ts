import { type ModelConfig, ModelLoadError } from '@inseq/core';
import * as tf from '../../../tf';
import { checkExpectedWeights } from '../../check-weights';
import { canonicalWeightNames, separateLmHead } from '../../weight-names';
import type { SafetensorsFile } from '../../../safetensors/read-safetensors';
import type { LlamaSettings } from './llama-settings';

/** One decoder layer; linear weights transposed once to `[in, out]` (the fast wasm matMul layout). */
export interface LlamaLayerWeights {
  /** RMSNorm scale (gemma: `1 + weight`). */
  readonly inputNorm: tf.Tensor1D;
  readonly q: tf.Tensor2D;
  readonly k: tf.Tensor2D;
  readonly v: tf.Tensor2D;
  readonly o: tf.Tensor2D;
  readonly qBias?: tf.Tensor1D;
  readonly kBias?: tf.Tensor1D;
  readonly vBias?: tf.Tensor1D;
  readonly oBias?: tf.Tensor1D;
  readonly postNorm: tf.Tensor1D;
  readonly gate: tf.Tensor2D;
  readonly up: tf.Tensor2D;
  readonly down: tf.Tensor2D;
  readonly gateBias?: tf.Tensor1D;
  readonly upBias?: tf.Tensor1D;
  readonly downBias?: tf.Tensor1D;
}

/** Every weight of a Llama-family causal LM as tfjs tensors. */
export interface LlamaWeights {
  /** `[vocab, hidden]`. */
  readonly embed: tf.Tensor2D;
  readonly layers: readonly LlamaLayerWeights[];
  readonly finalNorm: tf.Tensor1D;
  /** `[vocab, hidden]`; `embed` itself when tied. */
  readonly lmHead: tf.Tensor2D;
}

/**
 * Turns a Llama-family safetensors file (`model.layers.0.self_attn.q_proj.weight`, …, as
 * `LlamaForCausalLM` saves it, or without `model.` as `LlamaModel` does) into tfjs tensors after
 * checking every name and shape against the config; `lm_head.weight` is read only when
 * `tie_word_embeddings` is false; rotary buffers and other extras are ignored.
 *
 * @throws {@link ModelLoadError} `'INVALID_FILE'` naming missing or misshapen tensors.
 */
export function loadLlamaWeights(file: SafetensorsFile, config: ModelConfig, settings: LlamaSettings, fileName: string): LlamaWeights {
  const byName = canonicalWeightNames(file.tensors, { prefix: 'model.', canonical: 'prefixed', headNames: ['lm_head.weight'] }, fileName);
  const { hiddenSize: hidden, vocabSize: vocab, numHeads, modelType } = config;
  const { headDim, numKeyValueHeads: kvHeads, intermediateSize: inner } = settings;
  const expected = new Map<string, number[]>([
    ['model.embed_tokens.weight', [vocab, hidden]],
    ['model.norm.weight', [hidden]],
  ]);
  const untied = separateLmHead(byName, settings.tieWordEmbeddings, fileName);
  if (untied) expected.set('lm_head.weight', [vocab, hidden]);
  for (let i = 0; i < config.numLayers; i++) {
    const p = `model.layers.${i}`;
    const entries: [string, number[]][] = [
      ['input_layernorm.weight', [hidden]],
      ['self_attn.q_proj.weight', [numHeads * headDim, hidden]],
      ['self_attn.k_proj.weight', [kvHeads * headDim, hidden]],
      ['self_attn.v_proj.weight', [kvHeads * headDim, hidden]],
      ['self_attn.o_proj.weight', [hidden, numHeads * headDim]],
      ['post_attention_layernorm.weight', [hidden]],
      ['mlp.gate_proj.weight', [inner, hidden]],
      ['mlp.up_proj.weight', [inner, hidden]],
      ['mlp.down_proj.weight', [hidden, inner]],
    ];
    if (settings.attentionBias) {
      entries.push(['self_attn.q_proj.bias', [numHeads * headDim]], ['self_attn.k_proj.bias', [kvHeads * headDim]], ['self_attn.v_proj.bias', [kvHeads * headDim]]);
    }
    if (settings.outputBias) entries.push(['self_attn.o_proj.bias', [hidden]]);
    if (settings.mlpBias) entries.push(['mlp.gate_proj.bias', [inner]], ['mlp.up_proj.bias', [inner]], ['mlp.down_proj.bias', [hidden]]);
    for (const [name, shape] of entries) expected.set(`${p}.${name}`, shape);
  }
  checkExpectedWeights(byName, expected, fileName, (shown) =>
    `${fileName} lacks ${modelType} weights: ${shown}. Expected the tensors of a ${modelType} causal LM with ${config.numLayers} layers ` +
      `(named 'model.layers.0.self_attn.q_proj.weight', …); check that config.json belongs to these weights.`,
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
  /** nn.Linear's `[out, in]` as `[in, out]`. */
  const linear = (name: string): tf.Tensor2D => {
    const weight = raw(name);
    const transposed = keep(tf.transpose(weight) as tf.Tensor2D);
    weight.dispose();
    return transposed;
  };
  const vector = (name: string): tf.Tensor1D | undefined => (byName.has(name) ? keep(raw(name) as tf.Tensor1D) : undefined);
  const norm = (name: string): tf.Tensor1D => {
    if (!settings.gemma) return keep(raw(name) as tf.Tensor1D);
    const weight = raw(name);
    const shifted = keep(tf.add(weight, 1) as tf.Tensor1D);
    weight.dispose();
    return shifted;
  };
  try {
    const embed = keep(raw('model.embed_tokens.weight') as tf.Tensor2D);
    return {
      embed,
      layers: Array.from({ length: config.numLayers }, (_, i) => {
        const p = `model.layers.${i}`;
        return {
          inputNorm: norm(`${p}.input_layernorm.weight`),
          q: linear(`${p}.self_attn.q_proj.weight`),
          k: linear(`${p}.self_attn.k_proj.weight`),
          v: linear(`${p}.self_attn.v_proj.weight`),
          o: linear(`${p}.self_attn.o_proj.weight`),
          qBias: settings.attentionBias ? vector(`${p}.self_attn.q_proj.bias`) : undefined,
          kBias: settings.attentionBias ? vector(`${p}.self_attn.k_proj.bias`) : undefined,
          vBias: settings.attentionBias ? vector(`${p}.self_attn.v_proj.bias`) : undefined,
          oBias: settings.outputBias ? vector(`${p}.self_attn.o_proj.bias`) : undefined,
          postNorm: norm(`${p}.post_attention_layernorm.weight`),
          gate: linear(`${p}.mlp.gate_proj.weight`),
          up: linear(`${p}.mlp.up_proj.weight`),
          down: linear(`${p}.mlp.down_proj.weight`),
          gateBias: settings.mlpBias ? vector(`${p}.mlp.gate_proj.bias`) : undefined,
          upBias: settings.mlpBias ? vector(`${p}.mlp.up_proj.bias`) : undefined,
          downBias: settings.mlpBias ? vector(`${p}.mlp.down_proj.bias`) : undefined,
        };
      }),
      finalNorm: norm('model.norm.weight'),
      lmHead: untied ? keep(raw('lm_head.weight') as tf.Tensor2D) : embed,
    };
  } catch (error) {
    for (const tensor of created) tensor.dispose();
    throw error;
  }
}
