import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/invalid-input-error';
import { decodeToken } from './decode-token';
import { getScoresDicts } from './get-scores-dicts';
import { deepFreeze, decoderOnlySequence, encoderDecoderSequence, outputOf } from './output-fixture.test-support';

const NaN_ = Number.NaN;

describe('getScoresDicts', () => {
  it('keys decoder-only scores by the explained tokens, target tokens inside', () => {
    const sequence = deepFreeze(decoderOnlySequence());
    expect(getScoresDicts(sequence)).toEqual({
      source_attributions: {},
      target_attributions: {
        '3:ĠD': { '0:A': 1, '1:ĠB': 11, '2:ĠC': 21, '3:ĠD': NaN_, '4:ĠE': NaN_ },
        '4:ĠE': { '0:A': 2, '1:ĠB': 12, '2:ĠC': 22, '3:ĠD': 32, '4:ĠE': NaN_ },
      },
      step_scores: {
        '3:ĠD': { probability: 0.5, entropy: 1 },
        '4:ĠE': { probability: 0.25, entropy: 2 },
      },
    });
  });

  it('fills source_attributions for encoder-decoder models and keeps repeated tokens apart', () => {
    const sequence = { ...encoderDecoderSequence(), source: ['x', 'x', 'y', 'x'].map((token, id) => ({ token, id })) };
    const dict = getScoresDicts(sequence);
    expect(dict.source_attributions['0:T0']).toEqual({ '0:x': 0, '1:x': 10, '2:y': 20, '3:x': 30 });
    expect(Object.keys(dict.source_attributions)).toEqual(['0:T0', '1:T1', '2:T2']);
    expect(dict.target_attributions['2:T2']).toEqual({ '0:T0': 102, '1:T1': 112, '2:T2': NaN_ });
  });

  it('returns one dict per sequence for an output, with custom keys', () => {
    const output = outputOf([decoderOnlySequence(), decoderOnlySequence()]);
    const dicts = getScoresDicts(output, { tokenKey: (token) => decodeToken(token.token) });
    expect(dicts).toHaveLength(2);
    expect(Object.keys(dicts[1].step_scores)).toEqual([' D', ' E']);
  });

  it('asks for an aggregation when hidden axes remain, and accepts size-1 axes', () => {
    expect(() => getScoresDicts(decoderOnlySequence(3))).toThrow(InvalidInputError);
    expect(() => getScoresDicts(decoderOnlySequence(3))).toThrow(/target_attributions has shape \[5, 2, 3\].*aggregateHiddenSize/);
    expect(getScoresDicts(decoderOnlySequence(1)).target_attributions['3:ĠD']['0:A']).toBe(1);
  });
});
