import { defineAggregator, InvalidInputError, sliceSequence } from '@inseq/core';
import type { TokenSpan } from './token-span';

/** Options of {@link slicesAggregator}: one context window, `[start, end)`. */
export type SlicesAggregatorOptions = {
  /** Encoder-decoder: source positions to keep. */
  sourceSpans?: TokenSpan;
  /** Decoder-only: target (prompt) positions to keep; the generated tokens are always kept. */
  targetSpans?: TokenSpan;
  /** The window directly, on the side `sliceSequence` slices (source for encoder-decoder, target otherwise). */
  start?: number;
  end?: number;
};

/**
 * Inseq's `slices` aggregator (`SliceAggregator`): keeps one window of the *context* — source
 * tokens of an encoder-decoder, prompt tokens of a decoder-only model — with the rows of its
 * attributions; the explained (generated) tokens, every step column and every step score are kept
 * as they are. It is core's {@link sliceSequence} as a pipeline step (see there for the exact
 * rules); `targetSpans` on an encoder-decoder or `sourceSpans` on a decoder-only model is refused,
 * as there is no context on that side.
 */
export const slicesAggregator = defineAggregator<SlicesAggregatorOptions>({
  name: 'slices',
  description: 'Keep one window of context tokens (source, or the prompt of a decoder-only model); generated tokens stay.',
  aggregate(sequence, options) {
    const encoderDecoder = sequence.source_attributions !== null;
    const wrongSide = encoderDecoder ? options?.targetSpans : options?.sourceSpans;
    if (wrongSide !== undefined) {
      throw new InvalidInputError(
        encoderDecoder
          ? 'slices: targetSpans is for decoder-only outputs; an encoder-decoder output is sliced on its source (sourceSpans).'
          : 'slices: sourceSpans is for encoder-decoder outputs; a decoder-only output is sliced on its target prompt (targetSpans).', { code: 'INVALID_ARGUMENT' },
      );
    }
    const window = (encoderDecoder ? options?.sourceSpans : options?.targetSpans) ?? [options?.start, options?.end];
    const [start, end] = window;
    if (start === undefined && end === undefined) return sequence;
    return sliceSequence(sequence, { ...(start !== undefined && { start }), ...(end !== undefined && { end }) });
  },
});
