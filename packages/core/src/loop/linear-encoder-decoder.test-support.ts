import { selectContrastRows } from '../contracts/differentiable-target';
import type { AttributionModel, ModelBackend } from '../contracts/model-backend';
import type { Tokenizer } from '../contracts/tokenizer';
import { float64TargetOps } from './float64-target-ops.test-support';

const VOCAB = ['<pad>', '</s>', 'the', 'cat', 'sat', 'il', 'gatto', 'dorme', '__it__', 'a'];

/**
 * A closed-form encoder-decoder for loop tests: logits = W · (Σ real source embeddings + Σ real
 * decoder embeddings), word tokens, `</s>` appended to every encoded text (as Marian's tokenizer
 * does), `<pad>` (0) the decoder start token, `</s>` (1) the eos. Its gradient with respect to any
 * real position's embedding (source or target) is the gradient with respect to the sum.
 */
export function linearEncoderDecoderModel(options: { hidden?: number } = {}): AttributionModel {
  const hidden = options.hidden ?? 3;
  const embedding = (id: number, h: number) => Math.sin(1 + id * 1.3 + h * 0.7);
  const weight = (v: number, h: number) => Math.cos(v * 1.1 + h * 0.9) * (v === 1 ? 0.5 : 1);
  const sumRows = (ids: Int32Array, mask: Int32Array, embeds: Float32Array | undefined, b: number, seq: number, into: Float64Array) => {
    for (let s = 0; s < seq; s++) {
      if (mask[b * seq + s] === 0) continue;
      for (let h = 0; h < hidden; h++) into[h] += embeds ? embeds[(b * seq + s) * hidden + h] : embedding(ids[b * seq + s], h);
    }
  };
  const logitsOf = (sum: Float64Array) => Float32Array.from(VOCAB, (_, v) => sum.reduce((acc, x, h) => acc + x * weight(v, h), 0));
  const ops = float64TargetOps;
  const embedIds = (ids: Int32Array, shape: readonly number[]) => {
    const data = new Float32Array(ids.length * hidden);
    for (let i = 0; i < ids.length; i++) for (let h = 0; h < hidden; h++) data[i * hidden + h] = embedding(ids[i], h);
    return { data, shape: [shape[0], shape[1], hidden] };
  };
  const backend: ModelBackend = {
    name: 'linear-encoder-decoder',
    config: {
      modelType: 'linear_seq2seq',
      vocabSize: VOCAB.length,
      hiddenSize: hidden,
      numLayers: 0,
      numHeads: 0,
      maxPositions: 16,
      isEncoderDecoder: true,
      eosTokenId: 1,
      padTokenId: 0,
      decoderStartTokenId: 0,
      raw: {},
    },
    capabilities: { forward: true, gradients: true, attentions: false, layerActivations: false, hiddenStates: false },
    async embed(inputIds) {
      return embedIds(inputIds.data, inputIds.shape);
    },
    async forward({ inputIds, attentionMask, inputsEmbeds, encoder }) {
      if (!encoder) throw new Error('the encoder-decoder test model needs an encoder input');
      const [batch, seq] = inputIds.shape;
      const sourceLength = encoder.inputIds.shape[1];
      const data = new Float32Array(batch * VOCAB.length);
      for (let b = 0; b < batch; b++) {
        const sum = new Float64Array(hidden);
        sumRows(encoder.inputIds.data, encoder.attentionMask.data, encoder.inputsEmbeds?.data, b, sourceLength, sum);
        sumRows(inputIds.data, attentionMask.data, inputsEmbeds?.data, b, seq, sum);
        data.set(logitsOf(sum), b * VOCAB.length);
      }
      return { logits: { data, shape: [batch, VOCAB.length] } };
    },
    async gradients({ inputIds, attentionMask, inputsEmbeds, targetIds, target, contrast, encoder }) {
      if (!encoder?.inputsEmbeds) throw new Error('the encoder-decoder test model needs encoder embeddings');
      const [batch, seq] = inputIds.shape;
      const sourceLength = encoder.inputIds.shape[1];
      const gradients = new Float32Array(batch * seq * hidden);
      const encoderGradients = new Float32Array(batch * sourceLength * hidden);
      const targetValues = new Float32Array(batch);
      for (let b = 0; b < batch; b++) {
        const base = new Float64Array(hidden);
        sumRows(encoder.inputIds.data, encoder.attentionMask.data, encoder.inputsEmbeds.data, b, sourceLength, base);
        sumRows(inputIds.data, attentionMask.data, inputsEmbeds.data, b, seq, base);
        const rowContrast = contrast && selectContrastRows(contrast, [b]);
        const value = (sum: Float64Array) => target.build(ops, Float64Array.from(logitsOf(sum)), Int32Array.of(targetIds[b]), { contrast: rowContrast })[0];
        targetValues[b] = value(base);
        const grad = Float64Array.from({ length: hidden }, (_, h) => {
          const [plus, minus] = [Float64Array.from(base), Float64Array.from(base)];
          plus[h] += 1e-4;
          minus[h] -= 1e-4;
          return (value(plus) - value(minus)) / 2e-4;
        });
        for (let s = 0; s < seq; s++) if (attentionMask.data[b * seq + s]) gradients.set(grad, (b * seq + s) * hidden);
        for (let s = 0; s < sourceLength; s++) if (encoder.attentionMask.data[b * sourceLength + s]) encoderGradients.set(grad, (b * sourceLength + s) * hidden);
      }
      return {
        gradients: { data: gradients, shape: [batch, seq, hidden] },
        encoderGradients: { data: encoderGradients, shape: [batch, sourceLength, hidden] },
        targetValues,
      };
    },
    async dispose() {},
  };
  const tokenizer: Tokenizer = {
    encode: (text) => [
      ...text
        .split(/\s+/)
        .filter(Boolean)
        .map((word) => {
          const id = VOCAB.indexOf(word);
          if (id < 0) throw new Error(`unknown word ${word}`);
          return id;
        }),
      1,
    ],
    decode: (ids, opts) => ids.filter((id) => !(opts?.skipSpecialTokens && id <= 1)).map((id) => VOCAB[id]).join(' '),
    idToToken: (id) => VOCAB[id],
    tokenToId: (token) => (VOCAB.includes(token) ? VOCAB.indexOf(token) : undefined),
    specialTokenIds: { pad: 0, eos: 1 },
  };
  return { name: 'linear-encoder-decoder', backend, tokenizer, generationConfig: { maxNewTokens: 4 } };
}
