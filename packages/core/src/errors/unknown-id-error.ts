import { closestName } from '../contracts/closest-name';
import { InseqError } from './inseq-error';

/** An id (method, step function, aggregator, backend) that its registry does not hold; the message suggests the closest known id. */
export class UnknownIdError extends InseqError {
  readonly kind: string;
  readonly id: string;
  readonly known: readonly string[];

  constructor(kind: string, id: string, known: readonly string[]) {
    const guess = closestName(id, known);
    super(`Unknown ${kind} '${id}'.${guess ? ` Did you mean '${guess}'?` : ''} Known ${kind}s: ${known.length ? known.join(', ') : '(none registered)'}.`, {
      code: 'UNKNOWN_ID',
    });
    this.name = 'UnknownIdError';
    this.kind = kind;
    this.id = id;
    this.known = known;
  }
}
