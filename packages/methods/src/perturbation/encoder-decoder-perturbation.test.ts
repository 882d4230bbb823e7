import { linearModel } from '@inseq/testing';
import { logit, parseMethodOptions } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import {
  decoderIds,
  decoderMask,
  encoderDecoderStep,
  expectBothSides,
  model,
  sourceIds,
  sourceMask,
  targets,
  unkSource,
  unkTarget,
} from '../gradient/encoder-decoder-step.test-support';
import { dummy } from './dummy';
import { lime } from './lime';
import { occlusion } from './occlusion';
import { reagent } from './reagent';
import { valueZeroing } from './value-zeroing';

/** W[target] · (e − u): what replacing embedding e by u removes from the logit. */
const contribution = (row: number, e: ArrayLike<number>, u: ArrayLike<number>) =>
  model.weight(targets[row]).reduce((acc, w, h) => acc + w * (e[h] - u[h]), 0);
const special = new Set([0, 8, 9]);

describe('perturbation methods on an encoder-decoder step (logits = W · (Σ E_src + Σ E_dec))', () => {
  it("occlusion gives each real token's contribution W · (e − unk) on both sides, 0 on padding, eos and decoder start", async () => {
    const out = await occlusion.attributeStep(await encoderDecoderStep(occlusion, { abs: false, internal_batch_size: 4 }));
    expectBothSides(
      out,
      (b, id) => [contribution(b, model.targetEmbedding(id), unkTarget)],
      (b, id) => [contribution(b, model.sourceEmbedding(id), unkSource)],
      5,
      1,
      true,
    );
    const absolute = await occlusion.attributeStep(await encoderDecoderStep(occlusion));
    expect(Array.from(absolute.sourceAttributions!.data)).toEqual(Array.from(out.sourceAttributions!.data, (v) => expect.closeTo(Math.abs(v), 6)));
  });

  it('occlusion on ids (a backend without embeddingInputs) gives the same numbers', async () => {
    const ctx = await encoderDecoderStep(occlusion, { abs: false });
    const idsOnly = { ...model.backend, capabilities: { ...model.backend.capabilities, embeddingInputs: false } };
    const onIds = await occlusion.attributeStep({ ...ctx, backend: idsOnly });
    const onEmbeds = await occlusion.attributeStep(ctx);
    expect(Array.from(onIds.attributions!.data)).toEqual(Array.from(onEmbeds.attributions!.data, (v) => expect.closeTo(v, 5)));
    expect(Array.from(onIds.sourceAttributions!.data)).toEqual(Array.from(onEmbeds.sourceAttributions!.data, (v) => expect.closeTo(v, 5)));
  });

  it('lime (no ridge penalty) recovers each non-special token contribution on both sides; special tokens and padding 0', async () => {
    const out = await lime.attributeStep(await encoderDecoderStep(lime, { alpha: 0, n_samples: 60 }));
    expectBothSides(
      out,
      (b, id) => [special.has(id) ? 0 : contribution(b, model.targetEmbedding(id), unkTarget)],
      (b, id) => [special.has(id) ? 0 : contribution(b, model.sourceEmbedding(id), unkSource)],
      4,
      1,
    );
  });

  it('reagent spreads one importance distribution over the source and target tokens of a row', async () => {
    const out = await reagent.attributeStep(await encoderDecoderStep(reagent, { num_probes: 3, max_probe_steps: 5, keep_top_n: 2 }));
    expect(out.attributions!.shape).toEqual([2, 3]);
    expect(out.sourceAttributions!.shape).toEqual([2, 3]);
    for (let b = 0; b < 2; b++) {
      let total = 0;
      for (let s = 0; s < 3; s++) {
        const t = out.attributions!.data[b * 3 + s];
        const u = out.sourceAttributions!.data[b * 3 + s];
        if (!decoderMask[b][s]) expect(t).toBe(0);
        if (!sourceMask[b][s]) expect(u).toBe(0);
        total += t + u;
      }
      expect(total).toBeCloseTo(1, 5);
    }
    expect(sourceIds[1][2]).toBe(9);
    expect(decoderIds[1][0]).toBe(9);
  });

  it('dummy returns nothing; value_zeroing needs hidden states (the closed-form model has none; real seq2seq backends are tested in inseq)', async () => {
    expect(await dummy.attributeStep(await encoderDecoderStep(dummy))).toEqual({});
    const ctx = await encoderDecoderStep(valueZeroing);
    await expect(valueZeroing.attributeStep(ctx)).rejects.toThrow(/value_zeroing needs 3 hidden states/);
  });

  it('decoder-only steps are unchanged: no sourceAttributions', async () => {
    const decoderOnly = linearModel();
    const inputIds = { data: Int32Array.of(1, 2, 3), shape: [1, 3] };
    const ctx = {
      backend: decoderOnly.backend,
      inputIds,
      attentionMask: { data: Int32Array.of(1, 1, 1), shape: [1, 3] },
      inputsEmbeds: await decoderOnly.backend.embed(inputIds),
      targetIds: Int32Array.of(4),
      attributedFn: logit,
      specialTokenIds: decoderOnly.tokenizer.specialTokenIds,
      options: parseMethodOptions(occlusion, { abs: false }),
    };
    const out = await occlusion.attributeStep(ctx);
    expect(Object.keys(out)).toEqual(['attributions']);
    const unk = decoderOnly.embedding(8);
    const expected = [1, 2, 3].map((id) => decoderOnly.weight(4).reduce((acc, w, h) => acc + w * (decoderOnly.embedding(id)[h] - unk[h]), 0));
    expect(Array.from(out.attributions!.data)).toEqual(expected.map((v) => expect.closeTo(v, 5)));
  });
});
