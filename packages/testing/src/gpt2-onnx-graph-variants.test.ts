import { createHash } from 'node:crypto';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTinyGpt2 } from './create-tiny-gpt2';
import { createTinyGpt2Onnx } from './create-tiny-gpt2-onnx';
import { maxAbsDiff } from './max-abs-diff';
import { referenceGpt2Forward } from './reference-gpt2-forward';
import { tinyGpt2OnnxFiles } from './tiny-gpt2-onnx-files';

const { weights, config } = createTinyGpt2();
const vocab = config.vocab_size as number;
const nLayer = config.n_layer as number;
const nHead = config.n_head as number;
const headDim = (config.n_embd as number) / nHead;
const padId = vocab - 1;

// A left-padded batch of two rows, the second with three pads.
const ids = [
  [464, 262, 286, 318, 13, 1000, 7],
  [padId, padId, padId, 40, 41, 42, 43],
];
const mask = [
  [1, 1, 1, 1, 1, 1, 1],
  [0, 0, 0, 1, 1, 1, 1],
];
const seq = ids[0].length;

/** HF generation's position ids: cumsum(mask) - 1, padded positions set to 1. */
function positionIds(rows: number[][]): number[][] {
  return rows.map((row) => {
    let seen = 0;
    return row.map((m) => {
      seen += m;
      return m === 0 ? 1 : seen - 1;
    });
  });
}

const int64 = (rows: number[][]) =>
  new Tensor('int64', BigInt64Array.from(rows.flat(), (v) => BigInt(v)), [rows.length, rows[0].length]);
const columns = (rows: number[][], start: number, end: number) => rows.map((row) => row.slice(start, end));
const emptyPast = (batch: number) => {
  const feeds: Record<string, Tensor> = {};
  for (let layer = 0; layer < nLayer; layer++) {
    for (const part of ['key', 'value']) feeds[`past_key_values.${layer}.${part}`] = new Tensor('float32', new Float32Array(0), [batch, nHead, 0, headDim]);
  }
  return feeds;
};

/** `[batch, seq, vocab]` logits of real (unpadded) positions only: padded queries differ by design between cached and full runs. */
function realPositions(logits: ArrayLike<number>, positions: number[][]): number[] {
  const out: number[] = [];
  positions.forEach((row, b) => {
    row.forEach((m, t) => {
      if (m === 1) for (let v = 0; v < vocab; v++) out.push(logits[(b * seq + t) * vocab + v]);
    });
  });
  return out;
}

describe('gpt2OnnxModelSpec graph variants', () => {
  let plain: InferenceSession;
  let withPast: InferenceSession;
  let withAttentions: InferenceSession;
  beforeAll(async () => {
    const options = { intraOpNumThreads: 1 };
    [plain, withPast, withAttentions] = await Promise.all([
      InferenceSession.create(createTinyGpt2Onnx(), options),
      InferenceSession.create(createTinyGpt2Onnx({ withPast: true }), options),
      InferenceSession.create(createTinyGpt2Onnx({ withPast: true, outputAttentions: true }), options),
    ]);
  });
  afterAll(async () => {
    await Promise.all([plain?.release(), withPast?.release(), withAttentions?.release()]);
  });

  // Pinned since the graph's nodes were named by module scope as torch.onnx names them.
  it('keeps the default graph byte for byte', () => {
    const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
    expect(sha256(createTinyGpt2Onnx())).toBe('3d6d87e3685ab75146e0a7ce0f2bb9083491f11c9d77fb78afff44305200f0d2');
    expect(createTinyGpt2Onnx({ withPast: false, outputAttentions: false })).toEqual(createTinyGpt2Onnx());
  });

  it('declares the Optimum input and output names', () => {
    const cache = (prefix: string) => Array.from({ length: nLayer }, (_, i) => [`${prefix}.${i}.key`, `${prefix}.${i}.value`]).flat();
    expect([...withPast.inputNames]).toEqual(['input_ids', 'attention_mask', 'position_ids', ...cache('past_key_values')]);
    expect([...withPast.outputNames]).toEqual(['logits', ...cache('present')]);
    expect([...withAttentions.outputNames]).toEqual(['logits', ...cache('present'), ...Array.from({ length: nLayer }, (_, i) => `attentions.${i}`)]);
  });

  it('with an empty past equals the plain graph', async () => {
    const feeds = { input_ids: int64(ids), attention_mask: int64(mask), position_ids: int64(positionIds(mask)) };
    const [cached, full] = await Promise.all([withPast.run({ ...feeds, ...emptyPast(2) }), plain.run(feeds)]);
    expect(cached.logits.dims).toEqual([2, seq, vocab]);
    expect(maxAbsDiff(cached.logits.data as Float32Array, full.logits.data as Float32Array)).toBeLessThan(1e-5);
    expect(cached['present.0.key'].dims).toEqual([2, nHead, seq, headDim]);
  });

  it('decoding one token at a time with the cache gives the full forward logits', async () => {
    const positions = positionIds(mask);
    const stepped = new Float32Array(2 * seq * vocab);
    let past = emptyPast(2);
    for (let t = 0; t < seq; t++) {
      const out = await withPast.run({
        input_ids: int64(columns(ids, t, t + 1)),
        attention_mask: int64(columns(mask, 0, t + 1)),
        position_ids: int64(columns(positions, t, t + 1)),
        ...past,
      });
      expect(out.logits.dims).toEqual([2, 1, vocab]);
      const logits = out.logits.data as Float32Array;
      for (let b = 0; b < 2; b++) stepped.set(logits.subarray(b * vocab, (b + 1) * vocab), (b * seq + t) * vocab);
      past = {};
      for (let layer = 0; layer < nLayer; layer++) {
        for (const part of ['key', 'value']) {
          const present = out[`present.${layer}.${part}`];
          expect(present.dims).toEqual([2, nHead, t + 1, headDim]);
          past[`past_key_values.${layer}.${part}`] = present;
        }
      }
    }
    const full = await plain.run({ input_ids: int64(ids), attention_mask: int64(mask), position_ids: int64(positions) });
    const reference = referenceGpt2Forward(weights, config, ids, mask).logits;
    expect(maxAbsDiff(realPositions(stepped, mask), realPositions(full.logits.data as Float32Array, mask))).toBeLessThan(1e-4);
    expect(maxAbsDiff(realPositions(stepped, mask), realPositions(reference, mask))).toBeLessThan(1e-4);
  });

  it('slices the causal mask for several new tokens after a prefix', async () => {
    const positions = positionIds(mask);
    const split = 4;
    const prefix = await withPast.run({
      input_ids: int64(columns(ids, 0, split)),
      attention_mask: int64(columns(mask, 0, split)),
      position_ids: int64(columns(positions, 0, split)),
      ...emptyPast(2),
    });
    const past: Record<string, Tensor> = {};
    for (let layer = 0; layer < nLayer; layer++) {
      for (const part of ['key', 'value']) past[`past_key_values.${layer}.${part}`] = prefix[`present.${layer}.${part}`];
    }
    const rest = await withPast.run({
      input_ids: int64(columns(ids, split, seq)),
      attention_mask: int64(mask),
      position_ids: int64(columns(positions, split, seq)),
      ...past,
    });
    const reference = referenceGpt2Forward(weights, config, ids, mask).logits;
    const tail = seq - split;
    const logits = rest.logits.data as Float32Array;
    for (let b = 0; b < 2; b++) {
      const expected = reference.subarray((b * seq + split) * vocab, (b + 1) * seq * vocab);
      expect(maxAbsDiff(logits.subarray(b * tail * vocab, (b + 1) * tail * vocab), expected)).toBeLessThan(1e-4);
    }
  });

  it('outputs each layer\'s softmax weights, equal to referenceGpt2Forward\'s attentions', async () => {
    const out = await withAttentions.run({ input_ids: int64(ids), attention_mask: int64(mask), position_ids: int64(positionIds(mask)), ...emptyPast(2) });
    const reference = referenceGpt2Forward(weights, config, ids, mask, { outputAttentions: true });
    for (let layer = 0; layer < nLayer; layer++) {
      const attention = out[`attentions.${layer}`];
      expect(attention.dims).toEqual([2, nHead, seq, seq]);
      const data = attention.data as Float32Array;
      // Padded query rows (uniform over all keys in both) are included: the whole tensor must match.
      expect(maxAbsDiff(data, reference.attentions?.[layer] ?? [])).toBeLessThan(1e-4);
      for (let row = 0; row < 2 * nHead * seq; row++) {
        const sum = data.subarray(row * seq, (row + 1) * seq).reduce((total, p) => total + p, 0);
        expect(sum).toBeCloseTo(1, 5);
      }
    }
    expect(maxAbsDiff(realPositions(out.logits.data as Float32Array, mask), realPositions(reference.logits, mask))).toBeLessThan(1e-4);
  });

  it('outputs attentions over past and current keys when decoding', async () => {
    const out = await withAttentions.run({
      input_ids: int64(columns(ids, 0, 1)),
      attention_mask: int64(columns(mask, 0, 1)),
      position_ids: int64(columns(positionIds(mask), 0, 1)),
      ...emptyPast(2),
    });
    expect(out['attentions.0'].dims).toEqual([2, nHead, 1, 1]);
  });

  it('also lays out the attentions-only variant', async () => {
    const session = await InferenceSession.create(createTinyGpt2Onnx({ outputAttentions: true }), { intraOpNumThreads: 1 });
    try {
      expect([...session.outputNames]).toEqual(['logits', ...Array.from({ length: nLayer }, (_, i) => `attentions.${i}`)]);
      const out = await session.run({ input_ids: int64(ids), attention_mask: int64(mask), position_ids: int64(positionIds(mask)) });
      const reference = referenceGpt2Forward(weights, config, ids, mask, { outputAttentions: true });
      expect(maxAbsDiff(out['attentions.1'].data as Float32Array, reference.attentions?.[1] ?? [])).toBeLessThan(1e-4);
    } finally {
      await session.release();
    }
  });

  it('tinyGpt2OnnxFiles writes the chosen variant as onnx/model.onnx', () => {
    const options = { seed: 3, withPast: true, outputAttentions: true };
    expect(tinyGpt2OnnxFiles(options)['onnx/model.onnx']).toEqual(createTinyGpt2Onnx(options));
    expect(tinyGpt2OnnxFiles({ seed: 3, withPast: true })['config.json']).toEqual(createTinyGpt2({ seed: 3 }).files['config.json']);
  });
});
