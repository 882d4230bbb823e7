import type { CorePlatform } from './core-platform';

/** Node: the real built-ins. */
export const corePlatform: CorePlatform = Object.freeze({
  fs: () => import('node:fs/promises'),
  path: () => import('node:path'),
  zlib: () => import('node:zlib'),
  buffer: () => import('node:buffer'),
});
