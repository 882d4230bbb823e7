import { InseqError, type InseqErrorOptions } from './inseq-error';

/** A method asked the backend for something it does not offer (checked before any work). */
export class MissingCapabilityError extends InseqError {
  constructor(message: string, options?: Omit<InseqErrorOptions<'MISSING_CAPABILITY'>, 'code'>) {
    super(message, { code: 'MISSING_CAPABILITY', cause: options?.cause });
    this.name = 'MissingCapabilityError';
  }
}
