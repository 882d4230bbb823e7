/**
 * What inseq needs from a file system. Imported only through `#inseq-platform` (package.json
 * `imports`): the `node` condition gets inseq-platform-node.ts, browsers inseq-platform-browser.ts,
 * so a browser bundle of inseq has no `node:` module.
 */
export interface InseqPlatform {
  /** Whether a local file or folder exists at `path` (always false in browsers). */
  readonly pathExists: (path: string) => Promise<boolean>;
  /** A local text file (UTF-8); rejects with the file system's error (`code` `'ENOENT'` when missing). */
  readonly readTextFile: (path: string) => Promise<string>;
}
