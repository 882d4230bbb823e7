import { InseqError } from './inseq-error';

/** A method asked the backend for something it does not offer (checked before any work). */
export class MissingCapabilityError extends InseqError {
  constructor(message: string) {
    super('MISSING_CAPABILITY', message);
    this.name = 'MissingCapabilityError';
  }
}
