import { InseqError, type InseqErrorCode, type InseqErrorOptions } from './inseq-error';

/** The codes an {@link InvalidInputError} can carry. */
export type InvalidInputErrorCode = Extract<InseqErrorCode, 'INVALID_INPUT' | 'INVALID_ARGUMENT' | 'INPUT_TOO_LONG' | 'BATCH_TOO_LARGE'>;

/** User input (texts, positions, options) that cannot be attributed as given. */
export class InvalidInputError extends InseqError {
  constructor(message: string, options?: Partial<InseqErrorOptions<InvalidInputErrorCode>>) {
    super(message, { code: options?.code ?? 'INVALID_INPUT', cause: options?.cause });
    this.name = 'InvalidInputError';
  }
}
