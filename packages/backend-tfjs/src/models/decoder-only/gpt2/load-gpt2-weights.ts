import { ModelLoadError, type ModelConfig } from '@inseq/core';
import * as tf from '../../../tf';
import { checkExpectedWeights } from '../../check-weights';
import { canonicalWeightNames, separateLmHead } from '../../weight-names';
import type { SafetensorsFile } from '../../../safetensors/read-safetensors';
import type { Gpt2Settings } from './gpt2-settings';

/** Weights of one transformer block, in HF `GPT2Block` layout (Conv1D weights are `[in, out]`). */
export interface Gpt2LayerWeights {
  readonly ln1Weight: tf.Tensor1D;
  readonly ln1Bias: tf.Tensor1D;
  /** `[hidden, 3 * hidden]`: q, k, v side by side. */
  readonly qkvWeight: tf.Tensor2D;
  readonly qkvBias: tf.Tensor1D;
  readonly attentionProjectionWeight: tf.Tensor2D;
  readonly attentionProjectionBias: tf.Tensor1D;
  readonly ln2Weight: tf.Tensor1D;
  readonly ln2Bias: tf.Tensor1D;
  /** `[hidden, inner]`. */
  readonly fcWeight: tf.Tensor2D;
  readonly fcBias: tf.Tensor1D;
  /** `[inner, hidden]`. */
  readonly mlpProjectionWeight: tf.Tensor2D;
  readonly mlpProjectionBias: tf.Tensor1D;
}

/** Every weight of `GPT2LMHeadModel` as tfjs tensors. */
export interface Gpt2Weights {
  /** `[vocab, hidden]`. */
  readonly wte: tf.Tensor2D;
  /** `[maxPositions, hidden]`. */
  readonly wpe: tf.Tensor2D;
  readonly layers: readonly Gpt2LayerWeights[];
  readonly lnFWeight: tf.Tensor1D;
  readonly lnFBias: tf.Tensor1D;
  /** `[vocab, hidden]`; the same tensor as `wte` when the embeddings are tied. */
  readonly lmHead: tf.Tensor2D;
}

/**
 * Turns the tensors of a GPT-2 safetensors file into tfjs tensors, after checking that every
 * weight is present with the shape the config implies. Names are those of `GPT2LMHeadModel`
 * (`transformer.h.0.attn.c_attn.weight`) or of the original hub checkpoints without the
 * `transformer.` prefix; the `attn.bias` / `attn.masked_bias` buffers and other extras are ignored.
 *
 * @param fileName - How the file is named in errors.
 * @throws {@link ModelLoadError} `'INVALID_FILE'` naming every missing or misshapen tensor.
 */
export function loadGpt2Weights(file: SafetensorsFile, config: ModelConfig, settings: Gpt2Settings, fileName: string): Gpt2Weights {
  const byName = canonicalWeightNames(file.tensors, { prefix: 'transformer.', canonical: 'bare', headNames: ['lm_head.weight'] }, fileName);
  const { hiddenSize: hidden, vocabSize: vocab } = config;
  const expected = new Map<string, number[]>([
    ['wte.weight', [vocab, hidden]],
    ['wpe.weight', [config.maxPositions, hidden]],
    ['ln_f.weight', [hidden]],
    ['ln_f.bias', [hidden]],
  ]);
  for (let i = 0; i < config.numLayers; i++) {
    const layer: [string, number[]][] = [
      ['ln_1.weight', [hidden]],
      ['ln_1.bias', [hidden]],
      ['attn.c_attn.weight', [hidden, 3 * hidden]],
      ['attn.c_attn.bias', [3 * hidden]],
      ['attn.c_proj.weight', [hidden, hidden]],
      ['attn.c_proj.bias', [hidden]],
      ['ln_2.weight', [hidden]],
      ['ln_2.bias', [hidden]],
      ['mlp.c_fc.weight', [hidden, settings.innerSize]],
      ['mlp.c_fc.bias', [settings.innerSize]],
      ['mlp.c_proj.weight', [settings.innerSize, hidden]],
      ['mlp.c_proj.bias', [hidden]],
    ];
    for (const [name, shape] of layer) expected.set(`h.${i}.${name}`, shape);
  }
  const untied = separateLmHead(byName, settings.tieWordEmbeddings, fileName);
  if (untied) expected.set('lm_head.weight', [vocab, hidden]);

  checkExpectedWeights(byName, expected, fileName, (shown) =>
    `${fileName} lacks GPT-2 weights: ${shown}. Expected the tensors of a GPT2LMHeadModel with ` +
      `${config.numLayers} layers, named 'transformer.h.0.attn.c_attn.weight' or 'h.0.attn.c_attn.weight'; ` +
      `check that config.json belongs to these weights.`,
  );

  const created: tf.Tensor[] = [];
  const take = <T extends tf.Tensor>(name: string): T => {
    const { data, shape } = byName.get(name)!;
    const tensor = tf.tensor(data, shape, 'float32') as T;
    created.push(tensor);
    return tensor;
  };
  try {
    const wte = take<tf.Tensor2D>('wte.weight');
    return {
      wte,
      wpe: take('wpe.weight'),
      layers: Array.from({ length: config.numLayers }, (_, i) => ({
        ln1Weight: take(`h.${i}.ln_1.weight`),
        ln1Bias: take(`h.${i}.ln_1.bias`),
        qkvWeight: take(`h.${i}.attn.c_attn.weight`),
        qkvBias: take(`h.${i}.attn.c_attn.bias`),
        attentionProjectionWeight: take(`h.${i}.attn.c_proj.weight`),
        attentionProjectionBias: take(`h.${i}.attn.c_proj.bias`),
        ln2Weight: take(`h.${i}.ln_2.weight`),
        ln2Bias: take(`h.${i}.ln_2.bias`),
        fcWeight: take(`h.${i}.mlp.c_fc.weight`),
        fcBias: take(`h.${i}.mlp.c_fc.bias`),
        mlpProjectionWeight: take(`h.${i}.mlp.c_proj.weight`),
        mlpProjectionBias: take(`h.${i}.mlp.c_proj.bias`),
      })),
      lnFWeight: take('ln_f.weight'),
      lnFBias: take('ln_f.bias'),
      lmHead: untied ? take('lm_head.weight') : wte,
    };
  } catch (error) {
    for (const tensor of created) tensor.dispose();
    throw error;
  }
}
