import { InseqError, type InseqErrorCode, type InseqErrorOptions } from './inseq-error';

/** The codes a {@link ModelLoadError} can carry. */
export type ModelLoadErrorCode = Extract<
  InseqErrorCode,
  'MODEL_LOAD' | 'UNSUPPORTED_MODEL' | 'INVALID_FILE' | 'HUB_UNAUTHORIZED' | 'HUB_NOT_FOUND' | 'NOT_IN_CACHE' | 'DOWNLOAD_FAILED' | 'CHECKSUM_MISMATCH' | 'MODEL_TOO_LARGE'
>;

/**
 * A model folder that cannot be loaded: missing files, malformed weights, unsupported architecture,
 * or a Hub repository that cannot be reached, read or downloaded (the `HUB_*`, `NOT_IN_CACHE`,
 * `DOWNLOAD_FAILED` and `CHECKSUM_MISMATCH` codes).
 */
export class ModelLoadError extends InseqError {
  constructor(message: string, options?: Partial<InseqErrorOptions<ModelLoadErrorCode>>) {
    super(message, { code: options?.code ?? 'MODEL_LOAD', cause: options?.cause });
    this.name = 'ModelLoadError';
  }
}
