import type { FeatureAttributionOutput } from '../data/feature-attribution-output';
import { InvalidInputError } from '../errors/invalid-input-error';
import { gzip } from './gzip';
import { outputToInseqJson } from './inseq-python/output-to-inseq-json';
import { type OutputFileFormat, outputFileFormats } from './output-file-format';
import type { ScoresPrecision } from './scores-precision';
import { outputToJson } from './serialize-output';

/** Options of {@link outputToBytes} (and of `saveOutput`). */
export interface OutputToBytesOptions {
  /** `inseq-ts` (this library's JSON) or `inseq` (Python Inseq's `save` layout). @defaultValue `'inseq-ts'` */
  readonly format?: OutputFileFormat;
  /** Gzip the JSON (`.json.gz`). @defaultValue `false` */
  readonly compress?: boolean;
  /**
   * Storage of scores: `float32` (exact), `float16` (about 3 significant digits) or `float8`
   * (about 1). In `inseq-ts` files reduced precision is packed base64 bits with a per-tensor scale
   * for float8; in `inseq` files every tensor is a safetensors blob, as Inseq's `scores_precision`.
   * @defaultValue `'float32'`
   */
  readonly scoresPrecision?: ScoresPrecision;
  /** `inseq-ts` only: spaces of indentation. @defaultValue none (one line) */
  readonly indent?: number;
  /** `inseq` only: one line instead of Inseq's 4-space indentation. @defaultValue `false` */
  readonly compact?: boolean;
}

/**
 * Serialises an output to the bytes of an attribution file, without touching the file system
 * (browser-safe: gzip goes through `CompressionStream`), e.g. for a download in the web app.
 */
export async function outputToBytes(output: FeatureAttributionOutput, options?: OutputToBytesOptions): Promise<Uint8Array> {
  const format = options?.format ?? 'inseq-ts';
  if (!outputFileFormats.includes(format)) {
    throw new InvalidInputError(`format ${JSON.stringify(format)} is unknown; use one of: ${outputFileFormats.join(', ')}.`, { code: 'INVALID_ARGUMENT' });
  }
  const text =
    format === 'inseq'
      ? outputToInseqJson(output, { scoresPrecision: options?.scoresPrecision, compact: options?.compact })
      : outputToJson(output, { scoresPrecision: options?.scoresPrecision, indent: options?.indent });
  const bytes = new TextEncoder().encode(text);
  return options?.compress ? gzip(bytes) : bytes;
}
