import { InvalidInputError } from '@inseq/core';
import type { InseqPlatform } from './inseq-platform';

/** Browsers and workers: no local files; a path is never a local folder there. */
export const inseqPlatform: InseqPlatform = Object.freeze({
  pathExists: async () => false,
  async readTextFile(path: string): Promise<never> {
    throw new InvalidInputError(
      `Cannot read '${path}': the browser build of inseq has no file system. Pass the file's contents (or a ModelFiles) instead of a path.`,
      { code: 'INVALID_INPUT' },
    );
  },
});
