import { createRng } from './create-rng';
import type { NamedWeight } from './named-weight';
import { roundToDtype } from './safetensors-dtype';
import type { ResolvedTinyGpt2Options } from './tiny-gpt2-options';

type Init = 'matrix' | 'bias' | 'norm-weight' | 'norm-bias';

/** The parameter list of HF `GPT2LMHeadModel`, in its `named_parameters()` order. */
function gpt2Parameters(options: ResolvedTinyGpt2Options, vocabSize: number): [string, number[], Init][] {
  const { nEmbd: hidden, nLayer, nPositions } = options;
  const parameters: [string, number[], Init][] = [
    ['transformer.wte.weight', [vocabSize, hidden], 'matrix'],
    ['transformer.wpe.weight', [nPositions, hidden], 'matrix'],
  ];
  for (let layer = 0; layer < nLayer; layer++) {
    const prefix = `transformer.h.${layer}`;
    parameters.push(
      [`${prefix}.ln_1.weight`, [hidden], 'norm-weight'],
      [`${prefix}.ln_1.bias`, [hidden], 'norm-bias'],
      [`${prefix}.attn.c_attn.weight`, [hidden, 3 * hidden], 'matrix'],
      [`${prefix}.attn.c_attn.bias`, [3 * hidden], 'bias'],
      [`${prefix}.attn.c_proj.weight`, [hidden, hidden], 'matrix'],
      [`${prefix}.attn.c_proj.bias`, [hidden], 'bias'],
      [`${prefix}.ln_2.weight`, [hidden], 'norm-weight'],
      [`${prefix}.ln_2.bias`, [hidden], 'norm-bias'],
      [`${prefix}.mlp.c_fc.weight`, [hidden, 4 * hidden], 'matrix'],
      [`${prefix}.mlp.c_fc.bias`, [4 * hidden], 'bias'],
      [`${prefix}.mlp.c_proj.weight`, [4 * hidden, hidden], 'matrix'],
      [`${prefix}.mlp.c_proj.bias`, [hidden], 'bias'],
    );
  }
  parameters.push(['transformer.ln_f.weight', [hidden], 'norm-weight'], ['transformer.ln_f.bias', [hidden], 'norm-bias']);
  return parameters;
}

/**
 * Random weights of a GPT-2 LM head model, keyed by HF parameter name (`transformer.` prefix,
 * Conv1D layout `[in, out]`, no `lm_head.weight` since it is tied to `wte` as HF saves GPT-2).
 * Matrices and embeddings are N(0, initStd²); biases N(0, (initStd/2)²); LayerNorm weights
 * 1 + N(0, (initStd/2)²) and biases N(0, (initStd/2)²), so that a backend that drops a bias or
 * a LayerNorm scale disagrees with the reference. Values are drawn in parameter order from one
 * stream, then rounded to the storage dtype.
 */
export function tinyGpt2Weights(options: ResolvedTinyGpt2Options, vocabSize: number): Record<string, NamedWeight> {
  const rng = createRng(options.seed);
  const small = options.initStd / 2;
  const weights: Record<string, NamedWeight> = {};
  for (const [name, shape, init] of gpt2Parameters(options, vocabSize)) {
    const data = new Float32Array(shape.reduce((product, dim) => product * dim, 1));
    for (let i = 0; i < data.length; i++) {
      const noise = rng.normal();
      data[i] = init === 'matrix' ? options.initStd * noise : init === 'norm-weight' ? 1 + small * noise : small * noise;
    }
    weights[name] = { shape, data: roundToDtype(data, options.dtype) };
  }
  return weights;
}
