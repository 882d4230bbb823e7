import { describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../max-abs-diff';
import { createTinyLlama, type LlamaFamily } from './create-tiny-llama';
import { referenceLlamaForward, ropeInverseFrequencies } from './reference-llama-forward';

const ids = [40, 410, 274, 268, 266, 352];

describe('referenceLlamaForward', () => {
  it.each(['llama', 'mistral', 'qwen2', 'gemma'] as LlamaFamily[])('%s: left padding leaves real positions unchanged; causal', (family) => {
    const { weights, config } = createTinyLlama({ family });
    const vocab = config.vocab_size as number;
    const plain = referenceLlamaForward(weights, config, [ids], [ids.map(() => 1)]).logits;
    const padded = referenceLlamaForward(weights, config, [[0, 0, ...ids]], [[0, 0, ...ids.map(() => 1)]]).logits;
    expect(maxAbsDiff(plain, padded.subarray(2 * vocab))).toBeLessThan(1e-9);
    // Changing the last token changes no earlier position.
    const changed = referenceLlamaForward(weights, config, [[...ids.slice(0, -1), 99]], [ids.map(() => 1)]).logits;
    const last = (ids.length - 1) * vocab;
    expect(maxAbsDiff(plain.subarray(0, last), changed.subarray(0, last))).toBe(0);
    expect(maxAbsDiff(plain.subarray(last), changed.subarray(last))).toBeGreaterThan(1e-3);
    // Random weights: logits spread, not flat.
    expect(Math.max(...plain) - Math.min(...plain)).toBeGreaterThan(1);
  });

  it('grouped-query attention equals full multi-head attention with each key/value head repeated', () => {
    const { weights, config } = createTinyLlama({ numHeads: 4, numKeyValueHeads: 2 });
    const headDim = 8;
    const hidden = 32;
    const repeated = { ...weights };
    for (let layer = 0; layer < 2; layer++) {
      for (const part of ['k_proj', 'v_proj']) {
        const name = `model.layers.${layer}.self_attn.${part}.weight`;
        const source = weights[name].data;
        const data = new Float32Array(4 * headDim * hidden);
        // Query heads 0, 1 read kv head 0; heads 2, 3 read kv head 1.
        for (let h = 0; h < 4; h++) data.set(source.subarray(Math.floor(h / 2) * headDim * hidden, (Math.floor(h / 2) + 1) * headDim * hidden), h * headDim * hidden);
        repeated[name] = { shape: [4 * headDim, hidden], data };
      }
    }
    const mask = [ids.map(() => 1)];
    const gqa = referenceLlamaForward(weights, config, [ids], mask).logits;
    const mha = referenceLlamaForward(repeated, { ...config, num_key_value_heads: 4 }, [ids], mask).logits;
    expect(maxAbsDiff(gqa, mha)).toBeLessThan(1e-12);
  });

  it('attention rows sum to 1 and masked keys get 0', () => {
    const { weights, config } = createTinyLlama();
    const seq = ids.length + 1;
    const { attentions } = referenceLlamaForward(weights, config, [[0, ...ids]], [[0, ...ids.map(() => 1)]], { outputAttentions: true });
    for (const layer of attentions!) {
      for (let h = 0; h < 4; h++) {
        for (let t = 1; t < seq; t++) {
          const row = layer.subarray((h * seq + t) * seq, (h * seq + t + 1) * seq);
          expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
          expect(row[0]).toBe(0);
          for (let s = t + 1; s < seq; s++) expect(row[s]).toBe(0);
        }
      }
    }
  });

  it('RoPE frequencies: plain, linear and llama3 scaling (Llama 3.1 parameters)', () => {
    const plain = ropeInverseFrequencies({ rope_theta: 500000 }, 128);
    expect(plain[0]).toBe(1);
    expect(plain[1]).toBeCloseTo(500000 ** (-2 / 128), 15);
    const linear = ropeInverseFrequencies({ rope_theta: 500000, rope_scaling: { rope_type: 'linear', factor: 4 } }, 128);
    expect(maxAbsDiff(linear, plain.map((f) => f / 4))).toBe(0);
    const scaling = { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 };
    const llama3 = ropeInverseFrequencies({ rope_theta: 500000, rope_scaling: scaling }, 128);
    // Wavelengths below 8192 / 4 keep their frequency; above 8192 are divided by 8; between, interpolated.
    plain.forEach((f, i) => {
      const wavelength = (2 * Math.PI) / f;
      if (wavelength < 2048) expect(llama3[i]).toBe(f);
      else if (wavelength > 8192) expect(llama3[i]).toBeCloseTo(f / 8, 15);
      else {
        expect(llama3[i]).toBeLessThan(f);
        expect(llama3[i]).toBeGreaterThan(f / 8);
      }
    });
    expect(() => ropeInverseFrequencies({ rope_scaling: { rope_type: 'yarn', factor: 2 } }, 8)).toThrow(/linear, llama3/);
  });
});
