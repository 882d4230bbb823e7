import { InvalidInputError } from '@inseq/core';
import type { NamedWeight } from './named-weight';

/** Options of {@link referenceGpt2Forward}. */
export interface ReferenceGpt2ForwardOptions {
  /**
   * `[batch, seq, hidden]` vectors used instead of the token embedding lookup (HF
   * `inputs_embeds`); position embeddings are still added. `inputIds` is then ignored.
   */
  inputsEmbeds?: number[][][];
  /** Also return every layer's attention weights ({@link ReferenceGpt2Output.attentions}). @defaultValue false */
  outputAttentions?: boolean;
  /** Also return the hidden states ({@link ReferenceGpt2Output.hiddenStates}). @defaultValue false */
  outputHiddenStates?: boolean;
  /**
   * Value zeroing (Mohebbi et al. 2023): in block `layer`'s attention, the value vector (bias
   * included) of key position `positions[b]` of row b is set to 0 in every head; a negative
   * position leaves the row untouched.
   */
  zeroValues?: { layer: number; positions: ArrayLike<number> };
}

/** Output of {@link referenceGpt2Forward}. */
export interface ReferenceGpt2Output {
  /** Row-major `[batch, seq, vocab]` logits at every position. */
  logits: Float64Array;
  shape: [number, number, number];
  /**
   * With `outputAttentions`: per layer, row-major `[batch, heads, seq, seq]` softmax weights (rows
   * are queries). Padded and future keys get exactly 0; a padded query row is uniform (as HF).
   */
  attentions?: Float64Array[];
  /**
   * With `outputHiddenStates`, as HF `hidden_states`: the embeddings (wte + wpe) then each block's
   * output, `numLayers + 1` row-major `[batch, seq, hidden]` arrays, the last one after `ln_f`.
   */
  hiddenStates?: Float64Array[];
}

// What HF adds to masked attention scores (torch.finfo(float32).min). Finite, so a query row
// whose keys are all masked gets equal scores and a uniform softmax instead of NaN.
const maskedScore = -3.4028234663852886e38;

/** HF's `gelu_new`, the tanh approximation GPT-2 was trained with. */
function geluNew(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
}

/** LayerNorm over one vector, biased variance, as torch.nn.LayerNorm. */
function layerNorm(x: Float64Array, weight: NamedWeight, bias: NamedWeight, epsilon: number): Float64Array {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (x[i] - mean) ** 2;
  variance /= n;
  const scale = 1 / Math.sqrt(variance + epsilon);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (x[i] - mean) * scale * weight.data[i] + bias.data[i];
  return out;
}

/** HF Conv1D: `y = x @ W + b` with `W` stored `[in, out]`. */
function conv1d(x: Float64Array, weight: NamedWeight, bias: NamedWeight): Float64Array {
  const [inSize, outSize] = weight.shape;
  const out = Float64Array.from(bias.data);
  for (let i = 0; i < inSize; i++) {
    const xi = x[i];
    for (let j = 0; j < outSize; j++) out[j] += xi * weight.data[i * outSize + j];
  }
  return out;
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((value, i) => value + b[i]);
}

function configNumber(config: Record<string, unknown>, key: string): number {
  const value = config[key];
  if (typeof value !== 'number') {
    throw new InvalidInputError(`config.${key} must be a number, got ${JSON.stringify(value)}.`, { code: 'INVALID_ARGUMENT' });
  }
  return value;
}

/**
 * The forward pass of Hugging Face `GPT2LMHeadModel` in plain float64 loops: an independent
 * reference to check backends against, written for clarity over speed (a few ms at the tiny
 * model's size). HF semantics throughout: position ids `cumsum(mask) - 1` with padded positions
 * set to 1 (as `generate` does, so left padding does not shift positions); causal and padding
 * masks adding float32's minimum to masked scores; scores scaled by `1/sqrt(headDim)`;
 * `gelu_new`; LayerNorm with `layer_norm_epsilon`; pre-norm residual blocks; `ln_f`; logits from
 * the tied `wte`. Logits at padded query positions are finite but meaningless (their attention
 * is uniform over all keys).
 *
 * @param weights - by HF name, e.g. from `createTinyGpt2().weights`.
 * @param config - the `config.json` object (`n_layer`, `n_head`, `n_embd`, `layer_norm_epsilon`, `vocab_size`).
 * @param inputIds - `[batch, seq]` token ids.
 * @param attentionMask - `[batch, seq]`, 1 for real tokens, 0 for padding.
 * @param options - `inputsEmbeds`; `outputAttentions`, `outputHiddenStates` and `zeroValues` to
 * check a backend's attention weights, hidden states and value zeroing.
 * @returns logits `[batch, seq, vocab]` at all positions, and attentions / hidden states when asked.
 */
export function referenceGpt2Forward(
  weights: Record<string, NamedWeight>,
  config: Record<string, unknown>,
  inputIds: number[][],
  attentionMask: number[][],
  options: ReferenceGpt2ForwardOptions = {},
): ReferenceGpt2Output {
  const nLayer = configNumber(config, 'n_layer');
  const nHead = configNumber(config, 'n_head');
  const hidden = configNumber(config, 'n_embd');
  const epsilon = configNumber(config, 'layer_norm_epsilon');
  const activation = config.activation_function ?? 'gelu_new';
  if (activation !== 'gelu_new') {
    throw new InvalidInputError(
      `referenceGpt2Forward implements activation 'gelu_new' only, config has '${activation}'.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  const weight = (name: string): NamedWeight => {
    const found = weights[`transformer.${name}`];
    if (!found) throw new InvalidInputError(`Missing weight 'transformer.${name}'.`, { code: 'INVALID_ARGUMENT' });
    return found;
  };
  const wte = weight('wte.weight');
  const wpe = weight('wpe.weight');
  const [vocab] = wte.shape;
  const [maxPositions] = wpe.shape;
  const headDim = hidden / nHead;

  const rows = options.inputsEmbeds ?? inputIds;
  const batch = rows.length;
  const seq = batch === 0 ? 0 : rows[0].length;
  if (rows.some((row) => row.length !== seq)) {
    throw new InvalidInputError('Every row of the inputs must have the same length (pad them).', { code: 'INVALID_ARGUMENT' });
  }
  if (attentionMask.length !== batch || attentionMask.some((row) => row.length !== seq || row.some((m) => m !== 0 && m !== 1))) {
    throw new InvalidInputError(`attentionMask must be [${batch}, ${seq}] of 0/1 like the inputs.`, { code: 'INVALID_ARGUMENT' });
  }
  if (seq > maxPositions) throw new InvalidInputError(`Sequence length ${seq} exceeds n_positions ${maxPositions}.`, { code: 'INPUT_TOO_LONG' });

  const zeroing = options.zeroValues;
  if (zeroing && (!Number.isInteger(zeroing.layer) || zeroing.layer < 0 || zeroing.layer >= nLayer || zeroing.positions.length !== batch || Array.from(zeroing.positions).some((p) => !Number.isInteger(p) || p >= seq))) {
    throw new InvalidInputError(
      `zeroValues needs a layer in [0, ${nLayer}) and one integer position below ${seq} per row (${batch}); got layer ${zeroing.layer} and ${zeroing.positions.length} positions.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  const logits = new Float64Array(batch * seq * vocab);
  const attentions = options.outputAttentions ? Array.from({ length: nLayer }, () => new Float64Array(batch * nHead * seq * seq)) : undefined;
  const hiddenStates = options.outputHiddenStates ? Array.from({ length: nLayer + 1 }, () => new Float64Array(batch * seq * hidden)) : undefined;
  const recordStates = (index: number, b: number, rows: Float64Array[]) => {
    if (!hiddenStates) return;
    rows.forEach((row, t) => {
      hiddenStates[index].set(row, (b * seq + t) * hidden);
    });
  };
  for (let b = 0; b < batch; b++) {
    const mask = attentionMask[b];
    let realSoFar = 0;
    const positionIds = mask.map((m) => {
      realSoFar += m;
      return m === 0 ? 1 : realSoFar - 1;
    });

    let states: Float64Array[] = [];
    for (let t = 0; t < seq; t++) {
      let tokenVector: ArrayLike<number>;
      if (options.inputsEmbeds) {
        tokenVector = options.inputsEmbeds[b][t];
        if (tokenVector.length !== hidden) {
          throw new InvalidInputError(`inputsEmbeds[${b}][${t}] has ${tokenVector.length} values, expected ${hidden}.`, { code: 'INVALID_ARGUMENT' });
        }
      } else {
        const id = inputIds[b][t];
        if (!Number.isInteger(id) || id < 0 || id >= vocab) {
          throw new InvalidInputError(`Token id ${id} is outside [0, ${vocab}).`, { code: 'INVALID_ARGUMENT' });
        }
        tokenVector = wte.data.subarray(id * hidden, (id + 1) * hidden);
      }
      const position = wpe.data.subarray(positionIds[t] * hidden, (positionIds[t] + 1) * hidden);
      states.push(Float64Array.from({ length: hidden }, (_, i) => tokenVector[i] + position[i]));
    }

    for (let layer = 0; layer < nLayer; layer++) {
      recordStates(layer, b, states);
      const block = (name: string) => weight(`h.${layer}.${name}`);
      // [seq][3 * hidden]: query, key, value of every head side by side, as HF splits c_attn.
      const qkv = states.map((h) => {
        const normed = layerNorm(h, block('ln_1.weight'), block('ln_1.bias'), epsilon);
        return conv1d(normed, block('attn.c_attn.weight'), block('attn.c_attn.bias'));
      });
      const zeroed = zeroing?.layer === layer ? zeroing.positions[b] : -1;
      if (zeroed >= 0) qkv[zeroed].fill(0, 2 * hidden, 3 * hidden);
      const context = states.map(() => new Float64Array(hidden));
      for (let head = 0; head < nHead; head++) {
        const q = head * headDim;
        const k = hidden + head * headDim;
        const v = 2 * hidden + head * headDim;
        for (let t = 0; t < seq; t++) {
          const scores = new Float64Array(seq);
          for (let s = 0; s < seq; s++) {
            let dot = 0;
            for (let d = 0; d < headDim; d++) dot += qkv[t][q + d] * qkv[s][k + d];
            const visible = s <= t && mask[s] !== 0;
            scores[s] = dot / Math.sqrt(headDim) + (visible ? 0 : maskedScore);
          }
          const max = Math.max(...scores);
          let total = 0;
          for (let s = 0; s < seq; s++) {
            scores[s] = Math.exp(scores[s] - max);
            total += scores[s];
          }
          for (let s = 0; s < seq; s++) {
            const p = scores[s] / total;
            if (attentions) attentions[layer][((b * nHead + head) * seq + t) * seq + s] = p;
            for (let d = 0; d < headDim; d++) context[t][head * headDim + d] += p * qkv[s][v + d];
          }
        }
      }
      states = states.map((h, t) => add(h, conv1d(context[t], block('attn.c_proj.weight'), block('attn.c_proj.bias'))));
      states = states.map((h) => {
        const normed = layerNorm(h, block('ln_2.weight'), block('ln_2.bias'), epsilon);
        const inner = conv1d(normed, block('mlp.c_fc.weight'), block('mlp.c_fc.bias')).map(geluNew);
        return add(h, conv1d(inner, block('mlp.c_proj.weight'), block('mlp.c_proj.bias')));
      });
    }

    const finals = states.map((h) => layerNorm(h, weight('ln_f.weight'), weight('ln_f.bias'), epsilon));
    // As HF: the last hidden state is taken after ln_f.
    recordStates(nLayer, b, finals);
    for (let t = 0; t < seq; t++) {
      const final = finals[t];
      const offset = (b * seq + t) * vocab;
      for (let token = 0; token < vocab; token++) {
        let dot = 0;
        for (let i = 0; i < hidden; i++) dot += final[i] * wte.data[token * hidden + i];
        logits[offset + token] = dot;
      }
    }
  }
  return { logits, shape: [batch, seq, vocab], ...(attentions && { attentions }), ...(hiddenStates && { hiddenStates }) };
}
