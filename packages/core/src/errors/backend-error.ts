import { InseqError, type InseqErrorOptions } from './inseq-error';

/** A failure inside a backend, wrapped so the caller sees what inseq-ts was doing (`cause` has the rest). */
export class BackendError extends InseqError {
  constructor(message: string, options?: Omit<InseqErrorOptions<'BACKEND_FAILURE'>, 'code'>) {
    super(message, { code: 'BACKEND_FAILURE', cause: options?.cause });
    this.name = 'BackendError';
  }
}
