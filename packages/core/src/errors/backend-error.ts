import { InseqError } from './inseq-error';

/** A failure inside a backend, wrapped so the caller sees what inseq-ts was doing (`cause` has the rest). */
export class BackendError extends InseqError {
  constructor(message: string, cause?: unknown) {
    super('BACKEND_FAILURE', message, { cause });
    this.name = 'BackendError';
  }
}
