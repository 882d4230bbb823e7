import { describe, expect, it } from 'vitest';
import { createTinyGpt2 } from './create-tiny-gpt2';
import { maxAbsDiff } from './max-abs-diff';
import type { NamedWeight } from './named-weight';
import { referenceGpt2Forward } from './reference-gpt2-forward';

const { weights, config } = createTinyGpt2();
const vocab = config.vocab_size as number;
const hidden = config.n_embd as number;

/** Logits of row `b`, position `t`. */
const logitsAt = (out: { logits: Float64Array; shape: number[] }, b: number, t: number) =>
  out.logits.subarray((b * out.shape[1] + t) * vocab, (b * out.shape[1] + t + 1) * vocab);

describe('referenceGpt2Forward', () => {
  const ids = [464, 262, 286, 318, 13, 1000];

  it('returns finite, non-flat logits at every position', () => {
    const out = referenceGpt2Forward(weights, config, [ids], [ids.map(() => 1)]);
    expect(out.shape).toEqual([1, ids.length, vocab]);
    expect(out.logits.length).toBe(ids.length * vocab);
    expect(out.logits.every(Number.isFinite)).toBe(true);
    const last = logitsAt(out, 0, ids.length - 1);
    const mean = last.reduce((a, b) => a + b, 0) / vocab;
    const std = Math.sqrt(last.reduce((a, b) => a + (b - mean) ** 2, 0) / vocab);
    // Random init with std 0.2: logits spread by about 1, so softmax is far from uniform.
    expect(std).toBeGreaterThan(0.5);
  });

  it('gives a left-padded row the logits of the same row unpadded', () => {
    const single = referenceGpt2Forward(weights, config, [ids], [ids.map(() => 1)]);
    const short = ids.slice(0, 4);
    const padId = vocab - 1;
    const batch = referenceGpt2Forward(
      weights,
      config,
      [ids, [padId, padId, ...short]],
      [ids.map(() => 1), [0, 0, 1, 1, 1, 1]],
    );
    for (let t = 0; t < ids.length; t++) expect(maxAbsDiff(logitsAt(batch, 0, t), logitsAt(single, 0, t))).toBe(0);
    const shortAlone = referenceGpt2Forward(weights, config, [short], [[1, 1, 1, 1]]);
    for (let t = 0; t < short.length; t++) {
      expect(maxAbsDiff(logitsAt(batch, 1, t + 2), logitsAt(shortAlone, 0, t))).toBeLessThan(1e-9);
    }
    // Padded query rows attend uniformly to masked keys: meaningless but finite.
    expect(logitsAt(batch, 1, 0).every(Number.isFinite)).toBe(true);
  });

  it('ignores right padding and survives a fully padded row', () => {
    const short = ids.slice(0, 3);
    const alone = referenceGpt2Forward(weights, config, [short], [[1, 1, 1]]);
    const padded = referenceGpt2Forward(weights, config, [[...short, 5, 5]], [[1, 1, 1, 0, 0]]);
    for (let t = 0; t < short.length; t++) expect(maxAbsDiff(logitsAt(padded, 0, t), logitsAt(alone, 0, t))).toBe(0);
    const empty = referenceGpt2Forward(weights, config, [[1, 2, 3]], [[0, 0, 0]]);
    expect(empty.logits.every(Number.isFinite)).toBe(true);
  });

  it('is causal: a later token does not change earlier logits', () => {
    const a = referenceGpt2Forward(weights, config, [ids], [ids.map(() => 1)]);
    const changed = [...ids.slice(0, 4), 42, 43];
    const b = referenceGpt2Forward(weights, config, [changed], [ids.map(() => 1)]);
    for (let t = 0; t < 4; t++) expect(maxAbsDiff(logitsAt(a, 0, t), logitsAt(b, 0, t))).toBe(0);
    expect(maxAbsDiff(logitsAt(a, 0, 4), logitsAt(b, 0, 4))).toBeGreaterThan(1e-3);
  });

  it('accepts inputsEmbeds in place of the token lookup', () => {
    const wte = weights['transformer.wte.weight'].data;
    const embeds = [ids.map((id) => Array.from(wte.subarray(id * hidden, (id + 1) * hidden)))];
    const mask = [ids.map(() => 1)];
    const fromIds = referenceGpt2Forward(weights, config, [ids], mask);
    const fromEmbeds = referenceGpt2Forward(weights, config, [], mask, { inputsEmbeds: embeds });
    expect(maxAbsDiff(fromEmbeds.logits, fromIds.logits)).toBe(0);
    embeds[0][2][0] += 0.5;
    const nudged = referenceGpt2Forward(weights, config, [], mask, { inputsEmbeds: embeds });
    expect(maxAbsDiff(logitsAt(nudged, 0, 1), logitsAt(fromIds, 0, 1))).toBe(0);
    expect(maxAbsDiff(logitsAt(nudged, 0, 2), logitsAt(fromIds, 0, 2))).toBeGreaterThan(1e-4);
  });

  it('reduces to ln_f(wte + wpe) @ wteᵀ when every block weight is zero', () => {
    const zeroed: Record<string, NamedWeight> = {};
    for (const [name, weight] of Object.entries(weights)) {
      const isBlockOutput = /\.(attn\.c_proj|mlp\.c_proj)\./.test(name);
      zeroed[name] = isBlockOutput ? { shape: weight.shape, data: new Float32Array(weight.data.length) } : weight;
    }
    const out = referenceGpt2Forward(zeroed, config, [[7, 9]], [[1, 1]]);
    const wte = weights['transformer.wte.weight'].data;
    const wpe = weights['transformer.wpe.weight'].data;
    const gamma = weights['transformer.ln_f.weight'].data;
    const beta = weights['transformer.ln_f.bias'].data;
    [7, 9].forEach((id, position) => {
      const x = Array.from({ length: hidden }, (_, i) => wte[id * hidden + i] + wpe[position * hidden + i]);
      const mean = x.reduce((a, b) => a + b) / hidden;
      const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / hidden;
      const normed = x.map((v, i) => ((v - mean) / Math.sqrt(variance + 1e-5)) * gamma[i] + beta[i]);
      const expected = Array.from({ length: vocab }, (_, token) =>
        normed.reduce((sum, v, i) => sum + v * wte[token * hidden + i], 0),
      );
      expect(maxAbsDiff(logitsAt(out, 0, position), expected)).toBeLessThan(1e-12);
    });
  });

  it('returns attention weights whose rows sum to 1 over visible keys, 0 on padded and future keys', () => {
    const nHead = config.n_head as number;
    const nLayer = config.n_layer as number;
    const padId = vocab - 1;
    const out = referenceGpt2Forward(weights, config, [ids, [padId, padId, ...ids.slice(0, 4)]], [ids.map(() => 1), [0, 0, 1, 1, 1, 1]], {
      outputAttentions: true,
    });
    const seq = ids.length;
    expect(out.attentions).toHaveLength(nLayer);
    for (const layer of out.attentions!) {
      expect(layer.length).toBe(2 * nHead * seq * seq);
      for (let b = 0; b < 2; b++) {
        for (let head = 0; head < nHead; head++) {
          for (let q = 2 * b; q < seq; q++) {
            const row = layer.subarray(((b * nHead + head) * seq + q) * seq, ((b * nHead + head) * seq + q + 1) * seq);
            expect(row.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 12);
            row.forEach((p, k) => {
              if (k > q || k < 2 * b) expect(p).toBe(0);
            });
          }
        }
      }
    }
    // Not uniform: the weights carry information.
    expect(Math.max(...out.attentions![0].subarray(5 * seq, 6 * seq))).toBeGreaterThan(0.25);
    expect(referenceGpt2Forward(weights, config, [ids], [ids.map(() => 1)]).attentions).toBeUndefined();
  });

  it('returns HF hidden states: embeddings first, ln_f applied to the last, which projects to the logits', () => {
    const nLayer = config.n_layer as number;
    const out = referenceGpt2Forward(weights, config, [ids], [ids.map(() => 1)], { outputHiddenStates: true });
    const states = out.hiddenStates!;
    expect(states).toHaveLength(nLayer + 1);
    const wte = weights['transformer.wte.weight'].data;
    const wpe = weights['transformer.wpe.weight'].data;
    ids.forEach((id, t) => {
      for (let i = 0; i < hidden; i++) expect(states[0][t * hidden + i]).toBeCloseTo(wte[id * hidden + i] + wpe[t * hidden + i], 12);
      const logits = logitsAt(out, 0, t);
      for (const token of [0, 7, vocab - 1]) {
        let dot = 0;
        for (let i = 0; i < hidden; i++) dot += states[nLayer][t * hidden + i] * wte[token * hidden + i];
        expect(dot).toBeCloseTo(logits[token], 10);
      }
    });
    // The intermediate states differ from each other (each block adds to the residual stream).
    expect(maxAbsDiff(states[0], states[1])).toBeGreaterThan(1e-2);
  });

  it('zeroes one value vector per row: later queries change, earlier ones and untouched rows do not', () => {
    const mask = [ids.map(() => 1), ids.map(() => 1)];
    const clean = referenceGpt2Forward(weights, config, [ids, ids], mask, { outputHiddenStates: true });
    const zeroed = referenceGpt2Forward(weights, config, [ids, ids], mask, { outputHiddenStates: true, zeroValues: { layer: 1, positions: [3, -1] } });
    const seq = ids.length;
    const state = (out: typeof clean, index: number, b: number, t: number) =>
      out.hiddenStates![index].subarray((b * seq + t) * hidden, (b * seq + t + 1) * hidden);
    // Layer 1's input is untouched; its output changes from query 3 on, in row 0 only.
    expect(maxAbsDiff(zeroed.hiddenStates![1], clean.hiddenStates![1])).toBe(0);
    for (let t = 0; t < 3; t++) expect(maxAbsDiff(state(zeroed, 2, 0, t), state(clean, 2, 0, t))).toBe(0);
    for (let t = 3; t < seq; t++) expect(maxAbsDiff(state(zeroed, 2, 0, t), state(clean, 2, 0, t))).toBeGreaterThan(1e-4);
    expect(maxAbsDiff(zeroed.logits.subarray(seq * vocab), clean.logits.subarray(seq * vocab))).toBe(0);
  });

  it('zeroing the only token equals a model whose value projection is zero', () => {
    const zeroValueWeights: Record<string, NamedWeight> = { ...weights };
    for (const part of ['weight', 'bias'] as const) {
      const name = `transformer.h.0.attn.c_attn.${part}`;
      const { data, shape } = weights[name];
      const out = shape[shape.length - 1];
      zeroValueWeights[name] = { shape, data: data.map((value, i) => ((i % out) >= (2 * out) / 3 ? 0 : value)) };
    }
    const zeroed = referenceGpt2Forward(weights, config, [[42]], [[1]], { zeroValues: { layer: 0, positions: [0] } });
    const expected = referenceGpt2Forward(zeroValueWeights, config, [[42]], [[1]]);
    expect(maxAbsDiff(zeroed.logits, expected.logits)).toBeLessThan(1e-12);
    expect(maxAbsDiff(zeroed.logits, referenceGpt2Forward(weights, config, [[42]], [[1]]).logits)).toBeGreaterThan(1e-3);
    expect(() => referenceGpt2Forward(weights, config, [[42]], [[1]], { zeroValues: { layer: 2, positions: [0] } })).toThrow(/zeroValues/);
    expect(() => referenceGpt2Forward(weights, config, [[42]], [[1]], { zeroValues: { layer: 0, positions: [1] } })).toThrow(/zeroValues/);
  });

  it('rejects ids outside the vocabulary, mismatched masks and sequences past n_positions', () => {
    expect(() => referenceGpt2Forward(weights, config, [[vocab]], [[1]])).toThrow(/outside/);
    expect(() => referenceGpt2Forward(weights, config, [[1, 2]], [[1]])).toThrow(/attentionMask/);
    expect(() => referenceGpt2Forward(weights, config, [[1, 2]], [[1, 2]])).toThrow(/0\/1/);
    expect(() => referenceGpt2Forward(weights, config, [[1, 2], [1]], [[1, 1], [1]])).toThrow(/same length/);
    const long = Array.from({ length: 65 }, () => 1);
    expect(() => referenceGpt2Forward(weights, config, [long], [long])).toThrow(/n_positions/);
  });
});
