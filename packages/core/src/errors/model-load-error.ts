import { InseqError, type InseqErrorCode } from './inseq-error';

/** A model folder that cannot be loaded: missing files, malformed weights, unsupported architecture. */
export class ModelLoadError extends InseqError {
  constructor(
    message: string,
    options?: { code?: Extract<InseqErrorCode, 'MODEL_LOAD' | 'UNSUPPORTED_MODEL' | 'INVALID_FILE' | 'MODEL_TOO_LARGE'>; cause?: unknown },
  ) {
    super(options?.code ?? 'MODEL_LOAD', message, { cause: options?.cause });
    this.name = 'ModelLoadError';
  }
}
