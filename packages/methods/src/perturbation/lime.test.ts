import { type AttributionMethod, type AttributionModel, attribute, createRegistry } from '@inseq/core';
import { linearModel } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { registerBuiltinMethods } from '../register-builtin-methods';
import { fitRidge } from './fit-ridge';

const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
const model = linearModel();
const idOf = (word: string) => model.tokenizer.encode(word)[0];
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((acc, v, i) => acc + v * b[i], 0);
const prefix = 'the cat sat on the';
const words = prefix.split(' ');

async function limeRows(args: Record<string, unknown>, attributedFn = 'logit') {
  const out = await attribute(model, prefix, { method: 'lime', methods, generatedTexts: `${prefix} mat`, attributedFn, attributionArgs: args });
  return Array.from(out.sequence_attributions[0].target_attributions!.data.subarray(0, words.length));
}

describe('fitRidge', () => {
  it('recovers an exact weighted linear relation with α → 0, and shrinks with α', () => {
    const rows = [
      [1, 0, 1],
      [0, 1, 1],
      [1, 1, 0],
      [0, 0, 1],
      [1, 1, 1],
    ];
    const targets = rows.map(([a, b, c]) => 0.5 + 2 * a - 3 * b + 0.25 * c);
    const fit = fitRidge(rows, targets, [1, 2, 3, 1, 0.5], 0);
    expect(Array.from(fit.coefficients)).toEqual([expect.closeTo(2, 10), expect.closeTo(-3, 10), expect.closeTo(0.25, 10)]);
    expect(fit.intercept).toBeCloseTo(0.5, 10);
    const shrunk = fitRidge(rows, targets, [1, 2, 3, 1, 0.5], 5);
    expect(Math.abs(shrunk.coefficients[1])).toBeLessThan(3);
    // A constant feature is undetermined without penalty: it gets 0, the others stay exact.
    const constant = fitRidge(rows.map(([a, b]) => [a, b, 1]), targets.map((_, k) => 1 + rows[k][0]), [1, 1, 1, 1, 1], 0);
    expect(Array.from(constant.coefficients)).toEqual([expect.closeTo(1, 10), expect.closeTo(0, 10), 0]);
  });
});

describe('lime on a closed-form model (logits = W · Σ x)', () => {
  // For the logit target, F(mask) = const + Σᵢ maskᵢ · W[t]·(xᵢ − b) exactly: the surrogate's
  // coefficients must be each token's contribution.
  const w = model.weight(idOf('mat'));
  const unk = model.embedding(idOf('<unk>'));
  const contributions = words.map((word) => dot(w, model.embedding(idOf(word))) - dot(w, unk));

  it('recovers each token’s contribution W[t] · (x_i − b): exactly with α ≈ 0, within 10% with the default α = 1', async () => {
    expect(await limeRows({ alpha: 1e-9 })).toEqual(contributions.map((c) => expect.closeTo(c, 4)));
    const ridge = await limeRows({});
    ridge.forEach((value, i) => {
      expect(Math.abs(value - contributions[i])).toBeLessThan(0.1 * Math.abs(contributions[i]) + 1e-3);
    });
  });

  it('repeats exactly for a seed, changes with another seed', async () => {
    const first = await limeRows({ n_samples: 20 }, 'probability');
    expect(await limeRows({ n_samples: 20 }, 'probability')).toEqual(first);
    expect(await limeRows({ n_samples: 20, seed: 7 }, 'probability')).not.toEqual(first);
    expect(await limeRows({ n_samples: 20, internal_batch_size: 6 }, 'probability')).toEqual(first.map((v) => expect.closeTo(v, 6)));
  });

  it('batched equals one by one (two inputs of different lengths)', async () => {
    const prompts = ['the cat', 'a dog sat on'];
    const texts = ['the cat sat on the mat', 'a dog sat on a mat'];
    const run = (p: string[], t: string[]) =>
      attribute(model, p, { method: 'lime', methods, generatedTexts: t, attributionArgs: { n_samples: 16 } });
    const batched = await run(prompts, texts);
    for (const r of [0, 1]) {
      const alone = await run([prompts[r]], [texts[r]]);
      const a = Array.from(alone.sequence_attributions[0].target_attributions!.data);
      const b = Array.from(batched.sequence_attributions[r].target_attributions!.data);
      expect(b).toEqual(a.map((v) => (Number.isNaN(v) ? Number.NaN : expect.closeTo(v, 5))));
    }
  });

  it('rejects bad options', async () => {
    await expect(limeRows({ mask_prob: 1.5 })).rejects.toThrow(/mask_prob' must be <= 1/);
    await expect(limeRows({ samples: 3 })).rejects.toThrow(/lime has no option 'samples'. Did you mean 'n_samples'\? Its options are: n_samples, mask_prob/);
  });
});

describe('lime on a backend that takes ids only (no embeddingInputs)', () => {
  const idsOnly: AttributionModel = {
    ...model,
    backend: { ...model.backend, capabilities: { ...model.backend.capabilities, embeddingInputs: false } },
  };
  const run = (target: AttributionModel, args: Record<string, unknown>) =>
    attribute(target, prefix, { method: 'lime', methods, generatedTexts: `${prefix} mat`, attributedFn: 'logit', attributionArgs: args });

  it('masks ids with the mask token and gives exactly the embedding-based numbers', async () => {
    const args = { n_samples: 40, seed: 3 };
    const [a, b] = [await run(model, args), await run(idsOnly, args)];
    expect(Array.from(b.sequence_attributions[0].target_attributions!.data)).toEqual(Array.from(a.sequence_attributions[0].target_attributions!.data));
    expect(Array.from(b.sequence_attributions[0].target_attributions!.data.subarray(0, words.length)).some((v) => v !== 0)).toBe(true);
  });

  it("refuses mask_token 'zeros' with a clear error", async () => {
    await expect(run(idsOnly, { mask_token: 'zeros' })).rejects.toThrow(/lime with a 'zeros' baseline needs a backend that accepts embeddings/);
  });
});
