import {
  type AttributionModel,
  type EncoderInput,
  InvalidInputError,
  type IntTensor,
  type ModelBackend,
  type Tensor,
  type Tokenizer,
} from '@inseq/core';
import { linearModel } from './linear-model';
import { wordTokenizer } from './word-tokenizer';

/** Options of {@link encoderDecoderLinearModel}. */
export interface EncoderDecoderLinearModelOptions {
  /**
   * Word-level vocabulary; id 0 is the end-of-sequence token, `<unk>` and `<pad>` are special.
   * @defaultValue ['<eos>', 'the', 'cat', 'sat', 'on', 'mat', 'a', 'dog', '<unk>', '<pad>']
   */
  readonly vocab?: readonly string[];
  /** @defaultValue 3 */
  readonly hidden?: number;
  /** Layers of the (attention-only) encoder and decoder whose weights `outputAttentions` returns. @defaultValue 2 */
  readonly layers?: number;
  /** @defaultValue 2 */
  readonly heads?: number;
}

/** What a test needs to compute expected attributions of {@link encoderDecoderLinearModel} in closed form. */
export interface EncoderDecoderLinearModel extends AttributionModel {
  /** Encoder token embedding `E_src[id]`, `[hidden]`. */
  sourceEmbedding(id: number): Float64Array;
  /** Decoder token embedding `E_dec[id]`, `[hidden]`. */
  targetEmbedding(id: number): Float64Array;
  /** Output weights `W[v]`, `[hidden]`. */
  weight(vocabId: number): Float64Array;
  readonly layers: number;
  readonly heads: number;
}

/** Real positions of row `b` of a `[batch, length]` mask. */
const realOf = (mask: Int32Array, b: number, length: number) =>
  Array.from({ length }, (_, s) => s).filter((s) => mask[b * length + s] !== 0);

function checkShape(name: string, tensor: { readonly shape: readonly number[] } | undefined, expected: readonly number[]): void {
  if (tensor && tensor.shape.join() !== expected.join()) {
    throw new InvalidInputError(`${name} has shape [${tensor.shape.join(', ')}]; expected [${expected.join(', ')}].`, { code: 'INVALID_ARGUMENT' });
  }
}

/**
 * A closed-form encoder-decoder "translation model" wrapped as a {@link ModelBackend}, for tests:
 *
 *   logits = W · (Σ_{real source s} E_src[s] + Σ_{real decoder t ≤ position} E_dec[t])
 *
 * with separate encoder and decoder embedding tables (encoder inputs right-padded, decoder inputs
 * left-padded, padding excluded by the masks). Every method has a closed form on it: the gradient
 * with respect to every real source and target embedding is d F / d z (z the sum), so saliency
 * is that row, input × gradient x · d F / d z, and with the `logit` target integrated gradients
 * and DeepLIFT are exactly (x − x′) · W[target] on both sides and occlusion is each token's
 * embedding difference times W[target]. `W` and `E_dec` are {@link linearModel}'s, whose exact
 * dual-number gradients serve this model's `gradients` (d F / d z at the sum).
 *
 * `outputAttentions` returns deterministic attention weights that play no part in the logits:
 * decoder self-attention (causal), cross-attention (decoder queries over real source keys) and
 * encoder self-attention (bidirectional), per layer `[batch, heads, queries, keys]`, each a
 * softmax over the visible real keys of a fixed function of the two token ids (so a row's weights
 * do not depend on padding), rows of padded queries all zero. Capabilities: `forward`,
 * `gradients`, `attentions`, `embeddingInputs`, `rescaleGradients` (no hidden non-linearity, so
 * the Rescale multipliers are the gradients). Its tokenizer appends `<eos>` to every encoded
 * text, as Marian and T5 tokenizers do; the decoder starts with `<pad>` (`decoderStartTokenId`).
 */
export function encoderDecoderLinearModel(options: EncoderDecoderLinearModelOptions = {}): EncoderDecoderLinearModel {
  const vocab = options.vocab ?? ['<eos>', 'the', 'cat', 'sat', 'on', 'mat', 'a', 'dog', '<unk>', '<pad>'];
  const hidden = options.hidden ?? 3;
  const layers = options.layers ?? 2;
  const heads = options.heads ?? 2;
  // The decoder-only linear model on the same vocabulary: logits at one position whose embedding is z.
  const inner = linearModel({ vocab, hidden });
  const sourceEmbedding = (id: number) => Float64Array.from({ length: hidden }, (_, h) => Math.cos(0.4 + id * 1.3 + h * 0.9));
  const targetEmbedding = inner.embedding;
  const table = (ids: Int32Array, side: 'encoder' | 'decoder') => {
    const data = new Float32Array(ids.length * hidden);
    ids.forEach((id, i) => {
      data.set(side === 'encoder' ? sourceEmbedding(id) : targetEmbedding(id), i * hidden);
    });
    return data;
  };
  const pad = vocab.indexOf('<pad>');
  const unk = vocab.indexOf('<unk>');

  function requireEncoder(encoder: EncoderInput | undefined, batch: number): EncoderInput {
    if (!encoder) {
      throw new InvalidInputError('The encoder-decoder linear model needs `encoder` (the source) in every forward and gradients call.', { code: 'INVALID_ARGUMENT' });
    }
    checkShape('encoder.attentionMask', encoder.attentionMask, encoder.inputIds.shape);
    if (encoder.inputIds.shape[0] !== batch) {
      throw new InvalidInputError(`encoder has ${encoder.inputIds.shape[0]} rows; the decoder input has ${batch}.`, { code: 'INVALID_ARGUMENT' });
    }
    checkShape('encoder.inputsEmbeds', encoder.inputsEmbeds, [...encoder.inputIds.shape, hidden]);
    return encoder;
  }

  /** z `[rows, 1, hidden]` per (row, decoder position): source sum plus the causal decoder prefix sum. */
  function sums(
    inputIds: IntTensor,
    attentionMask: IntTensor,
    inputsEmbeds: Tensor | undefined,
    encoder: EncoderInput,
    positions: 'last' | 'all',
  ): Tensor {
    const [batch, length] = inputIds.shape;
    const sourceLength = encoder.inputIds.shape[1];
    const target = inputsEmbeds?.data ?? table(inputIds.data, 'decoder');
    const source = encoder.inputsEmbeds?.data ?? table(encoder.inputIds.data, 'encoder');
    const perRow = positions === 'all' ? length : 1;
    const z = new Float32Array(batch * perRow * hidden);
    for (let b = 0; b < batch; b++) {
      const running = new Float64Array(hidden);
      for (const s of realOf(encoder.attentionMask.data, b, sourceLength)) {
        for (let h = 0; h < hidden; h++) running[h] += source[(b * sourceLength + s) * hidden + h];
      }
      for (let t = 0; t < length; t++) {
        if (attentionMask.data[b * length + t] !== 0) {
          for (let h = 0; h < hidden; h++) running[h] += target[(b * length + t) * hidden + h];
        }
        if (positions === 'all') z.set(running, (b * length + t) * hidden);
      }
      if (positions === 'last') z.set(running, b * hidden);
    }
    return { data: z, shape: [batch * perRow, 1, hidden] };
  }

  const single = (rows: number): IntTensor => ({ data: new Int32Array(rows).fill(1), shape: [rows, 1] });

  /** Attention weights `[batch, heads, queries, keys]`: softmax over visible real keys of sin(a·q + c·k + d·l + e·h). */
  function attentionWeights(
    queryIds: IntTensor,
    queryMask: IntTensor,
    keyIds: IntTensor,
    keyMask: IntTensor,
    layer: number,
    coefficients: readonly [number, number, number, number],
    causal: boolean,
  ): Tensor {
    const [batch, queries] = queryIds.shape;
    const keys = keyIds.shape[1];
    const [a, c, d, e] = coefficients;
    const data = new Float32Array(batch * heads * queries * keys);
    for (let b = 0; b < batch; b++) {
      const realKeys = realOf(keyMask.data, b, keys);
      for (const q of realOf(queryMask.data, b, queries)) {
        const visible = causal ? realKeys.filter((k) => k <= q) : realKeys;
        for (let h = 0; h < heads; h++) {
          const scores = visible.map((k) => Math.sin(a * queryIds.data[b * queries + q] + c * keyIds.data[b * keys + k] + d * layer + e * h));
          const exps = scores.map((score) => Math.exp(score));
          const total = exps.reduce((x, y) => x + y, 0);
          visible.forEach((k, n) => {
            data[((b * heads + h) * queries + q) * keys + k] = exps[n] / total;
          });
        }
      }
    }
    return { data, shape: [batch, heads, queries, keys] };
  }

  const backend: ModelBackend = {
    name: 'encoder-decoder-linear',
    config: {
      modelType: 'encoder-decoder-linear',
      vocabSize: vocab.length,
      hiddenSize: hidden,
      numLayers: layers,
      numHeads: heads,
      maxPositions: 64,
      isEncoderDecoder: true,
      eosTokenId: 0,
      ...(pad >= 0 && { padTokenId: pad, decoderStartTokenId: pad }),
      raw: {},
    },
    capabilities: {
      forward: true,
      gradients: true,
      attentions: true,
      layerActivations: false,
      hiddenStates: false,
      embeddingInputs: true,
      rescaleGradients: true,
    },
    async embed(inputIds, side = 'decoder') {
      return { data: table(inputIds.data, side), shape: [...inputIds.shape, hidden] };
    },
    async forward(input) {
      const [batch, length] = input.inputIds.shape;
      const encoder = requireEncoder(input.encoder, batch);
      checkShape('inputsEmbeds', input.inputsEmbeds, [batch, length, hidden]);
      const all = input.logitsAt === 'all';
      const z = sums(input.inputIds, input.attentionMask, input.inputsEmbeds, encoder, all ? 'all' : 'last');
      const rows = z.shape[0];
      const { logits } = await inner.backend.forward({ inputIds: { data: new Int32Array(rows), shape: [rows, 1] }, attentionMask: single(rows), inputsEmbeds: z });
      const shaped: Tensor = all ? { data: logits.data, shape: [batch, length, vocab.length] } : logits;
      if (!input.outputAttentions) return { logits: shaped };
      const decoder = [input.inputIds, input.attentionMask] as const;
      const source = [encoder.inputIds, encoder.attentionMask] as const;
      const perLayer = (f: (l: number) => Tensor) => Array.from({ length: layers }, (_, l) => f(l));
      return {
        logits: shaped,
        attentions: perLayer((l) => attentionWeights(...decoder, ...decoder, l, [0.7, 1.3, 1, 0.5], true)),
        crossAttentions: perLayer((l) => attentionWeights(...decoder, ...source, l, [0.9, 0.4, 0.3, 0.8], false)),
        encoderAttentions: perLayer((l) => attentionWeights(...source, ...source, l, [0.6, 1.1, 0.2, 0.7], false)),
      };
    },
    async gradients(input) {
      const [batch, length] = input.inputIds.shape;
      const encoder = requireEncoder(input.encoder, batch);
      if (!encoder.inputsEmbeds) {
        throw new InvalidInputError('gradients of an encoder-decoder model need encoder.inputsEmbeds (what encoderGradients differentiate).', { code: 'INVALID_ARGUMENT' });
      }
      if (input.layer) {
        throw new InvalidInputError(`The encoder-decoder linear model has no layers to capture ('${input.layer.name}').`, { code: 'INVALID_ARGUMENT' });
      }
      checkShape('inputsEmbeds', input.inputsEmbeds, [batch, length, hidden]);
      checkShape('rescale.referenceEmbeds', input.rescale?.referenceEmbeds, input.inputsEmbeds.shape);
      checkShape('rescale.encoderReferenceEmbeds', input.rescale?.encoderReferenceEmbeds, encoder.inputsEmbeds.shape);
      const z = sums(input.inputIds, input.attentionMask, input.inputsEmbeds, encoder, 'last');
      // d F / d z: the gradient at every real position of either side, since z is their plain sum.
      const at = await inner.backend.gradients!({
        inputIds: { data: new Int32Array(batch), shape: [batch, 1] },
        attentionMask: single(batch),
        inputsEmbeds: z,
        targetIds: input.targetIds,
        target: input.target,
        ...(input.contrast && { contrast: input.contrast }),
      });
      const spread = (mask: IntTensor) => {
        const [, width] = mask.shape;
        const data = new Float32Array(batch * width * hidden);
        for (let b = 0; b < batch; b++) {
          for (const s of realOf(mask.data, b, width)) data.set(at.gradients.data.subarray(b * hidden, (b + 1) * hidden), (b * width + s) * hidden);
        }
        return { data, shape: [batch, width, hidden] };
      };
      return { gradients: spread(input.attentionMask), encoderGradients: spread(encoder.attentionMask), targetValues: at.targetValues };
    },
    async dispose() {},
  };
  const words = wordTokenizer(vocab);
  const tokenizer: Tokenizer = {
    ...words,
    encode: (text) => [...words.encode(text), 0],
    specialTokenIds: { eos: 0, ...(unk >= 0 && { unk }), ...(pad >= 0 && { pad }) },
  };
  return {
    name: 'encoder-decoder-linear',
    backend,
    tokenizer,
    generationConfig: { maxNewTokens: 3 },
    sourceEmbedding,
    targetEmbedding,
    weight: inner.weight,
    layers,
    heads,
  };
}
