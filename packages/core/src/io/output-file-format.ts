import { InseqError } from '../errors/inseq-error';
import { OUTPUT_FORMAT } from './serialize-output';

/**
 * The file layouts inseq-ts reads and writes: `inseq-ts` (its own versioned JSON, see
 * `outputToJson`) and `inseq` (Python Inseq's `FeatureAttributionOutput.save` JSON, see
 * `outputToInseqJson`). Either may be gzipped.
 */
export type OutputFileFormat = 'inseq-ts' | 'inseq';

/** Every {@link OutputFileFormat}, for CLI choices and checks. */
export const outputFileFormats: readonly OutputFileFormat[] = Object.freeze(['inseq-ts', 'inseq']);

/**
 * Which format a parsed attribution file is in: `inseq-ts` when its `format` names inseq-ts,
 * `inseq` for Python Inseq's layout (an `__instance_type__` wrapper, or plain attributes with
 * `sequence_attributions`).
 *
 * @param where - names the file in the error.
 * @throws InseqError `INVALID_FILE` when it is neither.
 */
export function detectOutputFormat(parsed: unknown, where = 'The file'): OutputFileFormat {
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    const object = parsed as Record<string, unknown>;
    if (object.format === OUTPUT_FORMAT) return 'inseq-ts';
    if ('format' in object) {
      throw new InseqError(`${where} has 'format' ${JSON.stringify(object.format)}; expected '${OUTPUT_FORMAT}' (inseq-ts) or a Python Inseq file.`, { code: 'INVALID_FILE' });
    }
    if ('__instance_type__' in object || Array.isArray(object.sequence_attributions)) return 'inseq';
  }
  throw new InseqError(
    `${where} is neither an inseq-ts attribution file (with "format": "${OUTPUT_FORMAT}") nor a Python Inseq one ` +
      '(FeatureAttributionOutput.save: "__instance_type__" or "sequence_attributions" at the top level).', { code: 'INVALID_FILE' },
  );
}
