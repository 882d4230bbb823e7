import { readFileSync } from 'node:fs';

/**
 * The CLI package's version, read from its package.json at run time (one folder above `src/`
 * and `dist/`, so it holds in the repository and in a global install alike).
 */
export function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  if (typeof manifest.version !== 'string') throw new Error('The @inseq/cli package.json has no version.');
  return manifest.version;
}
