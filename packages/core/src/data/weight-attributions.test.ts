import { describe, expect, it } from 'vitest';
import { UnknownIdError } from '../errors/unknown-id-error';
import { deepFreeze, decoderOnlySequence, encoderDecoderSequence, outputOf, values } from './output-fixture.test-support';
import { weightAttributions } from './weight-attributions';

const NaN_ = Number.NaN;

describe('weightAttributions', () => {
  it('multiplies each step column by its step score and keeps NaN', () => {
    const sequence = deepFreeze(decoderOnlySequence());
    const before = structuredClone(sequence);
    const weighted = weightAttributions(sequence, 'probability');
    // probability = [0.5, 0.25]
    expect(values(weighted.target_attributions)).toEqual([0.5, 0.5, 5.5, 3, 10.5, 5.5, NaN_, 8, NaN_, NaN_]);
    expect(weighted.target_attributions?.shape).toEqual([5, 2]);
    expect(weighted.step_scores).toBe(sequence.step_scores);
    expect(sequence).toEqual(before);
  });

  it('weights every value of a column when hidden axes remain, and the source side', () => {
    const weighted = weightAttributions(decoderOnlySequence(2), 'entropy');
    // entropy = [1, 2]; row 0: step 0 → [1, 1.1], step 1 → 2 × [2, 2.1]
    expect(values(weighted.target_attributions).slice(0, 4)).toEqual([1, 1.1, 4, 4.2].map(Math.fround));
    const encoderDecoder = weightAttributions(encoderDecoderSequence(), 'probability');
    expect(values(encoderDecoder.source_attributions).slice(0, 3)).toEqual([0, 0.5, 1]);
  });

  it('weights every sequence of an output', () => {
    const output = deepFreeze(outputOf([decoderOnlySequence(), decoderOnlySequence()]));
    const weighted = weightAttributions(output, 'probability');
    expect(weighted.sequence_attributions).toHaveLength(2);
    expect(values(weighted.sequence_attributions[1].target_attributions)[3]).toBe(3);
    expect(weighted.info).toEqual(output.info);
  });

  it('names the available step scores when the id is missing', () => {
    expect(() => weightAttributions(decoderOnlySequence(), 'logit')).toThrow(UnknownIdError);
    expect(() => weightAttributions(decoderOnlySequence(), 'logit')).toThrow("Unknown step score 'logit'. Known step scores: probability, entropy.");
  });
});
