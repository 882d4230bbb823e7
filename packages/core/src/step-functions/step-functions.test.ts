import { describe, expect, it } from 'vitest';
import { logit } from './logit';
import { probability } from './probability';

const logits = { data: Float32Array.of(1, 2, 3, -1, 0, 1000), shape: [2, 3] };
const targetIds = Int32Array.of(2, 0);

describe('built-in step functions', () => {
  it('probability is softmax at the target, stable for large logits', async () => {
    const p = await probability.compute({ logits, targetIds, options: { logprob: false } });
    const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    expect(p[0]).toBeCloseTo(Math.exp(3) / z, 6);
    expect(p[1]).toBe(0);
    const logp = await probability.compute({ logits, targetIds, options: { logprob: true } });
    expect(logp[0]).toBeCloseTo(3 - Math.log(z), 6);
    expect(logp[1]).toBeCloseTo(-1001, 3);
  });
  it('logit reads the target logit', async () => {
    expect(Array.from(await logit.compute({ logits, targetIds, options: {} }))).toEqual([3, -1]);
  });
});
