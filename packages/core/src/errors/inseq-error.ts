const marker = Symbol.for('inseq.error');

/** Stable codes of {@link InseqError}; tests and callers switch on these, never on messages. */
export type InseqErrorCode =
  | 'UNKNOWN_ID'
  | 'DUPLICATE_ID'
  | 'INVALID_ARGUMENT'
  | 'INVALID_INPUT'
  | 'INPUT_TOO_LONG'
  | 'MODEL_LOAD'
  | 'UNSUPPORTED_MODEL'
  | 'INVALID_FILE'
  | 'MISSING_CAPABILITY'
  | 'BACKEND_FAILURE'
  /** A Hub repository that needs a token (gated or private) and got none or one without access. */
  | 'HUB_UNAUTHORIZED'
  /** A Hub repository, revision or file that does not exist. */
  | 'HUB_NOT_FOUND'
  /** Offline (`HF_HUB_OFFLINE=1`) and a file the model needs is not in the cache. */
  | 'NOT_IN_CACHE'
  /** A download that failed midway (connection dropped, server error); nothing was cached. */
  | 'DOWNLOAD_FAILED'
  /** Downloaded bytes whose sha256 (or git blob sha1) differs from the Hub's; nothing was cached. */
  | 'CHECKSUM_MISMATCH'
  // A model or one run that does not fit the runtime's memory (e.g. tfjs-wasm's 4 GiB address space).
  | 'MODEL_TOO_LARGE'
  | 'BATCH_TOO_LARGE'
  /** A file, or what it inflates to, larger than the reader's limit (e.g. a gzip bomb); the message names the option that raises it. */
  | 'FILE_TOO_LARGE';

/** The second argument of every inseq-ts error: `new XError(message, { code, cause })`. */
export interface InseqErrorOptions<Code extends InseqErrorCode = InseqErrorCode> {
  readonly code: Code;
  /** The wrapped failure (a backend's, a file system's). */
  readonly cause?: unknown;
}

/**
 * Base class of every error inseq-ts throws on purpose. The message says what was wrong, what is
 * allowed and how to fix it; `code` is stable; `cause` carries a wrapped backend failure.
 */
export class InseqError extends Error {
  readonly code: InseqErrorCode;
  /** Brand checked by {@link InseqError.isInstance} across duplicate installs. */
  readonly [marker] = true;

  /** One order for every subclass: the message first, then `{ code, cause }`. */
  constructor(message: string, options: InseqErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.name = 'InseqError';
  }

  /** True for an InseqError from any copy of this package (duplicate installs included). */
  static isInstance(error: unknown): error is InseqError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }
}
