import { InseqError, type InseqErrorCode } from './inseq-error';

/** User input (texts, positions, options) that cannot be attributed as given. */
export class InvalidInputError extends InseqError {
  constructor(message: string, code: Extract<InseqErrorCode, 'INVALID_INPUT' | 'INVALID_ARGUMENT' | 'INPUT_TOO_LONG' | 'BATCH_TOO_LARGE'> = 'INVALID_INPUT') {
    super(code, message);
    this.name = 'InvalidInputError';
  }
}
