import { InvalidInputError } from '@inseq/core';
import type { NamedWeight } from '../named-weight';
import { marianSinusoidalPositions } from './marian-sinusoidal-positions';
import type { EncoderDecoderInputs, ReferenceEncoderDecoderOptions, ReferenceEncoderDecoderOutput } from './reference-encoder-decoder-output';
import { activation, attend, configNumber, embedRows, layerNorm, linear, weightLookup } from './reference-seq2seq-ops';

/**
 * Float64 forward of HF's `BartForConditionalGeneration`, `MBartForConditionalGeneration` and
 * `MarianMTModel` (`modeling_bart.py`, `modeling_mbart.py`, `modeling_marian.py`). Token embeddings times
 * `embed_scale` (√d_model when `scale_embedding`), plus positions: BART's learned table at row
 * p + 2, Marian's float32 sinusoids at row p; positions are 0, 1, … whatever the mask (as in HF,
 * so left padding shifts them). BART and mBART then apply `layernorm_embedding`. Each layer of
 * BART and Marian: `x = LN(x + SelfAttn(x))`, decoder `x = LN(x + CrossAttn(x, enc))`,
 * `x = LN(x + fc2(act(fc1(x))))`; mBART's are pre-norm (`x + f(LN(x))`) and each stack ends
 * with `layer_norm`;
 * scores `q·k / √headDim`, masked keys (padding, and later decoder positions) at float32's minimum.
 * Logits `lm_head(x) + final_logits_bias` (`lm_head` tied to the decoder embeddings unless stored).
 */
export function referenceBartForward(
  weights: Record<string, NamedWeight>,
  config: Record<string, unknown>,
  inputs: EncoderDecoderInputs,
  options: ReferenceEncoderDecoderOptions,
): ReferenceEncoderDecoderOutput {
  const marian = config.model_type === 'marian';
  const mbart = config.model_type === 'mbart';
  if (!marian && !mbart && config.model_type !== 'bart') {
    throw new InvalidInputError(`referenceBartForward reads model_type 'bart', 'mbart' or 'marian', got ${JSON.stringify(config.model_type)}.`, { code: 'INVALID_ARGUMENT' });
  }
  const dModel = configNumber(config, 'd_model');
  const vocab = configNumber(config, 'vocab_size');
  const embedScale = config.scale_embedding === true ? Math.sqrt(dModel) : 1;
  const act = activation(String(config.activation_function));
  const { optional, required } = weightLookup(weights);
  const sinusoids = marian ? marianSinusoidalPositions(configNumber(config, 'max_position_embeddings'), dModel) : undefined;
  const { encoderIds, encoderMask, decoderIds, decoderMask } = inputs;
  const batch = encoderIds.length;
  const encoderSeq = encoderIds[0]?.length ?? 0;
  const decoderSeq = decoderIds[0]?.length ?? 0;
  const stack = (name: 'encoder' | 'decoder') => ({
    layers: configNumber(config, `${name}_layers`),
    heads: configNumber(config, `${name}_attention_heads`),
    ffn: configNumber(config, `${name}_ffn_dim`),
    embed: optional('model.shared.weight') ?? required(`model.${name}.embed_tokens.weight`),
  });
  const encoder = stack('encoder');
  const decoder = stack('decoder');
  const head = optional('lm_head.weight') ?? decoder.embed;
  const finalBias = optional('final_logits_bias');

  const embed = (prefix: string, table: Float32Array, ids: readonly number[], given: readonly (readonly number[])[] | undefined, scaleGiven: boolean) => {
    const tokens = given ? given.map((row) => Float64Array.from(row, (v) => (scaleGiven ? v * embedScale : v))) : embedRows(table, dModel, ids).map((row) => row.map((v) => v * embedScale));
    return tokens.map((row, t) => {
      const withPosition = row.map((v, i) => v + (sinusoids ? sinusoids[t * dModel + i] : required(`${prefix}.embed_positions.weight`)[(t + 2) * dModel + i]));
      return marian ? withPosition : layerNorm(withPosition, required(`${prefix}.layernorm_embedding.weight`), required(`${prefix}.layernorm_embedding.bias`));
    });
  };
  const attention = (p: string, heads: number, x: readonly Float64Array[], memory: readonly Float64Array[], visible: (t: number, s: number) => boolean) => {
    const project = (rows: readonly Float64Array[], name: string) => rows.map((row) => linear(row, required(`${p}.${name}.weight`), dModel, required(`${p}.${name}.bias`)));
    const headDim = dModel / heads;
    const result = attend(project(x, 'q_proj'), project(memory, 'k_proj'), project(memory, 'v_proj'), heads, headDim, 1 / Math.sqrt(headDim), visible);
    return { output: project(result.context, 'out_proj'), weights: result.weights };
  };
  const norm = (p: string, x: readonly Float64Array[]) => x.map((row) => layerNorm(row, required(`${p}.weight`), required(`${p}.bias`)));
  /** One residual sublayer: post-norm `LN(x + f(x))` (BART, Marian) or pre-norm `x + f(LN(x))` (mBART). */
  const residual = (normName: string, x: readonly Float64Array[], sublayer: (input: readonly Float64Array[]) => readonly Float64Array[]) => {
    const update = sublayer(mbart ? norm(normName, x) : x);
    const sum = x.map((row, t) => row.map((v, i) => v + update[t][i]));
    return mbart ? sum : norm(normName, sum);
  };
  const feedForward = (p: string, ffn: number, x: readonly Float64Array[]) =>
    x.map((row) => linear(linear(row, required(`${p}.fc1.weight`), ffn, required(`${p}.fc1.bias`)).map(act), required(`${p}.fc2.weight`), dModel, required(`${p}.fc2.bias`)));

  const wanted = options.outputAttentions === true;
  const allocate = (layers: number, heads: number, q: number, k: number) => (wanted ? Array.from({ length: layers }, () => new Float64Array(batch * heads * q * k)) : undefined);
  const encoderAttentions = allocate(encoder.layers, encoder.heads, encoderSeq, encoderSeq);
  const decoderAttentions = allocate(decoder.layers, decoder.heads, decoderSeq, decoderSeq);
  const crossAttentions = allocate(decoder.layers, decoder.heads, decoderSeq, encoderSeq);
  const logits = new Float64Array(batch * decoderSeq * vocab);
  const encoderHiddenState = new Float64Array(batch * encoderSeq * dModel);

  for (let b = 0; b < batch; b++) {
    let x = embed('model.encoder', encoder.embed, encoderIds[b], options.encoderInputsEmbeds?.[b], false);
    const sourceVisible = (_t: number, s: number) => encoderMask[b][s] !== 0;
    for (let layer = 0; layer < encoder.layers; layer++) {
      const p = `model.encoder.layers.${layer}`;
      x = residual(`${p}.self_attn_layer_norm`, x, (input) => {
        const self = attention(`${p}.self_attn`, encoder.heads, input, input, sourceVisible);
        encoderAttentions?.[layer].set(self.weights, b * self.weights.length);
        return self.output;
      });
      x = residual(`${p}.final_layer_norm`, x, (input) => feedForward(p, encoder.ffn, input));
    }
    if (mbart) x = norm('model.encoder.layer_norm', x);
    for (const [t, row] of x.entries()) encoderHiddenState.set(row, (b * encoderSeq + t) * dModel);

    let y = embed('model.decoder', decoder.embed, decoderIds[b], options.decoderInputsEmbeds?.[b], marian);
    const targetVisible = (t: number, s: number) => s <= t && decoderMask[b][s] !== 0;
    for (let layer = 0; layer < decoder.layers; layer++) {
      const p = `model.decoder.layers.${layer}`;
      y = residual(`${p}.self_attn_layer_norm`, y, (input) => {
        const self = attention(`${p}.self_attn`, decoder.heads, input, input, targetVisible);
        decoderAttentions?.[layer].set(self.weights, b * self.weights.length);
        return self.output;
      });
      y = residual(`${p}.encoder_attn_layer_norm`, y, (input) => {
        const cross = attention(`${p}.encoder_attn`, decoder.heads, input, x, sourceVisible);
        crossAttentions?.[layer].set(cross.weights, b * cross.weights.length);
        return cross.output;
      });
      y = residual(`${p}.final_layer_norm`, y, (input) => feedForward(p, decoder.ffn, input));
    }
    if (mbart) y = norm('model.decoder.layer_norm', y);
    for (const [t, row] of y.entries()) logits.set(linear(row, head, vocab, finalBias), (b * decoderSeq + t) * vocab);
  }
  return { logits, encoderHiddenState, ...(wanted && { encoderAttentions, decoderAttentions, crossAttentions }) };
}
