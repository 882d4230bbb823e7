import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTinyGpt2 } from './create-tiny-gpt2';
import { createTinyGpt2Onnx } from './create-tiny-gpt2-onnx';
import { maxAbsDiff } from './max-abs-diff';
import { referenceGpt2Forward } from './reference-gpt2-forward';
import { clearFixtureCache } from './fixture-cache';

const { weights, config } = createTinyGpt2();
const vocab = config.vocab_size as number;

/** HF generation's position ids: cumsum(mask) - 1, padded positions set to 1. */
function positionIds(mask: number[][]): number[][] {
  return mask.map((row) => {
    let seen = 0;
    return row.map((m) => {
      seen += m;
      return m === 0 ? 1 : seen - 1;
    });
  });
}

const int64 = (rows: number[][]) =>
  new Tensor('int64', BigInt64Array.from(rows.flat(), (v) => BigInt(v)), [rows.length, rows[0].length]);

describe('createTinyGpt2Onnx', () => {
  let session: InferenceSession;
  beforeAll(async () => {
    session = await InferenceSession.create(createTinyGpt2Onnx(), { intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await session?.release();
  });

  async function run(ids: number[][], mask: number[][]): Promise<Float32Array> {
    const out = await session.run({ input_ids: int64(ids), attention_mask: int64(mask), position_ids: int64(positionIds(mask)) });
    expect(out.logits.dims).toEqual([ids.length, ids[0].length, vocab]);
    return out.logits.data as Float32Array;
  }

  it('declares the transformers.js input and output names', () => {
    expect([...session.inputNames]).toEqual(['input_ids', 'attention_mask', 'position_ids']);
    expect([...session.outputNames]).toEqual(['logits']);
  });

  it('matches referenceGpt2Forward on one row', async () => {
    const ids = [[464, 262, 286, 318, 13, 1000, 7, 99]];
    const mask = [ids[0].map(() => 1)];
    const logits = await run(ids, mask);
    expect(maxAbsDiff(logits, referenceGpt2Forward(weights, config, ids, mask).logits)).toBeLessThan(1e-4);
  });

  it('matches referenceGpt2Forward on a left-padded batch, padded positions included', async () => {
    const padId = vocab - 1;
    const ids = [
      [464, 262, 286, 318, 13, 1000],
      [padId, padId, padId, 40, 41, 42],
      [padId, 5, 6, 7, 8, 9],
    ];
    const mask = [
      [1, 1, 1, 1, 1, 1],
      [0, 0, 0, 1, 1, 1],
      [0, 1, 1, 1, 1, 1],
    ];
    const logits = await run(ids, mask);
    expect(maxAbsDiff(logits, referenceGpt2Forward(weights, config, ids, mask).logits)).toBeLessThan(1e-4);
  });

  it('is deterministic and follows the options', () => {
    const first = createTinyGpt2Onnx();
    clearFixtureCache();
    expect(createTinyGpt2Onnx()).toEqual(first);
    expect(createTinyGpt2Onnx({ seed: 1 })).not.toEqual(createTinyGpt2Onnx());
  });
});
