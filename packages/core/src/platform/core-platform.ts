/**
 * The Node built-ins core uses (files, paths, gzip), loaded lazily. Core imports them only through
 * `#core-platform` (package.json `imports`): the `node` condition gets core-platform-node.ts, every
 * other build (browsers, workers) core-platform-browser.ts, where each loader throws a clear error,
 * so a browser bundle of core never sees a `node:` module.
 */
export interface CorePlatform {
  readonly fs: () => Promise<typeof import('node:fs/promises')>;
  readonly path: () => Promise<typeof import('node:path')>;
  readonly zlib: () => Promise<typeof import('node:zlib')>;
  readonly buffer: () => Promise<typeof import('node:buffer')>;
}
