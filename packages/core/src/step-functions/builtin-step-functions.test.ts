import { describe, expect, it } from 'vitest';
import type { TargetOps } from '../contracts/differentiable-target';
import { parseStepFunctionOptions, type StepFunction } from '../contracts/step-function';
import type { Tensor } from '../tensor';
import { builtinStepFunctions } from './register-builtin-step-functions';

const byName = (name: string): StepFunction => builtinStepFunctions.find((fn) => fn.name === name)!;

// Two rows over a vocabulary of 5; the contrastive context has its own logits.
const logits: Tensor = { data: Float32Array.of(1, 2, 0.5, -1, 3, 0, 0, 4, 1, -2), shape: [2, 5] };
const contextLogits: Tensor = { data: Float32Array.of(2, 1, 1, 0, 0, 1, 3, 0, 0, 2), shape: [2, 5] };
const targetIds = Int32Array.of(4, 2);
const contrastIds = Int32Array.of(1, 3);

// Plain float64 formulas, written independently of the implementation.
const row = (t: Tensor, b: number) => Array.from(t.data.subarray(b * 5, b * 5 + 5));
const softmax = (x: number[]) => {
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
};
const p = (t: Tensor, b: number, id: number) => softmax(row(t, b))[id];

/** A float64 TargetOps over one [1, vocab] row at a time, to evaluate the differentiable forms. */
const ops: TargetOps<number[]> = {
  softmax,
  logSoftmax: (x) => {
    const m = Math.max(...x);
    const lse = m + Math.log(x.reduce((a, v) => a + Math.exp(v - m), 0));
    return x.map((v) => v - lse);
  },
  gather: (x, ids) => [x[ids[0]]],
  add: (a, b) => a.map((v, i) => v + (b.length === 1 ? b[0] : b[i])),
  sub: (a, b) => a.map((v, i) => v - (b.length === 1 ? b[0] : b[i])),
  mul: (a, b) => (a.length === 1 && b.length > 1 ? b.map((v) => v * a[0]) : a.map((v, i) => v * (b.length === 1 ? b[0] : b[i]))),
  exp: (x) => x.map(Math.exp),
  log: (x) => x.map(Math.log),
  neg: (x) => x.map((v) => -v),
  sum: (x) => [x.reduce((a, b) => a + b, 0)],
  constant: (values, shape) => Array.from(values.subarray(0, shape.at(-1))),
};

async function both(name: string, options: Record<string, unknown> = {}, withContrast = true) {
  const fn = byName(name);
  const contrast = withContrast ? { ids: contrastIds, contextLogits } : undefined;
  const computed = Array.from(await fn.compute({ logits, targetIds, options, contrast }));
  const differentiable = fn.differentiable
    ? [0, 1].map(
        (b) =>
          fn.differentiable!.build(ops, row(logits, b), Int32Array.of(targetIds[b]), {
            options,
            contrast: contrast && {
              ids: Int32Array.of(contrastIds[b]),
              contextLogits: { data: Float32Array.from(row(contextLogits, b)), shape: [1, 5] },
            },
          })[0],
      )
    : undefined;
  return { computed, differentiable };
}

function expectBoth(result: { computed: number[]; differentiable?: number[] }, expected: number[]) {
  expect(result.computed).toEqual(expected.map((v) => expect.closeTo(v, 5)));
  if (result.differentiable) expect(result.differentiable).toEqual(expected.map((v) => expect.closeTo(v, 5)));
}

describe('built-in step functions equal their formulas (plain and differentiable forms)', () => {
  it('lists Inseq’s ids', () => {
    expect(builtinStepFunctions.map((fn) => fn.name)).toEqual([
      'probability', 'logit', 'entropy', 'crossentropy', 'perplexity', 'contrast_logits', 'contrast_prob',
      'contrast_logits_diff', 'contrast_prob_diff', 'pcxmi', 'kl_divergence', 'in_context_pvi',
      'mc_dropout_prob_avg', 'top_p_size',
    ]);
  });
  it('entropy, crossentropy, perplexity (exp, not 2**)', async () => {
    const h = (b: number) => -softmax(row(logits, b)).reduce((a, q) => a + q * Math.log(q), 0);
    expectBoth(await both('entropy'), [h(0), h(1)]);
    expectBoth(await both('crossentropy'), [-Math.log(p(logits, 0, 4)), -Math.log(p(logits, 1, 2))]);
    expectBoth(await both('perplexity'), [1 / p(logits, 0, 4), 1 / p(logits, 1, 2)]);
  });
  it('contrastive scores read the alternative in its own context', async () => {
    expectBoth(await both('contrast_prob'), [p(contextLogits, 0, 1), p(contextLogits, 1, 3)]);
    expectBoth(await both('contrast_logits'), [1, 0]);
    expectBoth(await both('contrast_prob_diff'), [p(logits, 0, 4) - p(contextLogits, 0, 1), p(logits, 1, 2) - p(contextLogits, 1, 3)]);
    expectBoth(await both('contrast_logits_diff'), [3 - 1, 4 - 0]);
    expectBoth(await both('pcxmi'), [0, 1].map((b) => -Math.log2(p(logits, b, targetIds[b]) / p(contextLogits, b, contrastIds[b]))));
    expectBoth(await both('in_context_pvi'), [0, 1].map((b) => -Math.log(p(logits, b, targetIds[b])) + Math.log(p(contextLogits, b, contrastIds[b]))));
  });
  it('contrast_prob with the original target and context equals probability', async () => {
    const contrast = await both('contrast_prob', {}, false);
    const probability = await both('probability');
    expect(contrast.computed).toEqual(probability.computed);
    expect(contrast.differentiable).toEqual(probability.differentiable);
  });
  it('kl_divergence is KL(P‖Q), with top-k filtering on Q', async () => {
    const kl = (b: number, keep: number[]) => {
      const renorm = (x: number[]) => softmax(keep.map((i) => x[i]));
      const P = renorm(row(logits, b));
      const Q = renorm(row(contextLogits, b));
      return P.reduce((a, pi, i) => a + pi * Math.log(pi / Q[i]), 0);
    };
    expectBoth(await both('kl_divergence'), [kl(0, [0, 1, 2, 3, 4]), kl(1, [0, 1, 2, 3, 4])]);
    // Top 2 of Q: row 0 keeps ids 0 (2) and 1 or 2 (tie at 1: the later index sorts higher) ; row 1 keeps 1 (3) and 4 (2).
    const filtered = await both('kl_divergence', { top_k: 2 });
    expect(filtered.computed[1]).toBeCloseTo(kl(1, [1, 4]), 5);
    expect(filtered.differentiable![1]).toBeCloseTo(kl(1, [1, 4]), 5);
    expect((await both('kl_divergence', {}, false)).computed).toEqual([0, 0]);
  });
  it('top_p_size counts the nucleus as Hugging Face’s TopPLogitsWarper', async () => {
    const fn = byName('top_p_size');
    const sizes = (topP: number) => Array.from(fn.compute({ logits, targetIds, options: { top_p: topP } }) as Float32Array);
    // Row 0 probabilities sorted: 0.665, 0.245, 0.090(1)… the nucleus for 0.5 is one token, for 0.9 three.
    const probs = softmax(row(logits, 0)).sort((a, b) => b - a);
    const nucleus = (q: number[], topP: number) => {
      let cumulative = 0;
      for (let i = 0; i < q.length; i++) {
        cumulative += q[i];
        if (cumulative >= topP) return i + 1;
      }
      return q.length;
    };
    expect(sizes(0.5)[0]).toBe(nucleus(probs, 0.5));
    expect(sizes(0.9)[0]).toBe(nucleus(probs, 0.9));
    expect(sizes(1)).toEqual([5, 5]);
    // Options are parsed once by the loop (parseStepFunctionOptions), not on every call.
    expect(() => parseStepFunctionOptions(fn, {})).toThrow(/needs option 'top_p'/);
    expect(() => parseStepFunctionOptions(fn, { top_p: 1.5 })).toThrow("Step function 'top_p_size' option 'top_p' must be <= 1, got 1.5.");
  });
  it('mc_dropout_prob_avg z-scores against dropout passes', async () => {
    const fn = byName('mc_dropout_prob_avg');
    expect(fn.requires).toEqual(['dropout']);
    const samples = [0.1, 0.3, 0.2].map((shift) => ({ data: logits.data.map((v, i) => (i % 5 === 4 ? v + shift : v)), shape: [2, 5] }));
    let call = 0;
    const backend = { forward: async () => ({ logits: samples[call++] }) } as never;
    const inputIds = { data: new Int32Array(2), shape: [2, 1] };
    const z = await fn.compute({ logits, targetIds, options: { n_mcd_steps: 3 }, model: { backend, inputIds, attentionMask: inputIds } });
    const noisy = samples.map((s) => p(s, 0, 4));
    const mean = noisy.reduce((a, b) => a + b, 0) / 3;
    const std = Math.sqrt(noisy.reduce((a, v) => a + (v - mean) ** 2, 0) / 2);
    expect(z[0]).toBeCloseTo((p(logits, 0, 4) - mean) / std, 4);
  });
});
