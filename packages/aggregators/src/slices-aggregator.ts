import { defineAggregator, defineOptions, InvalidInputError, jsonOption, type ParsedOptions, sliceSequence } from '@inseq/core';
import { parseTokenSpan } from './token-span';

const options = defineOptions({
  source_spans: jsonOption({
    expected: 'one [start, end] pair of integers',
    parse: parseTokenSpan,
    description: 'Encoder-decoder: the source window [start, end) to keep.',
  }),
  target_spans: jsonOption({
    expected: 'one [start, end] pair of integers',
    parse: parseTokenSpan,
    description: 'Decoder-only: the prompt window [start, end) to keep; generated tokens are always kept.',
  }),
  start: { type: 'number', integer: true, description: 'Start of the window on the context side, when no *_spans is given.' },
  end: { type: 'number', integer: true, description: 'End (exclusive) of the window on the context side, when no *_spans is given.' },
});

/** Parsed options of {@link slicesAggregator}: one context window, `[start, end)` (Inseq's snake_case keys). */
export type SlicesAggregatorOptions = ParsedOptions<typeof options>;

/**
 * Inseq's `slices` aggregator (`SliceAggregator`): keeps one window of the *context* — source
 * tokens of an encoder-decoder, prompt tokens of a decoder-only model — with the rows of its
 * attributions; the explained (generated) tokens, every step column and every step score are kept
 * as they are. It is core's {@link sliceSequence} as a pipeline step (see there for the exact
 * rules); `target_spans` on an encoder-decoder or `source_spans` on a decoder-only model is
 * refused, as there is no context on that side.
 */
export const slicesAggregator = defineAggregator({
  name: 'slices',
  description: 'Keep one window of context tokens (source, or the prompt of a decoder-only model); generated tokens stay.',
  options,
  aggregate(sequence, parsed) {
    const encoderDecoder = sequence.source_attributions !== null;
    const wrongSide = encoderDecoder ? parsed.target_spans : parsed.source_spans;
    if (wrongSide !== undefined) {
      throw new InvalidInputError(
        encoderDecoder
          ? 'slices: target_spans is for decoder-only outputs; an encoder-decoder output is sliced on its source (source_spans).'
          : 'slices: source_spans is for encoder-decoder outputs; a decoder-only output is sliced on its target prompt (target_spans).',
        { code: 'INVALID_ARGUMENT' },
      );
    }
    const [start, end] = (encoderDecoder ? parsed.source_spans : parsed.target_spans) ?? [parsed.start, parsed.end];
    if (start === undefined && end === undefined) return sequence;
    return sliceSequence(sequence, { ...(start !== undefined && { start }), ...(end !== undefined && { end }) });
  },
});
