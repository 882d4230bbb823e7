import type { AttributionModel, ModelBackend, Tensor } from '@inseq/core';
import { wordTokenizer } from './word-tokenizer';

/** Options of {@link attentionLinearModel}. */
export interface AttentionLinearModelOptions {
  /** Word-level vocabulary; id 0 is the end-of-sequence token. */
  readonly vocab?: readonly string[];
  /** @defaultValue 4 */
  readonly hidden?: number;
  /** @defaultValue 2 */
  readonly layers?: number;
  /** @defaultValue 2 */
  readonly heads?: number;
}

/** What a test needs to recompute {@link attentionLinearModel} in closed form. */
export interface AttentionLinearModel extends AttributionModel {
  readonly layers: number;
  readonly heads: number;
  readonly hidden: number;
}

/**
 * A tiny closed-form causal transformer wrapped as a {@link ModelBackend} with the capabilities
 * attention methods need (`attentions`, `hiddenStates`, `valueZeroing`), for tests. Each layer is
 *
 *   x′ₛ = xₛ + Σₕ Σ_{j ≤ s} aₕ(s, j) · Vₕ xⱼ,  aₕ(s, ·) = softmax_j((Qₕ xₛ)·(Kₕ xⱼ) / √hidden)
 *
 * over the real (unmasked) positions only, with deterministic weights; logits = W · x_L at the
 * last (or every) position. No position embeddings, so a row's numbers do not depend on its left
 * padding. `zeroValues` sets Vₕ x_j = 0 for the given padded position j in one layer, all heads.
 * Attentions are `[batch, heads, seq, seq]` with zero rows and columns on padding; hidden states
 * are zero on padding. No gradients.
 */
export function attentionLinearModel(options: AttentionLinearModelOptions = {}): AttentionLinearModel {
  const vocab = options.vocab ?? ['<eos>', 'the', 'cat', 'sat', 'on', 'mat', 'a', 'dog', '<unk>'];
  const hidden = options.hidden ?? 4;
  const layers = options.layers ?? 2;
  const heads = options.heads ?? 2;
  const embedding = (id: number) => Float64Array.from({ length: hidden }, (_, h) => Math.sin(1 + id * 1.7 + h * 0.3));
  const matrix = (seed: number, scale: number) =>
    Array.from({ length: hidden }, (_, i) =>
      Float64Array.from({ length: hidden }, (_, k) => scale * Math.sin(seed + 0.37 * i + 0.91 * k * (1 + i))),
    );
  const weights = Array.from({ length: layers }, (_, l) =>
    Array.from({ length: heads }, (_, h) => ({
      q: matrix(1 + 0.7 * l + 1.3 * h, 1.5),
      k: matrix(2 + 0.5 * l + 1.1 * h, 1.5),
      v: matrix(3 + 0.3 * l + 0.9 * h, 0.5),
    })),
  );
  const W = vocab.map((_, v) => Float64Array.from({ length: hidden }, (_, h) => Math.cos(v * 0.9 + h * 1.3)));
  const apply = (m: Float64Array[], x: Float64Array) => Float64Array.from(m, (row) => row.reduce((acc, w, k) => acc + w * x[k], 0));
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((acc, v, i) => acc + v * b[i], 0);

  const backend: ModelBackend = {
    name: 'attention-linear',
    config: {
      modelType: 'attention-linear',
      vocabSize: vocab.length,
      hiddenSize: hidden,
      numLayers: layers,
      numHeads: heads,
      maxPositions: 64,
      isEncoderDecoder: false,
      eosTokenId: 0,
      raw: {},
    },
    capabilities: {
      embeddingInputs: true,
      forward: true,
      gradients: false,
      attentions: true,
      layerActivations: false,
      hiddenStates: true,
      valueZeroing: true,
    },
    async embed(inputIds) {
      const data = new Float32Array(inputIds.data.length * hidden);
      inputIds.data.forEach((id, i) => {
        data.set(embedding(id), i * hidden);
      });
      return { data, shape: [...inputIds.shape, hidden] };
    },
    async forward(input) {
      const [batch, seq] = input.inputIds.shape;
      const mask = input.attentionMask.data;
      const attentions = Array.from({ length: layers }, () => new Float32Array(batch * heads * seq * seq));
      const states = Array.from({ length: layers + 1 }, () => new Float32Array(batch * seq * hidden));
      const logitsAll = input.logitsAt === 'all';
      const logits = new Float32Array(batch * (logitsAll ? seq : 1) * vocab.length);
      for (let b = 0; b < batch; b++) {
        const real = Array.from({ length: seq }, (_, s) => s).filter((s) => mask[b * seq + s] !== 0);
        let x = new Map<number, Float64Array>(
          real.map((s) => [
            s,
            input.inputsEmbeds
              ? Float64Array.from(input.inputsEmbeds.data.subarray((b * seq + s) * hidden, (b * seq + s + 1) * hidden))
              : embedding(input.inputIds.data[b * seq + s]),
          ]),
        );
        const store = (layer: number) => {
          for (const [s, v] of x) states[layer].set(v, (b * seq + s) * hidden);
        };
        store(0);
        for (let l = 0; l < layers; l++) {
          const zeroed = input.zeroValues && input.zeroValues.layer === l ? input.zeroValues.positions[b] : -1;
          const next = new Map<number, Float64Array>();
          for (const s of real) next.set(s, Float64Array.from(x.get(s)!));
          for (let h = 0; h < heads; h++) {
            const { q, k, v } = weights[l][h];
            const keys = new Map(real.map((j) => [j, apply(k, x.get(j)!)]));
            const values = new Map(real.map((j) => [j, j === zeroed ? new Float64Array(hidden) : apply(v, x.get(j)!)]));
            for (const s of real) {
              const query = apply(q, x.get(s)!);
              const visible = real.filter((j) => j <= s);
              const scores = visible.map((j) => dot(query, keys.get(j)!) / Math.sqrt(hidden));
              const max = Math.max(...scores);
              const e = scores.map((z) => Math.exp(z - max));
              const total = e.reduce((a, c) => a + c, 0);
              visible.forEach((j, n) => {
                const a = e[n] / total;
                attentions[l][((b * heads + h) * seq + s) * seq + j] = a;
                const out = next.get(s)!;
                const value = values.get(j)!;
                for (let i = 0; i < hidden; i++) out[i] += a * value[i];
              });
            }
          }
          x = next;
          store(l + 1);
        }
        const positions = logitsAll ? Array.from({ length: seq }, (_, s) => s) : [seq - 1];
        positions.forEach((s, n) => {
          const state = x.get(s);
          if (!state) return;
          const row = (b * positions.length + n) * vocab.length;
          W.forEach((w, v) => {
            logits[row + v] = dot(w, state);
          });
        });
      }
      const logitsTensor: Tensor = { data: logits, shape: logitsAll ? [batch, seq, vocab.length] : [batch, vocab.length] };
      return {
        logits: logitsTensor,
        attentions: input.outputAttentions ? attentions.map((data) => ({ data, shape: [batch, heads, seq, seq] })) : undefined,
        hiddenStates: input.outputHiddenStates ? states.map((data) => ({ data, shape: [batch, seq, hidden] })) : undefined,
      };
    },
    async dispose() {},
  };
  const tokenizer = wordTokenizer(vocab);
  return { name: 'attention-linear', backend, tokenizer, generationConfig: { maxNewTokens: 3 }, layers, heads, hidden };
}
