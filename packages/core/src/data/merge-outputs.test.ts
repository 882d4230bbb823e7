import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/invalid-input-error';
import { MERGE_MATCH_INFO_FIELDS, mergeOutputs } from './merge-outputs';
import { deepFreeze, decoderOnlySequence, outputOf } from './output-fixture.test-support';

describe('mergeOutputs', () => {
  it('concatenates sequences and per-sequence info, and leaves its inputs alone', () => {
    const first = deepFreeze(outputOf([decoderOnlySequence()], { attr_pos_end: 5, exec_time: 1 }));
    const second = deepFreeze(
      outputOf([decoderOnlySequence(), decoderOnlySequence()], { attr_pos_end: 7, exec_time: 2, contrast_targets: 'x' }),
    );
    const before = structuredClone([first, second]);
    const merged = mergeOutputs([first, second]);
    expect(merged.sequence_attributions).toEqual([
      first.sequence_attributions[0],
      second.sequence_attributions[0],
      second.sequence_attributions[1],
    ]);
    expect(merged.info.input_texts).toEqual(['input 0', 'input 0', 'input 1']);
    expect(merged.info.generated_texts).toEqual(['generated 0', 'generated 0', 'generated 1']);
    expect(merged.info.contrast_targets).toEqual([null, 'x', 'x']);
    expect(merged.info.attr_pos_end).toBe(7);
    expect(merged.info.exec_time).toBe(3);
    expect(merged.info.batch_size).toBe(8);
    expect(merged.step_attributions).toBeNull();
    expect([first, second]).toEqual(before);
  });

  it('keeps attr_pos_end null when any output ran to the end, and joins kept step attributions', () => {
    const a = { ...outputOf([decoderOnlySequence()], { attr_pos_end: 4 }), step_attributions: ['s0'] };
    const b = { ...outputOf([decoderOnlySequence()]), step_attributions: ['s1'] };
    const merged = mergeOutputs([a, b]);
    expect(merged.info.attr_pos_end).toBeNull();
    expect(merged.step_attributions).toEqual(['s0', 's1']);
    expect(mergeOutputs([a, outputOf([decoderOnlySequence()])]).step_attributions).toBeNull();
  });

  it.each([
    ['attribution_method', 'integrated_gradients'],
    ['model_name', 'other-model'],
    ['attribution_args', { abs: false }],
    ['attributed_fn', 'logit'],
    ['step_scores', ['probability', 'entropy']],
    ['constrained_decoding', true],
  ])('refuses outputs whose info.%s differs, naming the field', (field, value) => {
    const a = outputOf([decoderOnlySequence()]);
    const b = outputOf([decoderOnlySequence()], { [field]: value });
    expect(() => mergeOutputs([a, b])).toThrow(InvalidInputError);
    expect(() => mergeOutputs([a, b])).toThrow(new RegExp(`info\\.${field} differs between output 0 .* and output 1`));
  });

  it('refuses a match field present in one output only, and compares objects by value', () => {
    const a = outputOf([decoderOnlySequence()], { tokenizer_name: 'gpt2' });
    expect(() => mergeOutputs([a, outputOf([decoderOnlySequence()])])).toThrow(/info\.tokenizer_name .*\(absent\)/);
    const b = outputOf([decoderOnlySequence()], { attribution_args: { abs: true, n_steps: 10 } });
    const c = outputOf([decoderOnlySequence()], { attribution_args: { n_steps: 10, abs: true } });
    expect(mergeOutputs([b, c]).sequence_attributions).toHaveLength(2);
  });

  it("checks Inseq's merge fields", () => {
    for (const field of ['attribute_target', 'attribution_method', 'constrained_decoding', 'include_eos_baseline', 'model_class', 'model_name', 'step_scores', 'tokenizer_class', 'tokenizer_name']) {
      expect(MERGE_MATCH_INFO_FIELDS).toContain(field);
    }
  });

  it('needs at least one output', () => {
    expect(() => mergeOutputs([])).toThrow(/at least one output/);
  });
});
