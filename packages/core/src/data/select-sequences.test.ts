import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/invalid-input-error';
import { deepFreeze, decoderOnlySequence, encoderDecoderSequence, outputOf } from './output-fixture.test-support';
import { selectSequences } from './select-sequences';

describe('selectSequences', () => {
  const sequences = [decoderOnlySequence(), encoderDecoderSequence(), decoderOnlySequence(1)];
  const output = deepFreeze({ ...outputOf(sequences), step_attributions: ['batched'] });

  it('picks sequences by index, negative from the end, with their info entries', () => {
    const picked = selectSequences(output, [2, -3]);
    expect(picked.sequence_attributions).toEqual([sequences[2], sequences[0]]);
    expect(picked.info.input_texts).toEqual(['input 2', 'input 0']);
    expect(picked.info.generated_texts).toEqual(['generated 2', 'generated 0']);
    expect(picked.info.model_name).toBe('tiny-gpt2');
    expect(picked.step_attributions).toBeNull();
    expect(output.sequence_attributions).toHaveLength(3);
  });

  it('takes a range like Array.prototype.slice', () => {
    expect(selectSequences(output, { start: 1 }).info.input_texts).toEqual(['input 1', 'input 2']);
    expect(selectSequences(output, { start: -2, end: -1 }).sequence_attributions).toEqual([sequences[1]]);
    expect(selectSequences(output, { start: 5 }).sequence_attributions).toEqual([]);
  });

  it('explains an index out of range', () => {
    expect(() => selectSequences(output, [3])).toThrow(InvalidInputError);
    expect(() => selectSequences(output, [3])).toThrow(/3 sequences \(indices 0…2, or -3…-1/);
  });
});
