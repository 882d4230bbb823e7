import { InvalidInputError } from '../errors/invalid-input-error';
import type { CorePlatform } from './core-platform';

const nodeOnly = (what: string) => (): never => {
  throw new InvalidInputError(
    `${what} needs Node; this is the browser build of @inseq/core, which has no file system. ` +
      `In a browser, work on bytes instead: outputToBytes / outputFromBytes for attribution files, memoryModelFiles or a Hub model for model files.`,
    { code: 'INVALID_ARGUMENT' },
  );
};

/** Browsers and workers: no file system, no node:zlib. */
export const corePlatform: CorePlatform = Object.freeze({
  fs: nodeOnly('Reading or writing a file path (node:fs)'),
  path: nodeOnly('A file path (node:path)'),
  zlib: nodeOnly('Gzip on a file path (node:zlib)'),
  buffer: nodeOnly('Gzip on a file path (node:buffer)'),
});
