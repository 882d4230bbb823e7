import { type ModelBackend, intTensorFromRows, memoryModelFiles } from '@inseq/core';
import { createTinyGpt2, maxAbsDiff, referenceGpt2Forward } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTfjs } from '../../../init-tfjs';
import { loadTfjsBackend } from '../../../load-tfjs-backend';

const tiny = createTinyGpt2({ seed: 11 });
const layers = tiny.config.n_layer as number;
const heads = tiny.config.n_head as number;
const hidden = tiny.config.n_embd as number;
const vocab = tiny.config.vocab_size as number;

// Left-padded batch: rows of 6, 3 and 1 real tokens.
const rows = [[5, 300, 17, 900, 42, 8], [1, 2, 3], [700]];
const seq = 6;
const ids = rows.map((row) => [...Array(seq - row.length).fill(0), ...row]);
const mask = rows.map((row) => [...Array(seq - row.length).fill(0), ...row.map(() => 1)]);
const inputIds = intTensorFromRows(ids);
const attentionMask = intTensorFromRows(mask);

/** `[heads, seq, seq]` of row b of a `[batch, heads, seq, seq]` array, restricted to the last `n` queries and keys. */
function tail(attention: ArrayLike<number>, b: number, length: number, n: number): number[] {
  const out: number[] = [];
  for (let h = 0; h < heads; h++) {
    for (let q = length - n; q < length; q++) {
      for (let k = length - n; k < length; k++) out.push(attention[((b * heads + h) * length + q) * length + k]);
    }
  }
  return out;
}

describe('GPT-2 attentions, hidden states and all-position logits', () => {
  let backend: ModelBackend;
  const reference = referenceGpt2Forward(tiny.weights, tiny.config, ids, mask, { outputAttentions: true, outputHiddenStates: true });

  beforeAll(async () => {
    await initTfjs();
    backend = await loadTfjsBackend(memoryModelFiles(tiny.files, 'tiny-gpt2'));
  });
  afterAll(() => backend?.dispose());

  it('returns attention weights equal to the float64 reference, rows summing to 1 over unpadded keys', async () => {
    const { attentions, hiddenStates } = await backend.forward({ inputIds, attentionMask, outputAttentions: true });
    expect(hiddenStates).toBeUndefined();
    expect(attentions).toHaveLength(layers);
    attentions!.forEach((attention, layer) => {
      expect(attention.shape).toEqual([3, heads, seq, seq]);
      expect(maxAbsDiff(attention.data, reference.attentions![layer])).toBeLessThan(1e-4);
      for (let b = 0; b < 3; b++) {
        const firstReal = mask[b].indexOf(1);
        for (let h = 0; h < heads; h++) {
          for (let q = firstReal; q < seq; q++) {
            const row = attention.data.subarray(((b * heads + h) * seq + q) * seq, ((b * heads + h) * seq + q + 1) * seq);
            let visible = 0;
            row.forEach((p, k) => {
              if (k < firstReal || k > q) expect(p).toBe(0);
              else visible += p;
            });
            expect(visible).toBeCloseTo(1, 5);
          }
        }
      }
    });
    // Not uniform, so the comparison with the reference means something.
    expect(Math.max(...attentions![1].data)).toBeGreaterThan(0.6);
  });

  it('returns HF hidden states (embeddings, each block, ln_f on the last) equal to the reference', async () => {
    const { hiddenStates, attentions } = await backend.forward({ inputIds, attentionMask, outputHiddenStates: true });
    expect(attentions).toBeUndefined();
    expect(hiddenStates).toHaveLength(layers + 1);
    hiddenStates!.forEach((state, index) => {
      expect(state.shape).toEqual([3, seq, hidden]);
      expect(maxAbsDiff(state.data, reference.hiddenStates![index])).toBeLessThan(1e-4);
    });
    expect(maxAbsDiff(hiddenStates![layers - 1].data, hiddenStates![layers].data)).toBeGreaterThan(0.1);
  });

  it('gives a padded row the attentions and hidden states of its unpadded copy', async () => {
    const batched = await backend.forward({ inputIds, attentionMask, outputAttentions: true, outputHiddenStates: true });
    for (const [b, row] of rows.entries()) {
      const single = await backend.forward({
        inputIds: intTensorFromRows([row]),
        attentionMask: intTensorFromRows([row.map(() => 1)]),
        outputAttentions: true,
        outputHiddenStates: true,
      });
      const n = row.length;
      for (let layer = 0; layer < layers; layer++) {
        expect(maxAbsDiff(tail(batched.attentions![layer].data, b, seq, n), tail(single.attentions![layer].data, 0, n, n))).toBeLessThan(1e-6);
      }
      for (let index = 0; index <= layers; index++) {
        const padded = batched.hiddenStates![index].data.subarray((b * seq + seq - n) * hidden, (b + 1) * seq * hidden);
        expect(maxAbsDiff(padded, single.hiddenStates![index].data)).toBeLessThan(1e-5);
      }
    }
  });

  it("returns every position's logits with logitsAt 'all', equal to the last logits of each prefix", async () => {
    const { logits } = await backend.forward({ inputIds, attentionMask, logitsAt: 'all' });
    expect(logits.shape).toEqual([3, seq, vocab]);
    expect(maxAbsDiff(logits.data, reference.logits)).toBeLessThan(1e-4);
    for (const [b, row] of rows.entries()) {
      for (let length = 1; length <= row.length; length++) {
        const prefix = row.slice(0, length);
        const last = await backend.forward({ inputIds: intTensorFromRows([prefix]), attentionMask: intTensorFromRows([prefix.map(() => 1)]) });
        const position = seq - row.length + length - 1;
        expect(maxAbsDiff(logits.data.subarray((b * seq + position) * vocab, (b * seq + position + 1) * vocab), last.logits.data)).toBeLessThan(1e-5);
      }
    }
    const single = await backend.forward({ inputIds: intTensorFromRows([[700]]), attentionMask: intTensorFromRows([[1]]), logitsAt: 'all' });
    expect(single.logits.shape).toEqual([1, 1, vocab]);
  });
});
