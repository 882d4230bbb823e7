import { InvalidInputError } from '@inseq/core';
import type { NamedWeight } from '../named-weight';
import { referenceBartForward } from './reference-bart-forward';
import type { ReferenceEncoderDecoderOptions, ReferenceEncoderDecoderOutput } from './reference-encoder-decoder-output';
import { referenceT5Forward } from './reference-t5-forward';

/**
 * An independent float64 forward pass of Hugging Face's encoder-decoder LMs in plain loops, to
 * check backends against: `marian`, `bart` and `mbart` ({@link referenceBartForward}) and `t5`
 * ({@link referenceT5Forward}), chosen by `config.model_type`. Inputs are not shifted: the
 * decoder ids are used as given (they should start with `decoder_start_token_id`).
 *
 * @param weights - by HF name, e.g. `createTinyT5().weights`.
 * @param config - the `config.json` object.
 * @param encoderIds - `[batch][encoderSeq]` source ids.
 * @param encoderMask - `[batch][encoderSeq]`, 1 for tokens, 0 for (left or right) padding.
 * @param decoderIds - `[batch][decoderSeq]` target ids.
 * @param decoderMask - `[batch][decoderSeq]`, 1 for tokens, 0 for padding.
 */
export function referenceEncoderDecoderForward(
  weights: Record<string, NamedWeight>,
  config: Record<string, unknown>,
  encoderIds: readonly (readonly number[])[],
  encoderMask: readonly (readonly number[])[],
  decoderIds: readonly (readonly number[])[],
  decoderMask: readonly (readonly number[])[],
  options: ReferenceEncoderDecoderOptions = {},
): ReferenceEncoderDecoderOutput {
  const rows = [encoderIds, encoderMask, decoderIds, decoderMask];
  if (new Set(rows.map((r) => r.length)).size !== 1) {
    throw new InvalidInputError(`Encoder/decoder ids and masks must have the same batch size, got ${rows.map((r) => r.length).join(', ')}.`, { code: 'INVALID_ARGUMENT' });
  }
  for (const [ids, mask] of [
    [encoderIds, encoderMask],
    [decoderIds, decoderMask],
  ] as const) {
    const width = ids[0]?.length ?? 0;
    if (ids.some((row, b) => row.length !== width || mask[b].length !== width)) {
      throw new InvalidInputError('Every row of a batch must have the same length as the first row and as its mask (pad the batch).', { code: 'INVALID_ARGUMENT' });
    }
  }
  const inputs = { encoderIds, encoderMask, decoderIds, decoderMask };
  switch (config.model_type) {
    case 'bart':
    case 'mbart':
    case 'marian':
      return referenceBartForward(weights, config, inputs, options);
    case 't5':
      return referenceT5Forward(weights, config, inputs, options);
    default:
      throw new InvalidInputError(`model_type ${JSON.stringify(config.model_type)} has no encoder-decoder reference; supported: bart, mbart, marian, t5.`, { code: 'INVALID_ARGUMENT' });
  }
}
