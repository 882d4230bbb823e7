import {
  type AttributionModel,
  InvalidInputError,
  type LayerIntervention,
  type ModelBackend,
  selectContrastRows,
  type TargetOps,
} from '@inseq/core';
import { wordTokenizer } from './word-tokenizer';

/** A value and its derivatives along `hidden` directions (forward-mode automatic differentiation). */
interface Dual {
  readonly value: Float64Array;
  /** `tangents[h][i]`: d value[i] / d direction h. */
  readonly tangents: Float64Array[];
}

const map = (x: Dual, f: (v: number) => number, df: (v: number, i: number) => number): Dual => ({
  value: x.value.map(f),
  tangents: x.tangents.map((t) => t.map((dt, i) => dt * df(x.value[i], i))),
});

/** Exact derivatives of any target written in {@link TargetOps}, through dual numbers along `directions` axes. */
const dualOps = (directions: number): TargetOps<Dual> => ({
  softmax(x) {
    const max = Math.max(...x.value);
    const e = x.value.map((v) => Math.exp(v - max));
    const total = e.reduce((a, b) => a + b, 0);
    const p = e.map((v) => v / total);
    return {
      value: p,
      tangents: x.tangents.map((t) => {
        const mean = t.reduce((acc, dt, j) => acc + p[j] * dt, 0);
        return p.map((pi, i) => pi * (t[i] - mean));
      }),
    };
  },
  logSoftmax(x) {
    const max = Math.max(...x.value);
    const lse = Math.log(x.value.reduce((a, v) => a + Math.exp(v - max), 0)) + max;
    const p = x.value.map((v) => Math.exp(v - lse));
    return {
      value: x.value.map((v) => v - lse),
      tangents: x.tangents.map((t) => {
        const mean = t.reduce((acc, dt, j) => acc + p[j] * dt, 0);
        return t.map((dt) => dt - mean);
      }),
    };
  },
  gather: (x, ids) => ({ value: Float64Array.of(x.value[ids[0]]), tangents: x.tangents.map((t) => Float64Array.of(t[ids[0]])) }),
  add: (a, b) => ({ value: a.value.map((v, i) => v + b.value[i]), tangents: a.tangents.map((t, h) => t.map((v, i) => v + b.tangents[h][i])) }),
  sub: (a, b) => ({ value: a.value.map((v, i) => v - b.value[i]), tangents: a.tangents.map((t, h) => t.map((v, i) => v - b.tangents[h][i])) }),
  mul: (a, b) => ({
    value: a.value.map((v, i) => v * b.value[i]),
    tangents: a.tangents.map((t, h) => t.map((dt, i) => dt * b.value[i] + a.value[i] * b.tangents[h][i])),
  }),
  exp: (x) => map(x, Math.exp, (v) => Math.exp(v)),
  log: (x) => map(x, Math.log, (v) => 1 / v),
  neg: (x) => map(x, (v) => -v, () => -1),
  sum: (x) => ({ value: Float64Array.of(x.value.reduce((a, b) => a + b, 0)), tangents: x.tangents.map((t) => Float64Array.of(t.reduce((a, b) => a + b, 0))) }),
  // One example at a time: a [1, n] or [1] constant becomes a row of n values with zero tangents.
  constant: (values, shape) => {
    const value = Float64Array.from(values.subarray(0, shape.at(-1) ?? 1));
    return { value, tangents: Array.from({ length: directions }, () => new Float64Array(value.length)) };
  },
});

/** Options of {@link linearModel}. */
export interface LinearModelOptions {
  /** Word-level vocabulary; id 0 is the end-of-sequence token. */
  readonly vocab?: readonly string[];
  readonly hidden?: number;
  readonly maxPositions?: number;
}

/** What a test needs to compute expected attributions of {@link linearModel} in closed form. */
export interface LinearModel extends AttributionModel {
  /** Token embedding `[hidden]` of an id. */
  embedding(id: number): Float64Array;
  /** Output weights `W[v]` `[hidden]`: logits = W · Σ embeddings of the real positions. */
  weight(vocabId: number): Float64Array;
}

/** The one layer of {@link linearModel}: its output is the token embeddings. */
const LAYER_NAMES = ['embeddings'];

/** Fails on a layer name the model does not have, listing the ones it has (as a real backend must). */
function checkLayer(layer: LayerIntervention | undefined, shape: readonly number[]): void {
  if (!layer) return;
  if (!LAYER_NAMES.includes(layer.name)) {
    throw new InvalidInputError(`The linear model has no layer '${layer.name}'. Its layers are: ${LAYER_NAMES.join(', ')}.`, { code: 'INVALID_ARGUMENT' });
  }
  if (layer.override && layer.override.shape.join() !== shape.join()) {
    throw new InvalidInputError(
      `Layer override has shape [${layer.override.shape.join(', ')}]; expected [${shape.join(', ')}].`, { code: 'INVALID_ARGUMENT' },
    );
  }
}

/**
 * A closed-form "language model" wrapped as a {@link ModelBackend}: logits = W · Σₛ xₛ over the
 * real (unpadded) positions, word-level tokens split on spaces. Gradients are exact (forward-mode
 * dual numbers through the target), so methods can be checked against formulas: with the `logit`
 * target, integrated gradients, DeepLIFT and input × gradient equal (x − b)·W[target].
 *
 * Optional capabilities: one layer, `embeddings` (its output is the token embeddings, so layer
 * methods there equal their input-embedding counterparts; `override` replaces the embeddings and
 * gradients are taken with respect to it), and `rescale`. The model has no hidden
 * non-linearity, so its DeepLIFT Rescale multipliers are the plain gradients: the target (e.g.
 * a softmax probability) is differentiated normally, as Captum's DeepLift does with a final
 * softmax computed outside modules.
 */
export function linearModel(options: LinearModelOptions = {}): LinearModel {
  const vocab = options.vocab ?? ['<eos>', 'the', 'cat', 'sat', 'on', 'mat', 'a', 'dog', '<unk>'];
  const hidden = options.hidden ?? 3;
  const embedding = (id: number) => Float64Array.from({ length: hidden }, (_, h) => Math.sin(1 + id * 1.7 + h * 0.3));
  const weight = (v: number) => Float64Array.from({ length: hidden }, (_, h) => Math.cos(v * 0.9 + h * 1.3) * (v === 0 ? -3 : 1));
  const W = vocab.map((_, v) => weight(v));
  const logitsOf = (z: Float64Array) => Float64Array.from(W, (w) => w.reduce((acc, wh, h) => acc + wh * z[h], 0));
  const summed = (mask: Int32Array, embeds: Float32Array, b: number, seq: number) => {
    const z = new Float64Array(hidden);
    for (let s = 0; s < seq; s++) {
      if (mask[b * seq + s] === 0) continue;
      for (let h = 0; h < hidden; h++) z[h] += embeds[(b * seq + s) * hidden + h];
    }
    return z;
  };
  const embedIds = (ids: Int32Array) => {
    const data = new Float32Array(ids.length * hidden);
    ids.forEach((id, i) => {
      data.set(embedding(id), i * hidden);
    });
    return data;
  };
  const backend: ModelBackend = {
    name: 'linear',
    config: {
      modelType: 'linear',
      vocabSize: vocab.length,
      hiddenSize: hidden,
      numLayers: 0,
      numHeads: 0,
      maxPositions: options.maxPositions ?? 64,
      isEncoderDecoder: false,
      eosTokenId: 0,
      raw: {},
    },
    capabilities: {
      embeddingInputs: true,
      forward: true,
      gradients: true,
      attentions: false,
      layerActivations: true,
      hiddenStates: false,
      rescaleGradients: true,
    },
    layerNames: () => [...LAYER_NAMES],
    async embed(inputIds) {
      return { data: embedIds(inputIds.data), shape: [...inputIds.shape, hidden] };
    },
    async forward({ inputIds, attentionMask, inputsEmbeds, layer }) {
      const [batch, seq] = inputIds.shape;
      checkLayer(layer, [batch, seq, hidden]);
      const embeds = layer?.override?.data ?? inputsEmbeds?.data ?? embedIds(inputIds.data);
      const data = new Float32Array(batch * vocab.length);
      for (let b = 0; b < batch; b++) data.set(logitsOf(summed(attentionMask.data, embeds, b, seq)), b * vocab.length);
      const logits = { data, shape: [batch, vocab.length] };
      return layer ? { logits, layerActivation: { data: Float32Array.from(embeds), shape: [batch, seq, hidden] } } : { logits };
    },
    async gradients({ inputIds, attentionMask, inputsEmbeds, targetIds, target, contrast, layer, rescale }) {
      const [batch, seq] = inputIds.shape;
      checkLayer(layer, [batch, seq, hidden]);
      if (rescale && rescale.referenceEmbeds.shape.join() !== inputsEmbeds.shape.join()) {
        throw new InvalidInputError(
          `rescale.referenceEmbeds has shape [${rescale.referenceEmbeds.shape.join(', ')}]; expected [${inputsEmbeds.shape.join(', ')}].`, { code: 'INVALID_ARGUMENT' },
        );
      }
      // With a layer the gradient is taken at its (possibly replaced) output: here, the embeddings.
      const embeds = layer?.override?.data ?? inputsEmbeds.data;
      const gradients = new Float32Array(batch * seq * hidden);
      const targetValues = new Float32Array(batch);
      for (let b = 0; b < batch; b++) {
        const z = summed(attentionMask.data, embeds, b, seq);
        // d logits / d z_h = W[:, h]: the tangent of direction h.
        const logits: Dual = { value: logitsOf(z), tangents: Array.from({ length: hidden }, (_, h) => Float64Array.from(W, (w) => w[h])) };
        const context = contrast ? { contrast: selectContrastRows(contrast, [b]) } : undefined;
        const out = target.build(dualOps(hidden), logits, Int32Array.of(targetIds[b]), context);
        targetValues[b] = out.value[0];
        for (let s = 0; s < seq; s++) {
          if (attentionMask.data[b * seq + s] === 0) continue;
          for (let h = 0; h < hidden; h++) gradients[(b * seq + s) * hidden + h] = out.tangents[h][0];
        }
      }
      const shape = [batch, seq, hidden];
      return layer
        ? { gradients: { data: gradients, shape }, targetValues, layerActivation: { data: Float32Array.from(embeds), shape } }
        : { gradients: { data: gradients, shape }, targetValues };
    },
    async dispose() {},
  };
  const tokenizer = wordTokenizer(vocab);
  return { name: 'linear', backend, tokenizer, generationConfig: { maxNewTokens: 3 }, embedding, weight };
}
