import { InseqError, type SequenceContext } from '@inseq/core';

/**
 * `attributeSequence` sees no source (`SequenceContext` has no encoder), so an encoder-decoder
 * model must be attributed step by step; this fails loudly instead of running the decoder alone.
 */
export function requireDecoderOnlySequence(method: string, ctx: SequenceContext): void {
  if (!ctx.backend.config.isEncoderDecoder) return;
  throw new InseqError(
    `${method}.attributeSequence cannot attribute encoder-decoder model '${ctx.backend.name}': a sequence context carries no source. ` +
      'Run it step by step (attributeStep), which attributes the source as well.', { code: 'INVALID_ARGUMENT' },
  );
}
