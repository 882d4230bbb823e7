import { type AttributionMethod, type AttributionModel, attribute, createRegistry, type ForwardInput } from '@inseq/core';
import { linearModel } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { registerBuiltinMethods } from '../register-builtin-methods';

const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
const model = linearModel();
const idOf = (word: string) => model.tokenizer.encode(word)[0];
const embeddingOf = (word: string) => model.embedding(idOf(word));

const prefix = 'the cat sat';
const words = prefix.split(' ');
const w = model.weight(idOf('on'));
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((acc, v, i) => acc + v * b[i], 0);

async function occlusionRows(args: Record<string, unknown>, target = model as AttributionModel) {
  const out = await attribute(target, prefix, {
    method: 'occlusion',
    methods,
    generatedTexts: `${prefix} on`,
    attributedFn: 'logit',
    attributionArgs: args,
  });
  const sequence = out.sequence_attributions[0];
  expect(sequence.target_attributions!.shape).toEqual([4, 1]);
  return Array.from(sequence.target_attributions!.data.subarray(0, 3));
}

describe('occlusion on a closed-form model (logits = W · Σ x)', () => {
  it('equals each token’s contribution W[t] · (x_i − b) for the logit target', async () => {
    const unk = embeddingOf('<unk>');
    const signed = await occlusionRows({ abs: false });
    expect(signed).toEqual(words.map((word) => expect.closeTo(dot(w, embeddingOf(word)) - dot(w, unk), 5)));
    // Inseq returns |Δ| by default.
    expect(await occlusionRows({})).toEqual(signed.map((v) => expect.closeTo(Math.abs(v), 6)));
    const zeros = await occlusionRows({ abs: false, baselines: 'zeros' });
    expect(zeros).toEqual(words.map((word) => expect.closeTo(dot(w, embeddingOf(word)), 5)));
  });

  it('costs prefix length + 1 forward rows per step, in one call, or in chunks of internal_batch_size', async () => {
    const calls: number[] = [];
    const counting: AttributionModel = {
      ...model,
      backend: {
        ...model.backend,
        forward: (input: ForwardInput) => {
          calls.push(input.inputIds.shape[0]);
          return model.backend.forward(input);
        },
      },
    };
    const all = await occlusionRows({ abs: false }, counting);
    expect(calls).toEqual([4]);
    calls.length = 0;
    expect(await occlusionRows({ abs: false, internal_batch_size: 3 }, counting)).toEqual(all.map((v) => expect.closeTo(v, 6)));
    expect(calls).toEqual([3, 1]);
  });

  it('scores contrastive steps through the attributed function: (W[t] − W[c]) · (x_i − b) for contrast_logits_diff', async () => {
    const out = await attribute(model, [prefix, 'a dog'], {
      method: 'occlusion',
      methods,
      generatedTexts: [`${prefix} on`, 'a dog sat'],
      contrastTargets: [`${prefix} mat`, 'a dog on'],
      attributedFn: 'contrast_logits_diff',
      attributionArgs: { abs: false },
    });
    const unk = embeddingOf('<unk>');
    const cases: [string[], string, string][] = [
      [words, 'on', 'mat'],
      [['a', 'dog'], 'sat', 'on'],
    ];
    cases.forEach(([tokens, target, alternative], r) => {
      const diff = Array.from(model.weight(idOf(target)), (v, h) => v - model.weight(idOf(alternative))[h]);
      const data = Array.from(out.sequence_attributions[r].target_attributions!.data.subarray(0, tokens.length));
      expect(data).toEqual(tokens.map((word) => expect.closeTo(dot(diff, embeddingOf(word)) - dot(diff, unk), 5)));
    });
  });

  it('batched equals one by one (two inputs of different lengths)', async () => {
    const texts = ['the cat sat on the mat', 'a dog sat on'];
    const prompts = ['the cat', 'a dog'];
    const run = (p: string[], t: string[]) =>
      attribute(model, p, { method: 'occlusion', methods, generatedTexts: t, attributedFn: 'probability' });
    const batched = await run(prompts, texts);
    for (const r of [0, 1]) {
      const alone = await run([prompts[r]], [texts[r]]);
      const a = Array.from(alone.sequence_attributions[0].target_attributions!.data);
      const b = Array.from(batched.sequence_attributions[r].target_attributions!.data);
      expect(b).toEqual(a.map((v) => (Number.isNaN(v) ? Number.NaN : expect.closeTo(v, 6))));
    }
  });
});

describe('occlusion on a backend that takes ids only (no embeddingInputs)', () => {
  const inputs: ForwardInput[] = [];
  const idsOnly: AttributionModel = {
    ...model,
    backend: {
      ...model.backend,
      capabilities: { ...model.backend.capabilities, embeddingInputs: false },
      forward: (input: ForwardInput) => {
        inputs.push(input);
        return model.backend.forward(input);
      },
    },
  };

  it('replaces ids by the baseline id and gives exactly the embedding-based numbers (unk and pad)', async () => {
    for (const baselines of ['unk', 'pad']) {
      inputs.length = 0;
      const viaIds = await occlusionRows({ abs: false, baselines }, idsOnly);
      expect(inputs.length).toBeGreaterThan(0);
      expect(inputs.every((input) => input.inputsEmbeds === undefined)).toBe(true);
      expect(viaIds).toEqual(await occlusionRows({ abs: false, baselines }));
    }
    // The variants are the original then one id replaced per real token: prefix length + 1 rows.
    expect(inputs[0].inputIds.shape).toEqual([4, 3]);
    expect(await occlusionRows({ abs: false }, idsOnly)).toEqual(
      words.map((word) => expect.closeTo(dot(w, embeddingOf(word)) - dot(w, embeddingOf('<unk>')), 5)),
    );
  });

  it("refuses a 'zeros' baseline before any forward pass, saying which baselines work on ids", async () => {
    inputs.length = 0;
    const run = occlusionRows({ baselines: 'zeros' }, idsOnly);
    await expect(run).rejects.toMatchObject({ name: 'InvalidInputError' });
    await expect(run).rejects.toThrow(/zeros' baseline needs a backend that accepts embeddings.*'unk' or 'pad', which work on ids/);
    expect(inputs).toEqual([]);
  });
});
