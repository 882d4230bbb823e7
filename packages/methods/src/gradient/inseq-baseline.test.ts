import { type AttributionMethod, attribute, createRegistry } from '@inseq/core';
import { encoderDecoderLinearModel, linearModel } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { registerBuiltinMethods } from '../register-builtin-methods';

/**
 * Inseq's baseline (`encode(..., return_baseline=True, include_eos_baseline)`): `<unk>` everywhere
 * except the eos, which keeps its id unless `include_eos_baseline`, and an encoder-decoder's
 * decoder start, which always keeps itself. On the closed-form models (logit = W[t] · Σ x) the
 * integrated gradients of the logit are exactly (x − x′) ⊙ W[t] per position, so a kept position
 * gets exactly 0 and Σ attributions = f(x) − f(x′) with x′ that baseline.
 */
const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
const hidden = 3;
const ig = { method: 'integrated_gradients', methods, attributedFn: 'logit', attributionArgs: { n_steps: 3, return_convergence_delta: true } };
// `+ 0` turns a −0 (0 times a negative weight) into 0.
const cell = (data: Float32Array, at: number) => Array.from(data.subarray(at * hidden, (at + 1) * hidden), (v) => v + 0);
const closeTo = (values: ArrayLike<number>) => Array.from(values, (v) => expect.closeTo(v, 5));
const times = (w: Float64Array, x: Float64Array, u: Float64Array) => w.map((v, h) => v * (x[h] - u[h]));

describe("Inseq's baseline: special tokens keep their ids", () => {
  it('decoder-only: the eos in the prefix gets exactly 0, the rest (x − unk) ⊙ W; include_eos_baseline replaces it too', async () => {
    const model = linearModel();
    const vocab = ['<eos>', 'the', 'cat', 'sat', 'on', 'mat', 'a', 'dog', '<unk>'];
    const words = ['the', '<eos>', 'cat'];
    const w = model.weight(vocab.indexOf('sat'));
    const unk = model.embedding(vocab.indexOf('<unk>'));
    for (const includeEosBaseline of [false, true]) {
      const out = await attribute(model, words.join(' '), { ...ig, generatedTexts: `${words.join(' ')} sat`, includeEosBaseline });
      const sequence = out.sequence_attributions[0];
      expect(sequence.target.map((t) => t.token)).toEqual([...words, 'sat']);
      words.forEach((word, position) => {
        const expected = word === '<eos>' && !includeEosBaseline ? [0, 0, 0] : times(w, model.embedding(vocab.indexOf(word)), unk);
        expect(cell(sequence.target_attributions!.data, position)).toEqual(closeTo(expected));
      });
      if (!includeEosBaseline) expect(cell(sequence.target_attributions!.data, 1)).toEqual([0, 0, 0]);
      // Complete against that baseline: Σ attributions − (f(x) − f(x′)) = 0.
      expect(sequence.step_scores.deltas.data[0]).toBeCloseTo(0, 5);
      expect(out.info.include_eos_baseline).toBe(includeEosBaseline);
    }
  });

  it('encoder-decoder: the source </s> and the decoder start get exactly 0 at every step; with include_eos_baseline only the start does', async () => {
    const model = encoderDecoderLinearModel();
    const vocab = ['<eos>', 'the', 'cat', 'sat', 'on', 'mat', 'a', 'dog', '<unk>', '<pad>'];
    const id = (word: string) => vocab.indexOf(word);
    const unkSource = model.sourceEmbedding(id('<unk>'));
    const unkTarget = model.targetEmbedding(id('<unk>'));
    for (const includeEosBaseline of [false, true]) {
      const out = await attribute(model, 'the cat', { ...ig, generatedTexts: 'a dog', attributeTarget: true, includeEosBaseline });
      const sequence = out.sequence_attributions[0];
      expect(sequence.source.map((t) => t.token)).toEqual(['the', 'cat', '<eos>']);
      expect(sequence.target.map((t) => t.token)).toEqual(['<pad>', 'a', 'dog', '<eos>']);
      const steps = sequence.attr_pos_end - sequence.attr_pos_start;
      for (let s = 0; s < steps; s++) {
        const w = model.weight(sequence.target[1 + s].id);
        sequence.source.forEach((token, p) => {
          const kept = token.token === '<eos>' && !includeEosBaseline;
          const expected = kept ? [0, 0, 0] : times(w, model.sourceEmbedding(token.id), unkSource);
          expect(cell(sequence.source_attributions!.data, p * steps + s)).toEqual(closeTo(expected));
        });
        // The decoder start keeps itself with or without include_eos_baseline.
        expect(cell(sequence.target_attributions!.data, s)).toEqual([0, 0, 0]);
        for (let p = 1; p <= s; p++) {
          const expected = times(w, model.targetEmbedding(sequence.target[p].id), unkTarget);
          expect(cell(sequence.target_attributions!.data, p * steps + s)).toEqual(closeTo(expected));
        }
        expect(sequence.step_scores.deltas.data[s]).toBeCloseTo(0, 5);
      }
    }
  });

  it('occlusion and deeplift keep the eos too: it gets exactly 0 (ids-only backends as well)', async () => {
    const model = linearModel();
    const idsOnly = { ...model, backend: { ...model.backend, capabilities: { ...model.backend.capabilities, embeddingInputs: false } } };
    for (const [method, runOn] of [
      ['occlusion', model],
      ['occlusion', idsOnly],
      ['deeplift', model],
    ] as const) {
      const out = await attribute(runOn, 'the <eos> cat', { method, methods, attributedFn: 'logit', generatedTexts: 'the <eos> cat sat' });
      const { data, shape } = out.sequence_attributions[0].target_attributions!;
      const width = shape.slice(1).reduce((a, b) => a * b, 1);
      expect(Array.from(data.subarray(width, 2 * width)).every((v) => v === 0)).toBe(true);
      expect(Array.from(data.subarray(0, width)).some((v) => v !== 0)).toBe(true);
    }
  });
});
