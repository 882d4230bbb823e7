import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/invalid-input-error';
import { createTensor } from '../tensor';
import { deepFreeze, decoderOnlySequence, encoderDecoderSequence, values } from './output-fixture.test-support';
import { sliceSequence } from './slice-sequence';

const NaN_ = Number.NaN;
const names = (tokens: readonly { token: string }[]) => tokens.map((token) => token.token);

describe('sliceSequence (decoder-only: slices the context, keeps every explained token)', () => {
  const sequence = deepFreeze(decoderOnlySequence());
  const before = structuredClone(sequence);

  it('drops context rows and shifts attr_pos_start/end', () => {
    const sliced = sliceSequence(sequence, { start: 1 });
    expect(names(sliced.target)).toEqual(['ĠB', 'ĠC', 'ĠD', 'ĠE']);
    expect(names(sliced.source)).toEqual(['ĠB', 'ĠC']);
    expect(sliced.target_attributions?.shape).toEqual([4, 2]);
    expect(values(sliced.target_attributions)).toEqual([11, 12, 21, 22, NaN_, 32, NaN_, NaN_]);
    expect([sliced.attr_pos_start, sliced.attr_pos_end]).toEqual([2, 4]);
    expect(values(sliced.step_scores.probability)).toEqual([0.5, 0.25]);
    expect(sliced.source_attributions).toBeNull();
    expect(sequence).toEqual(before);
  });

  it('keeps the explained tokens when the slice ends inside the context (Inseq adds them back)', () => {
    const sliced = sliceSequence(sequence, { start: 0, end: 1 });
    expect(names(sliced.target)).toEqual(['A', 'ĠD', 'ĠE']);
    expect(values(sliced.target_attributions)).toEqual([1, 2, NaN_, 32, NaN_, NaN_]);
    expect([sliced.attr_pos_start, sliced.attr_pos_end]).toEqual([1, 3]);
    expect(names(sliceSequence(sequence, { start: -4, end: -3 }).target)).toEqual(['ĠB', 'ĠD', 'ĠE']);
  });

  it('slices trailing hidden axes along with the rows', () => {
    const sliced = sliceSequence(decoderOnlySequence(2), { start: 2 });
    expect(sliced.target_attributions?.shape).toEqual([3, 2, 2]);
    expect(values(sliced.target_attributions).slice(0, 4).map((v) => Math.round(v * 10) / 10)).toEqual([21, 21.1, 22, 22.1]);
  });

  it('drops target tokens after attr_pos_end, as Inseq', () => {
    const early = { ...decoderOnlySequence(), target_attributions: createTensor([1, 11, 21, NaN_, NaN_], [5, 1]), step_scores: {}, attr_pos_end: 4 };
    const sliced = sliceSequence(early, {});
    expect(names(sliced.target)).toEqual(['A', 'ĠB', 'ĠC', 'ĠD']);
    expect([sliced.attr_pos_start, sliced.attr_pos_end]).toEqual([3, 4]);
  });

  it('refuses a start past attr_pos_start', () => {
    expect(() => sliceSequence(sequence, { start: 4 })).toThrow(InvalidInputError);
    expect(() => sliceSequence(sequence, { start: 4 })).toThrow(/keeps every explained token .*start ≤ 3/);
    expect(() => sliceSequence(sequence, { start: 0.5 })).toThrow(/integer/);
  });
});

describe('sliceSequence (encoder-decoder: slices the source)', () => {
  const sequence = deepFreeze(encoderDecoderSequence());
  const before = structuredClone(sequence);

  it('slices source rows and encoder sequence scores, keeps the target', () => {
    const sliced = sliceSequence(sequence, { start: 1, end: 3 });
    expect(names(sliced.source)).toEqual(['S1', 'S2']);
    expect(sliced.source_attributions?.shape).toEqual([2, 3]);
    expect(values(sliced.source_attributions)).toEqual([10, 11, 12, 20, 21, 22]);
    expect(names(sliced.target)).toEqual(['T0', 'T1', 'T2']);
    expect(values(sliced.target_attributions)).toEqual(values(sequence.target_attributions));
    expect([sliced.attr_pos_start, sliced.attr_pos_end]).toEqual([0, 3]);
    expect(sliced.sequence_scores.encoder_self_attention.shape).toEqual([2, 2]);
    expect(values(sliced.sequence_scores.encoder_self_attention)).toEqual([5, 6, 9, 10]);
    expect(sequence).toEqual(before);
  });

  it('names a sequence score whose shape does not fit', () => {
    const bad = { ...encoderDecoderSequence(), sequence_scores: { cross: createTensor([1, 2], [2]) } };
    expect(() => sliceSequence(bad, { start: 2 })).toThrow(/sequence_scores\['cross'\] has shape \[2\]/);
  });
});
