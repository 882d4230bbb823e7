import { ModelLoadError } from '@inseq/core';
import type { HubDownloadTarget } from './hub-file-store';

/** The error of a download whose byte count differs from the Hub's listing. */
export function sizeMismatchError(target: HubDownloadTarget, actual: number, where: string): ModelLoadError {
  return new ModelLoadError(
    `Downloaded '${target.path}' of ${target.repoId} has ${actual} bytes, the Hub lists ${target.size}. ` +
      `Nothing was cached in ${where}; run again.`,
    { code: 'DOWNLOAD_FAILED' },
  );
}
