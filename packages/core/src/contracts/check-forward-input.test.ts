import { describe, expect, it } from 'vitest';
import { InseqError } from '../errors/inseq-error';
import { intTensorFromRows } from '../tensor';
import { checkEncoderInput, checkForwardInput, checkIds, checkInputIds } from './check-forward-input';
import type { ModelConfig } from './model-config';

const decoderOnly: ModelConfig = {
  modelType: 'gpt2',
  vocabSize: 10,
  hiddenSize: 4,
  numLayers: 1,
  numHeads: 1,
  maxPositions: 5,
  isEncoderDecoder: false,
  raw: {},
} as unknown as ModelConfig;
const encoderDecoder: ModelConfig = { ...decoderOnly, modelType: 'marian', isEncoderDecoder: true, decoderStartTokenId: 0 } as ModelConfig;

const ids = (rows: number[][]) => intTensorFromRows(rows);
const embeds = (shape: number[]) => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape });

/** The InseqError `f` throws, or fails the test. */
function thrown(f: () => unknown): InseqError {
  try {
    f();
  } catch (error) {
    expect(InseqError.isInstance(error), String(error)).toBe(true);
    return error as InseqError;
  }
  throw new Error('expected an InseqError');
}

describe('checkInputIds / checkIds', () => {
  it('returns [batch, seq] and names the offending cell', () => {
    expect(checkInputIds(ids([[1, 2, 3]]), decoderOnly)).toEqual([1, 3]);
    const error = thrown(() => checkInputIds(ids([[1, 2], [3, 10]]), decoderOnly));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toBe('inputIds[1][1] is 10, outside the vocabulary [0, 10).');
    expect(thrown(() => checkInputIds({ data: new Int32Array(0), shape: [1, 0] }, decoderOnly)).message).toMatch(/non-empty \[batch, sequenceLength\]/);
    expect(thrown(() => checkInputIds(ids([[-1]]), decoderOnly, 'encoder.inputIds')).message).toMatch(/^encoder.inputIds\[0\]\[0\] is -1/);
    expect(thrown(() => checkIds(Int32Array.of(0, 12), 10, (i) => `targetIds[${i}]`)).message).toMatch(/^targetIds\[1\] is 12/);
  });
});

describe('checkForwardInput', () => {
  it('accepts a left-padded batch and returns [batch, seq, source]', () => {
    expect(checkForwardInput({ inputIds: ids([[0, 1, 2], [3, 4, 5]]), attentionMask: ids([[0, 1, 1], [1, 1, 1]]) }, decoderOnly)).toEqual([2, 3, 0]);
    const inputsEmbeds = embeds([1, 2, 4]);
    expect(checkForwardInput({ inputIds: ids([[1, 2]]), attentionMask: ids([[1, 1]]), inputsEmbeds }, decoderOnly)).toEqual([1, 2, 0]);
  });

  it('refuses inputs longer than the model positions with INPUT_TOO_LONG', () => {
    const long = [[1, 1, 1, 1, 1, 1]];
    expect(thrown(() => checkForwardInput({ inputIds: ids(long), attentionMask: ids(long) }, decoderOnly)).code).toBe('INPUT_TOO_LONG');
  });

  it('refuses masks of another shape, other values, or right padding (naming the backend)', () => {
    const inputIds = ids([[1, 2]]);
    expect(thrown(() => checkForwardInput({ inputIds, attentionMask: ids([[1, 1, 1]]) }, decoderOnly)).message).toMatch(/must match inputIds, \[1, 2\]/);
    expect(thrown(() => checkForwardInput({ inputIds, attentionMask: ids([[2, 1]]) }, decoderOnly)).message).toMatch(/attentionMask\[0\]\[0\] is 2/);
    const padded = thrown(() => checkForwardInput({ inputIds, attentionMask: ids([[1, 0]]) }, decoderOnly, { backend: 'ort' }));
    expect(padded.code).toBe('INVALID_INPUT');
    expect(padded.message).toMatch(/Row 0 of attentionMask ends in padding; the ort backend reads/);
  });

  it('refuses inputsEmbeds of another shape', () => {
    const error = thrown(() => checkForwardInput({ inputIds: ids([[1, 2]]), attentionMask: ids([[1, 1]]), inputsEmbeds: embeds([1, 3, 4]) }, decoderOnly));
    expect(error.message).toMatch(/inputsEmbeds has shape \[1, 3, 4\] \(12 values\); it must be \[1, 2, 4\]/);
  });

  it('refuses an encoder for a decoder-only model and requires one for an encoder-decoder model', () => {
    const decoder = { inputIds: ids([[0, 1]]), attentionMask: ids([[1, 1]]) };
    const encoder = { inputIds: ids([[3, 4, 5]]), attentionMask: ids([[1, 1, 0]]) };
    expect(thrown(() => checkForwardInput({ ...decoder, encoder }, decoderOnly)).code).toBe('INVALID_ARGUMENT');
    const missing = thrown(() => checkForwardInput(decoder, encoderDecoder, { call: 'gradients' }));
    expect(missing.code).toBe('INVALID_ARGUMENT');
    expect(missing.message).toMatch(/^gradients of the encoder-decoder model 'marian' needs `encoder`: give the source as encoder/);
    expect(checkForwardInput({ ...decoder, encoder }, encoderDecoder)).toEqual([1, 2, 3]);
  });
});

describe('checkEncoderInput', () => {
  const mask = ids([[1, 1, 0]]);
  it('checks rows, ids, length, mask and embeddings of the source', () => {
    expect(checkEncoderInput(undefined, decoderOnly, 1)).toBe(0);
    expect(thrown(() => checkEncoderInput(undefined, encoderDecoder, 1, 'generate')).message).toMatch(/^generate of the encoder-decoder model 'marian' needs `encoder`/);
    expect(thrown(() => checkEncoderInput({ inputIds: ids([[1], [2], [3]]), attentionMask: ids([[1], [1], [1]]) }, encoderDecoder, 1)).message).toBe(
      'encoder.inputIds has 3 rows but the decoder side has 1; give one source per decoder row.',
    );
    expect(thrown(() => checkEncoderInput({ inputIds: ids([[1, 11, 0]]), attentionMask: mask }, encoderDecoder, 1)).message).toMatch(/^encoder.inputIds\[0\]\[1\] is 11/);
    const long = [[1, 1, 1, 1, 1, 1]];
    expect(thrown(() => checkEncoderInput({ inputIds: ids(long), attentionMask: ids(long) }, encoderDecoder, 1)).code).toBe('INPUT_TOO_LONG');
    expect(thrown(() => checkEncoderInput({ inputIds: ids([[1, 2, 3]]), attentionMask: ids([[1, 1]]) }, encoderDecoder, 1)).message).toMatch(/must match encoder.inputIds, \[1, 3\]/);
    expect(thrown(() => checkEncoderInput({ inputIds: ids([[1, 2, 3]]), attentionMask: ids([[0, 0, 0]]) }, encoderDecoder, 1)).message).toMatch(/all padding/);
    expect(thrown(() => checkEncoderInput({ inputIds: ids([[1, 2, 3]]), attentionMask: ids([[1, 3, 0]]) }, encoderDecoder, 1)).message).toMatch(/encoder.attentionMask\[0\]\[1\] is 3/);
    const inputsEmbeds = embeds([1, 2, 4]);
    expect(thrown(() => checkEncoderInput({ inputIds: ids([[1, 2, 3]]), attentionMask: mask, inputsEmbeds }, encoderDecoder, 1)).message).toMatch(
      /encoder.inputsEmbeds has shape \[1, 2, 4\]; it must be \[1, 3, 4\]/,
    );
    expect(checkEncoderInput({ inputIds: ids([[1, 2, 3]]), attentionMask: mask, inputsEmbeds: embeds([1, 3, 4]) }, encoderDecoder, 1)).toBe(3);
  });
});
