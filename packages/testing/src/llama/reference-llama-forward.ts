import { InvalidInputError } from '@inseq/core';
import type { NamedWeight } from '../named-weight';

/** What {@link referenceLlamaForward} returns. */
export interface ReferenceLlamaOutput {
  /** `[batch, seq, vocab]` at every position. */
  logits: Float64Array;
  /** Per layer `[batch, heads, seq, seq]` softmax weights (rows are queries), when asked. */
  attentions?: Float64Array[];
}

function num(config: Record<string, unknown>, key: string, fallback?: number): number {
  const value = config[key] ?? fallback;
  if (typeof value !== 'number') throw new InvalidInputError(`config.${key} must be a number, got ${JSON.stringify(value)}.`, { code: 'INVALID_ARGUMENT' });
  return value;
}

/**
 * RoPE inverse frequencies `1 / θ^(2i/d)` for `i < d/2`, with `rope_scaling` applied as
 * transformers does: `linear` divides every frequency by `factor`; `llama3` keeps the high
 * frequencies, divides the low ones by `factor` and interpolates smoothly between them.
 */
export function ropeInverseFrequencies(config: Record<string, unknown>, headDim: number): Float64Array {
  const theta = num(config, 'rope_theta', 10000);
  const inv = Float64Array.from({ length: headDim / 2 }, (_, i) => 1 / theta ** ((2 * i) / headDim));
  const scaling = config.rope_scaling as Record<string, unknown> | null | undefined;
  if (!scaling) return inv;
  const type = scaling.rope_type ?? scaling.type;
  const factor = num(scaling, 'factor');
  if (type === 'linear') return inv.map((f) => f / factor);
  if (type === 'llama3') {
    const low = num(scaling, 'low_freq_factor');
    const high = num(scaling, 'high_freq_factor');
    const original = num(scaling, 'original_max_position_embeddings');
    const lowWavelength = original / low;
    const highWavelength = original / high;
    return inv.map((f) => {
      const wavelength = (2 * Math.PI) / f;
      if (wavelength < highWavelength) return f;
      if (wavelength > lowWavelength) return f / factor;
      const smooth = (original / wavelength - low) / (high - low);
      return (1 - smooth) * (f / factor) + smooth * f;
    });
  }
  throw new InvalidInputError(`rope_scaling type ${JSON.stringify(type)} is not supported by the reference (linear, llama3).`, { code: 'INVALID_ARGUMENT' });
}

const silu = (x: number) => x / (1 + Math.exp(-x));
const geluTanh = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

/**
 * An independent float64 forward pass of Hugging Face's Llama-family causal LMs (`llama`,
 * `mistral`, `qwen2`, `gemma`) in plain loops, to check backends against. Position ids follow the
 * mask as in HF generation (`cumsum(mask) - 1`, padding 1); masked keys get float32's minimum as
 * the additive score bias, as HF does. RMSNorm `x / √(mean(x²) + ε) · w` (gemma: `· (1 + w)`),
 * RoPE on queries and keys with HF's rotate-half pairing `(i, i + d/2)`, grouped-query attention
 * (query head h reads key/value head `⌊h / (heads / kvHeads)⌋`), MLP `down(act(gate(x)) · up(x))`
 * with SiLU (gemma: tanh GELU), gemma's embeddings times √hidden, `lm_head` or tied embeddings.
 *
 * @param weights - by HF name (`model.layers.0.self_attn.q_proj.weight`, …), e.g. `createTinyLlama().weights`.
 * @param config - the `config.json` object.
 * @param inputIds - `[batch][seq]` token ids.
 * @param attentionMask - `[batch][seq]`, 1 for tokens, 0 for (left) padding.
 */
export function referenceLlamaForward(
  weights: Record<string, NamedWeight>,
  config: Record<string, unknown>,
  inputIds: readonly (readonly number[])[],
  attentionMask: readonly (readonly number[])[],
  options: {
    outputAttentions?: boolean;
    /** Replaces the token lookup, `[batch][seq][hidden]` (before gemma's √hidden scaling, as HF's `inputs_embeds`). */
    inputsEmbeds?: readonly (readonly (readonly number[])[])[];
  } = {},
): ReferenceLlamaOutput {
  const family = config.model_type as string;
  const hidden = num(config, 'hidden_size');
  const numLayers = num(config, 'num_hidden_layers');
  const numHeads = num(config, 'num_attention_heads');
  const numKv = num(config, 'num_key_value_heads', numHeads);
  const headDim = num(config, 'head_dim', hidden / numHeads);
  const eps = num(config, 'rms_norm_eps');
  const vocab = num(config, 'vocab_size');
  const gemma = family === 'gemma';
  const weight = (name: string): Float32Array => {
    const found = weights[name];
    if (!found) throw new InvalidInputError(`Missing weight '${name}'.`, { code: 'INVALID_ARGUMENT' });
    return found.data;
  };
  const optional = (name: string): Float32Array | undefined => weights[name]?.data;
  const batch = inputIds.length;
  const seq = inputIds[0]?.length ?? 0;
  const inv = ropeInverseFrequencies(config, headDim);
  const minScore = -3.4028234663852886e38;

  /** y[out] = W[out, in] · x (+ b), W row-major `[out, in]` as nn.Linear stores it. */
  const linear = (x: Float64Array, w: Float32Array, outSize: number, bias?: Float32Array): Float64Array => {
    const inSize = x.length;
    const y = new Float64Array(outSize);
    for (let o = 0; o < outSize; o++) {
      let sum = bias ? bias[o] : 0;
      for (let i = 0; i < inSize; i++) sum += w[o * inSize + i] * x[i];
      y[o] = sum;
    }
    return y;
  };
  const rmsNorm = (x: Float64Array, w: Float32Array): Float64Array => {
    let meanSquare = 0;
    for (const v of x) meanSquare += v * v;
    const scale = 1 / Math.sqrt(meanSquare / x.length + eps);
    return x.map((v, i) => v * scale * (gemma ? 1 + w[i] : w[i]));
  };
  const rope = (x: Float64Array, heads: number, position: number): Float64Array => {
    const out = new Float64Array(x.length);
    const half = headDim / 2;
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < half; i++) {
        const angle = position * inv[i];
        const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
        const a = x[h * headDim + i];
        const b = x[h * headDim + i + half];
        out[h * headDim + i] = a * cos - b * sin;
        out[h * headDim + i + half] = b * cos + a * sin;
      }
    }
    return out;
  };

  const logits = new Float64Array(batch * seq * vocab);
  const attentions = options.outputAttentions ? Array.from({ length: numLayers }, () => new Float64Array(batch * numHeads * seq * seq)) : undefined;
  const embed = weight('model.embed_tokens.weight');
  const head = optional('lm_head.weight') ?? embed;
  for (let b = 0; b < batch; b++) {
    const mask = attentionMask[b];
    const positions: number[] = [];
    let seen = 0;
    for (let t = 0; t < seq; t++) {
      seen += mask[t];
      positions.push(mask[t] === 0 ? 1 : seen - 1);
    }
    let states = inputIds[b].map((id, t) => {
      const row = options.inputsEmbeds ? Float64Array.from(options.inputsEmbeds[b][t]) : Float64Array.from(embed.subarray(id * hidden, (id + 1) * hidden));
      // Gemma multiplies by √hidden rounded to the weights' dtype; in float32 that is Math.fround.
      return gemma ? row.map((v) => v * Math.fround(Math.sqrt(hidden))) : row;
    });
    for (let layer = 0; layer < numLayers; layer++) {
      const p = `model.layers.${layer}`;
      const normed = states.map((x) => rmsNorm(x, weight(`${p}.input_layernorm.weight`)));
      const queries = normed.map((x, t) =>
        rope(linear(x, weight(`${p}.self_attn.q_proj.weight`), numHeads * headDim, optional(`${p}.self_attn.q_proj.bias`)), numHeads, positions[t]),
      );
      const keys = normed.map((x, t) =>
        rope(linear(x, weight(`${p}.self_attn.k_proj.weight`), numKv * headDim, optional(`${p}.self_attn.k_proj.bias`)), numKv, positions[t]),
      );
      const values = normed.map((x) => linear(x, weight(`${p}.self_attn.v_proj.weight`), numKv * headDim, optional(`${p}.self_attn.v_proj.bias`)));
      const group = numHeads / numKv;
      const attended = normed.map((_, t) => {
        const context = new Float64Array(numHeads * headDim);
        for (let h = 0; h < numHeads; h++) {
          const kv = Math.floor(h / group);
          const scores = new Float64Array(seq);
          for (let s = 0; s < seq; s++) {
            if (s > t || mask[s] === 0) {
              scores[s] = minScore;
              continue;
            }
            let dot = 0;
            for (let d = 0; d < headDim; d++) dot += queries[t][h * headDim + d] * keys[s][kv * headDim + d];
            scores[s] = dot / Math.sqrt(headDim);
          }
          const max = Math.max(...scores);
          const exp = scores.map((v) => Math.exp(v - max));
          const total = exp.reduce((a, c) => a + c, 0);
          for (let s = 0; s < seq; s++) {
            const weightTs = exp[s] / total;
            if (attentions) attentions[layer][((b * numHeads + h) * seq + t) * seq + s] = weightTs;
            for (let d = 0; d < headDim; d++) context[h * headDim + d] += weightTs * values[s][kv * headDim + d];
          }
        }
        return linear(context, weight(`${p}.self_attn.o_proj.weight`), hidden);
      });
      states = states.map((x, t) => x.map((v, i) => v + attended[t][i]));
      const intermediate = weights[`${p}.mlp.gate_proj.weight`].shape[0];
      states = states.map((x) => {
        const h = rmsNorm(x, weight(`${p}.post_attention_layernorm.weight`));
        const gate = linear(h, weight(`${p}.mlp.gate_proj.weight`), intermediate);
        const up = linear(h, weight(`${p}.mlp.up_proj.weight`), intermediate);
        const act = gate.map((g, i) => (gemma ? geluTanh(g) : silu(g)) * up[i]);
        const down = linear(act, weight(`${p}.mlp.down_proj.weight`), hidden);
        return x.map((v, i) => v + down[i]);
      });
    }
    states.forEach((x, t) => {
      const final = rmsNorm(x, weight('model.norm.weight'));
      logits.set(linear(final, head, vocab), (b * seq + t) * vocab);
    });
  }
  return { logits, ...(attentions && { attentions }) };
}
