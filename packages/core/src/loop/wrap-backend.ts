import { BackendError } from '../errors/backend-error';
import { InseqError } from '../errors/inseq-error';

/** Keeps inseq errors as they are and wraps anything else a backend throws, with `cause`. */
export async function wrapBackend<T>(doing: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (InseqError.isInstance(error)) throw error;
    throw new BackendError(`The backend failed while ${doing}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}
