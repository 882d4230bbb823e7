import { HubApiError } from '@huggingface/hub';
import { InseqError, ModelLoadError } from '@inseq/core';

/** What was being done when a Hub request failed, for the error message. */
export interface HubRequestContext {
  readonly repoId: string;
  readonly revision: string;
  readonly endpoint: string;
  /** Whether a token was sent (changes the advice for 401/403). */
  readonly withToken: boolean;
  /** The file being fetched, when the failure is about one file. */
  readonly file?: string;
  /** The `X-Error-Code` header of the failed response (`RepoNotFound`, `RevisionNotFound`, `EntryNotFound`, `GatedRepo`). */
  readonly errorCode?: string;
  /** Where the files are cached, for messages. */
  readonly cacheLocation: string;
}

/**
 * Turns a failure of `@huggingface/hub` (an `HubApiError` with a status, or a network error) into
 * a {@link ModelLoadError} that names the repository, what was missing and the fix.
 */
export function hubLoadError(error: unknown, context: HubRequestContext): InseqError {
  if (InseqError.isInstance(error)) return error;
  const { repoId, revision, endpoint, file } = context;
  const what = file === undefined ? `${repoId}@${revision}` : `'${file}' of ${repoId}@${revision}`;
  if (error instanceof HubApiError) {
    const status = error.statusCode;
    const code = context.errorCode;
    if (code === 'RevisionNotFound') {
      return new ModelLoadError(
        `No such revision '${revision}' in ${repoId} on ${endpoint}. Pass a branch, tag or commit sha that exists (--revision, or 'org/name@rev').`,
        { code: 'HUB_NOT_FOUND', cause: error },
      );
    }
    if (code === 'EntryNotFound') {
      return new ModelLoadError(`No such file '${file}' in ${repoId}@${revision} on ${endpoint}.`, { code: 'HUB_NOT_FOUND', cause: error });
    }
    if (code === 'RepoNotFound' || (status === 404 && file === undefined)) {
      return new ModelLoadError(
        `No such repo '${repoId}' on ${endpoint} (or it is private: set HF_TOKEN, or the token option, to a token with access). ` +
          `Check the id ('org/name', as in ${endpoint}/${repoId}), or give a local folder that exists.`,
        { code: 'HUB_NOT_FOUND', cause: error },
      );
    }
    if (status === 401 || status === 403) {
      return new ModelLoadError(
        context.withToken
          ? `${repoId} is gated or private and the token given has no access to it (HTTP ${status}). ` +
              `Request access on ${endpoint}/${repoId}, then set HF_TOKEN (or the token option) to a token of an account that has it.`
          : `${repoId} is gated or private (HTTP ${status}): set HF_TOKEN (or the token option) to an access token (${endpoint}/settings/tokens) ` +
              `of an account with access${status === 401 ? '' : `, after requesting access on ${endpoint}/${repoId}`}.`,
        { code: 'HUB_UNAUTHORIZED', cause: error },
      );
    }
    if (status === 404) {
      return new ModelLoadError(`No such file '${file}' in ${repoId}@${revision} on ${endpoint}.`, { code: 'HUB_NOT_FOUND', cause: error });
    }
    return new ModelLoadError(`The Hub at ${endpoint} answered HTTP ${status} for ${what}: ${error.message}`, {
      code: 'DOWNLOAD_FAILED',
      cause: error,
    });
  }
  const reason = error instanceof Error ? (error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message) : String(error);
  return new ModelLoadError(
    `Could not download ${what} from ${endpoint}: ${reason}. Nothing partial was put in ${context.cacheLocation}; ` +
      `run again to resume, or set HF_HUB_OFFLINE=1 to use only what is cached.`,
    { code: 'DOWNLOAD_FAILED', cause: error },
  );
}
