import { type ModelBackend, intTensorFromRows, memoryModelFiles } from '@inseq/core';
import { createTinyGpt2, encodeSafetensors, maxAbsDiff, referenceGpt2Forward } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTfjs } from '../../../init-tfjs';
import { loadTfjsBackend } from '../../../load-tfjs-backend';

type Tiny = ReturnType<typeof createTinyGpt2>;

/** Reference logits at the last position of each row, `[batch * vocab]`. */
function referenceLastLogits(tiny: Tiny, ids: number[][], mask: number[][]): Float64Array {
  const { logits, shape } = referenceGpt2Forward(tiny.weights, tiny.config, ids, mask);
  const [batch, seq, vocab] = shape;
  const out = new Float64Array(batch * vocab);
  for (let b = 0; b < batch; b++) out.set(logits.subarray((b * seq + seq - 1) * vocab, (b * seq + seq) * vocab), b * vocab);
  return out;
}

async function tfjsLastLogits(backend: ModelBackend, ids: number[][], mask: number[][]): Promise<Float32Array> {
  const { logits } = await backend.forward({ inputIds: intTensorFromRows(ids), attentionMask: intTensorFromRows(mask) });
  expect(logits.shape).toEqual([ids.length, backend.config.vocabSize]);
  return logits.data;
}

const rows = [
  [5, 300, 17, 900, 42, 8, 1100],
  [1, 2, 3],
  [700],
];

/** Left-pads `rows` with `padId`. */
function leftPad(padId: number): { ids: number[][]; mask: number[][] } {
  const width = Math.max(...rows.map((row) => row.length));
  return {
    ids: rows.map((row) => [...Array(width - row.length).fill(padId), ...row]),
    mask: rows.map((row) => [...Array(width - row.length).fill(0), ...row.map(() => 1)]),
  };
}

describe('GPT-2 in tfjs against the float64 reference', () => {
  const tiny = createTinyGpt2({ seed: 3 });
  let backend: ModelBackend;

  beforeAll(async () => {
    expect(await initTfjs()).toBe('wasm');
    backend = await loadTfjsBackend(memoryModelFiles(tiny.files, 'tiny-gpt2'));
  });
  afterAll(() => backend?.dispose());

  it('matches the reference at the last position, row by row', async () => {
    for (const row of rows) {
      const mask = [row.map(() => 1)];
      const ours = await tfjsLastLogits(backend, [row], mask);
      const reference = referenceLastLogits(tiny, [row], mask);
      expect(maxAbsDiff(ours, reference)).toBeLessThan(1e-4);
      // Guard against a vacuous pass: the logits must not be flat.
      expect(Math.max(...reference) - Math.min(...reference)).toBeGreaterThan(0.5);
    }
  });

  it('gives each row of a left-padded batch its unpadded logits', async () => {
    const padId = tiny.config.eos_token_id as number;
    const { ids, mask } = leftPad(padId);
    const batched = await tfjsLastLogits(backend, ids, mask);
    expect(maxAbsDiff(batched, referenceLastLogits(tiny, ids, mask))).toBeLessThan(1e-4);
    expect(batched.every(Number.isFinite)).toBe(true);
    const vocab = backend.config.vocabSize;
    for (const [b, row] of rows.entries()) {
      const single = await tfjsLastLogits(backend, [row], [row.map(() => 1)]);
      expect(maxAbsDiff(batched.subarray(b * vocab, (b + 1) * vocab), single)).toBeLessThan(1e-5);
    }
  });

  it('uses inputsEmbeds in place of the token lookup', async () => {
    const { ids, mask } = leftPad(0);
    const inputIds = intTensorFromRows(ids);
    const embeds = await backend.embed(inputIds);
    expect(embeds.shape).toEqual([3, 7, 32]);
    const wte = tiny.weights['transformer.wte.weight'].data;
    expect(Array.from(embeds.data.subarray(6 * 32, 7 * 32))).toEqual(Array.from(wte.subarray(1100 * 32, 1101 * 32)));
    // Not a constant shift: LayerNorm would cancel it and the test could not tell the inputs apart.
    const shifted = { data: embeds.data.map((value, i) => value + 0.3 * Math.sin(i)), shape: embeds.shape };
    const { logits } = await backend.forward({ inputIds, attentionMask: intTensorFromRows(mask), inputsEmbeds: shifted });
    const nested = ids.map((row, b) => row.map((_, s) => Array.from(shifted.data.subarray((b * 7 + s) * 32, (b * 7 + s + 1) * 32))));
    const reference = referenceGpt2Forward(tiny.weights, tiny.config, ids, mask, { inputsEmbeds: nested });
    const vocab = backend.config.vocabSize;
    const last = new Float64Array(3 * vocab);
    for (let b = 0; b < 3; b++) last.set(reference.logits.subarray((b * 7 + 6) * vocab, (b * 7 + 7) * vocab), b * vocab);
    expect(maxAbsDiff(logits.data, last)).toBeLessThan(1e-4);
    expect(maxAbsDiff(logits.data, await tfjsLastLogits(backend, ids, mask))).toBeGreaterThan(1e-2);
  });

  for (const dtype of ['F16', 'BF16'] as const) {
    it(`loads ${dtype} weights and matches the reference on the same rounded weights`, async () => {
      const rounded = createTinyGpt2({ seed: 3, dtype });
      const half = await loadTfjsBackend(memoryModelFiles(rounded.files, `tiny-gpt2-${dtype}`));
      try {
        const { ids, mask } = leftPad(0);
        const ours = await tfjsLastLogits(half, ids, mask);
        expect(maxAbsDiff(ours, referenceLastLogits(rounded, ids, mask))).toBeLessThan(1e-4);
        // The rounding is real: the F32 model gives different logits.
        expect(maxAbsDiff(ours, await tfjsLastLogits(backend, ids, mask))).toBeGreaterThan(1e-5);
      } finally {
        await half.dispose();
      }
    });
  }

  it('reads original-hub names without the transformer. prefix and ignores attention buffers', async () => {
    const tensors: Parameters<typeof encodeSafetensors>[0] = {};
    for (const [name, { shape, data }] of Object.entries(tiny.weights)) {
      tensors[name.replace(/^transformer\./, '')] = { dtype: 'F32', shape, data };
    }
    const positions = tiny.config.n_positions as number;
    for (let i = 0; i < (tiny.config.n_layer as number); i++) {
      tensors[`h.${i}.attn.bias`] = { dtype: 'F32', shape: [1, 1, positions, positions], data: new Float32Array(positions * positions) };
      tensors[`h.${i}.attn.masked_bias`] = { dtype: 'F32', shape: [], data: Float32Array.of(-1e4) };
    }
    const files = { ...tiny.files, 'model.safetensors': encodeSafetensors(tensors) };
    const old = await loadTfjsBackend(memoryModelFiles(files, 'gpt2-hub-names'));
    try {
      const { ids, mask } = leftPad(0);
      expect(maxAbsDiff(await tfjsLastLogits(old, ids, mask), await tfjsLastLogits(backend, ids, mask))).toBe(0);
    } finally {
      await old.dispose();
    }
  });

  it('uses lm_head.weight when tie_word_embeddings is false', async () => {
    const vocab = tiny.config.vocab_size as number;
    const hidden = tiny.config.n_embd as number;
    const head = new Float32Array(vocab * hidden);
    // An untied head that is 2 × wte doubles every logit.
    tiny.weights['transformer.wte.weight'].data.forEach((value, i) => {
      head[i] = 2 * value;
    });
    const tensors: Parameters<typeof encodeSafetensors>[0] = { 'lm_head.weight': { dtype: 'F32', shape: [vocab, hidden], data: head } };
    for (const [name, { shape, data }] of Object.entries(tiny.weights)) tensors[name] = { dtype: 'F32', shape, data };
    const config = { ...tiny.config, tie_word_embeddings: false };
    const files = {
      ...tiny.files,
      'config.json': new TextEncoder().encode(JSON.stringify(config)),
      'model.safetensors': encodeSafetensors(tensors),
    };
    const untied = await loadTfjsBackend(memoryModelFiles(files, 'untied'));
    try {
      const { ids, mask } = leftPad(0);
      const tied = await tfjsLastLogits(backend, ids, mask);
      expect(maxAbsDiff(await tfjsLastLogits(untied, ids, mask), tied.map((value) => 2 * value))).toBeLessThan(1e-5);
    } finally {
      await untied.dispose();
    }
  });
});
