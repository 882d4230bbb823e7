import { InvalidInputError } from '@inseq/core';
import type { NamedWeight } from '../named-weight';
import type { EncoderDecoderInputs, ReferenceEncoderDecoderOptions, ReferenceEncoderDecoderOutput } from './reference-encoder-decoder-output';
import { activation, attend, configNumber, embedRows, linear, rmsNorm, weightLookup } from './reference-seq2seq-ops';
import { t5RelativePositionBucket } from './t5-relative-position-bucket';

/**
 * Float64 forward of HF's `T5ForConditionalGeneration` (`modeling_t5.py`): unscaled `shared`
 * embeddings, pre-norm blocks with T5's RMS norm, `x += o(Attn(norm(x)))` with unscaled scores
 * `q·k + bias`, where the bias is block 0's `relative_attention_bias[bucket(key − query)]`
 * (bidirectional in the encoder, causal in the decoder) reused by every block, and cross-attention
 * has none; feed-forward `wo(relu(wi x))` or `wo(gelu_new(wi_0 x) · wi_1 x)`; final stack norms;
 * the decoder output times `d_model^-0.5` when `tie_word_embeddings`, then `lm_head` (or `shared`).
 * Relative positions make left padding harmless: padded rows equal unpadded ones at real tokens.
 */
export function referenceT5Forward(
  weights: Record<string, NamedWeight>,
  config: Record<string, unknown>,
  inputs: EncoderDecoderInputs,
  options: ReferenceEncoderDecoderOptions,
): ReferenceEncoderDecoderOutput {
  if (config.model_type !== 't5') {
    throw new InvalidInputError(`referenceT5Forward reads model_type 't5', got ${JSON.stringify(config.model_type)}.`, { code: 'INVALID_ARGUMENT' });
  }
  const dModel = configNumber(config, 'd_model');
  const dKv = configNumber(config, 'd_kv');
  const dFf = configNumber(config, 'd_ff');
  const heads = configNumber(config, 'num_heads');
  const encoderLayers = configNumber(config, 'num_layers');
  const decoderLayers = configNumber(config, 'num_decoder_layers', encoderLayers);
  const numBuckets = configNumber(config, 'relative_attention_num_buckets', 32);
  const maxDistance = configNumber(config, 'relative_attention_max_distance', 128);
  const eps = configNumber(config, 'layer_norm_epsilon', 1e-6);
  const vocab = configNumber(config, 'vocab_size');
  const proj = String(config.feed_forward_proj ?? 'relu');
  const gated = proj.startsWith('gated-');
  // transformers maps 'gated-gelu' to gelu_new; other names map to themselves.
  const actName = gated ? (proj === 'gated-gelu' ? 'gelu_new' : proj.slice('gated-'.length)) : proj;
  const act = activation(actName);
  const tied = config.tie_word_embeddings !== false;
  const inner = heads * dKv;
  const { optional, required } = weightLookup(weights);
  const shared = required('shared.weight');
  const head = optional('lm_head.weight') ?? shared;
  const { encoderIds, encoderMask, decoderIds, decoderMask } = inputs;
  const batch = encoderIds.length;
  const encoderSeq = encoderIds[0]?.length ?? 0;
  const decoderSeq = decoderIds[0]?.length ?? 0;

  const positionBias = (p: string, bidirectional: boolean) => {
    const table = required(`${p}.relative_attention_bias.weight`);
    return (h: number, t: number, s: number) => table[t5RelativePositionBucket(s - t, bidirectional, numBuckets, maxDistance) * heads + h];
  };
  const encoderBias = positionBias('encoder.block.0.layer.0.SelfAttention', true);
  const decoderBias = positionBias('decoder.block.0.layer.0.SelfAttention', false);
  const attention = (
    p: string,
    x: readonly Float64Array[],
    memory: readonly Float64Array[],
    visible: (t: number, s: number) => boolean,
    bias?: (h: number, t: number, s: number) => number,
  ) => {
    const project = (rows: readonly Float64Array[], name: string) => rows.map((row) => linear(row, required(`${p}.${name}.weight`), inner));
    const result = attend(project(x, 'q'), project(memory, 'k'), project(memory, 'v'), heads, dKv, 1, visible, bias);
    return { output: result.context.map((row) => linear(row, required(`${p}.o.weight`), dModel)), weights: result.weights };
  };
  const norm = (name: string, x: readonly Float64Array[]) => x.map((row) => rmsNorm(row, required(name), eps));
  const add = (x: readonly Float64Array[], update: readonly Float64Array[]) => x.map((row, t) => row.map((v, i) => v + update[t][i]));
  const feedForward = (p: string, x: readonly Float64Array[]) =>
    norm(`${p}.layer_norm.weight`, x).map((row) => {
      const hidden = linear(row, required(`${p}.DenseReluDense.${gated ? 'wi_0' : 'wi'}.weight`), dFf).map(act);
      if (gated) {
        const up = linear(row, required(`${p}.DenseReluDense.wi_1.weight`), dFf);
        for (let i = 0; i < dFf; i++) hidden[i] *= up[i];
      }
      return linear(hidden, required(`${p}.DenseReluDense.wo.weight`), dModel);
    });

  const wanted = options.outputAttentions === true;
  const allocate = (layers: number, q: number, k: number) => (wanted ? Array.from({ length: layers }, () => new Float64Array(batch * heads * q * k)) : undefined);
  const encoderAttentions = allocate(encoderLayers, encoderSeq, encoderSeq);
  const decoderAttentions = allocate(decoderLayers, decoderSeq, decoderSeq);
  const crossAttentions = allocate(decoderLayers, decoderSeq, encoderSeq);
  const logits = new Float64Array(batch * decoderSeq * vocab);
  const encoderHiddenState = new Float64Array(batch * encoderSeq * dModel);

  for (let b = 0; b < batch; b++) {
    const givenSource = options.encoderInputsEmbeds?.[b];
    let x = givenSource ? givenSource.map((row) => Float64Array.from(row)) : embedRows(shared, dModel, encoderIds[b]);
    const sourceVisible = (_t: number, s: number) => encoderMask[b][s] !== 0;
    for (let block = 0; block < encoderLayers; block++) {
      const p = `encoder.block.${block}.layer`;
      const normed = norm(`${p}.0.layer_norm.weight`, x);
      const self = attention(`${p}.0.SelfAttention`, normed, normed, sourceVisible, encoderBias);
      encoderAttentions?.[block].set(self.weights, b * self.weights.length);
      x = add(x, self.output);
      x = add(x, feedForward(`${p}.1`, x));
    }
    x = norm('encoder.final_layer_norm.weight', x);
    for (const [t, row] of x.entries()) encoderHiddenState.set(row, (b * encoderSeq + t) * dModel);

    const givenTarget = options.decoderInputsEmbeds?.[b];
    let y = givenTarget ? givenTarget.map((row) => Float64Array.from(row)) : embedRows(shared, dModel, decoderIds[b]);
    const targetVisible = (t: number, s: number) => s <= t && decoderMask[b][s] !== 0;
    for (let block = 0; block < decoderLayers; block++) {
      const p = `decoder.block.${block}.layer`;
      const normed = norm(`${p}.0.layer_norm.weight`, y);
      const self = attention(`${p}.0.SelfAttention`, normed, normed, targetVisible, decoderBias);
      decoderAttentions?.[block].set(self.weights, b * self.weights.length);
      y = add(y, self.output);
      const cross = attention(`${p}.1.EncDecAttention`, norm(`${p}.1.layer_norm.weight`, y), x, sourceVisible);
      crossAttentions?.[block].set(cross.weights, b * cross.weights.length);
      y = add(y, cross.output);
      y = add(y, feedForward(`${p}.2`, y));
    }
    y = norm('decoder.final_layer_norm.weight', y);
    const outputScale = tied ? dModel ** -0.5 : 1;
    for (const [t, row] of y.entries()) logits.set(linear(row.map((v) => v * outputScale), head, vocab), (b * decoderSeq + t) * vocab);
  }
  return { logits, encoderHiddenState, ...(wanted && { encoderAttentions, decoderAttentions, crossAttentions }) };
}
