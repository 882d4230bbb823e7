import type { AttributionModel, ModelBackend } from '../contracts/model-backend';
import { selectContrastRows } from '../contracts/differentiable-target';
import type { Tokenizer } from '../contracts/tokenizer';
import { float64TargetOps } from './float64-target-ops.test-support';

/**
 * A closed-form "language model" for loop tests: logits = W · (sum of the real positions'
 * embeddings), with word-level tokens. Its gradient of the logit target is W[target] at every
 * position, so loop bookkeeping can be checked exactly.
 */
export function linearModel(options: { vocab?: string[]; hidden?: number; maxPositions?: number } = {}): AttributionModel {
  const vocab = options.vocab ?? ['<eos>', 'the', 'cat', 'sat', 'on', 'mat', 'a', 'dog'];
  const hidden = options.hidden ?? 3;
  const embedding = (id: number, h: number) => Math.sin(1 + id * 1.7 + h * 0.3);
  const weight = (v: number, h: number) => Math.cos(v * 0.9 + h * 1.3) * (v === 0 ? -3 : 1);
  const summed = (ids: Int32Array, mask: Int32Array, embeds: Float32Array | undefined, b: number, seq: number) => {
    const sum = new Float64Array(hidden);
    for (let s = 0; s < seq; s++) {
      if (mask[b * seq + s] === 0) continue;
      for (let h = 0; h < hidden; h++) sum[h] += embeds ? embeds[(b * seq + s) * hidden + h] : embedding(ids[b * seq + s], h);
    }
    return sum;
  };
  const logitsOf = (sum: Float64Array) => Float32Array.from(vocab, (_, v) => sum.reduce((acc, x, h) => acc + x * weight(v, h), 0));
  const ops = float64TargetOps;
  const backend: ModelBackend = {
    name: 'linear',
    config: {
      modelType: 'linear',
      vocabSize: vocab.length,
      hiddenSize: hidden,
      numLayers: 0,
      numHeads: 0,
      maxPositions: options.maxPositions ?? 32,
      isEncoderDecoder: false,
      eosTokenId: 0,
      raw: {},
    },
    capabilities: { forward: true, gradients: true, attentions: false, layerActivations: false, hiddenStates: false },
    async embed(inputIds) {
      const [batch, seq] = inputIds.shape;
      const data = new Float32Array(batch * seq * hidden);
      for (let i = 0; i < batch * seq; i++) for (let h = 0; h < hidden; h++) data[i * hidden + h] = embedding(inputIds.data[i], h);
      return { data, shape: [batch, seq, hidden] };
    },
    async forward({ inputIds, attentionMask, inputsEmbeds }) {
      const [batch, seq] = inputIds.shape;
      const data = new Float32Array(batch * vocab.length);
      for (let b = 0; b < batch; b++) data.set(logitsOf(summed(inputIds.data, attentionMask.data, inputsEmbeds?.data, b, seq)), b * vocab.length);
      return { logits: { data, shape: [batch, vocab.length] } };
    },
    async gradients({ inputIds, attentionMask, inputsEmbeds, targetIds, target, contrast }) {
      // Central differences on the exact function: the model is linear in the summed embedding.
      const [batch, seq] = inputIds.shape;
      const gradients = new Float32Array(batch * seq * hidden);
      const targetValues = new Float32Array(batch);
      for (let b = 0; b < batch; b++) {
        const base = summed(inputIds.data, attentionMask.data, inputsEmbeds.data, b, seq);
        const rowContrast = contrast && selectContrastRows(contrast, [b]);
        const value = (sum: Float64Array) =>
          target.build(ops, Float64Array.from(logitsOf(sum)), Int32Array.of(targetIds[b]), { contrast: rowContrast })[0];
        targetValues[b] = value(base);
        const grad = new Float64Array(hidden);
        for (let h = 0; h < hidden; h++) {
          const eps = 1e-4;
          const plus = Float64Array.from(base);
          const minus = Float64Array.from(base);
          plus[h] += eps;
          minus[h] -= eps;
          grad[h] = (value(plus) - value(minus)) / (2 * eps);
        }
        for (let s = 0; s < seq; s++) {
          if (attentionMask.data[b * seq + s] === 0) continue;
          for (let h = 0; h < hidden; h++) gradients[(b * seq + s) * hidden + h] = grad[h];
        }
      }
      return { gradients: { data: gradients, shape: [batch, seq, hidden] }, targetValues };
    },
    async dispose() {},
  };
  const tokenizer: Tokenizer = {
    encode: (text) => text.split(/\s+/).filter(Boolean).map((word) => {
      const id = vocab.indexOf(word);
      if (id < 0) throw new Error(`unknown word ${word}`);
      return id;
    }),
    decode: (ids, opts) => ids.filter((id) => !(opts?.skipSpecialTokens && id === 0)).map((id) => vocab[id]).join(' '),
    idToToken: (id) => vocab[id],
    specialTokenIds: { eos: 0, unk: 0 },
  };
  return { name: 'linear', backend, tokenizer, generationConfig: { maxNewTokens: 3 } };
}
