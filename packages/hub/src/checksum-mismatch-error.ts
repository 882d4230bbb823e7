import { ModelLoadError } from '@inseq/core';
import type { HubDownloadTarget } from './hub-file-store';

/** The error of a download whose bytes do not hash to what the Hub lists; nothing was cached. */
export function checksumMismatchError(target: HubDownloadTarget, actual: string, where: string): ModelLoadError {
  return new ModelLoadError(
    `Downloaded '${target.path}' of ${target.repoId} does not match the Hub's ${target.algorithm} ` +
      `(expected ${target.etag}, got ${actual}); the bytes were corrupted on the way. Nothing was cached in ${where}; run again.`,
    { code: 'CHECKSUM_MISMATCH' },
  );
}
