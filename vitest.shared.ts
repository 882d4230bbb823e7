import { fileURLToPath } from 'node:url';

/**
 * Tests run on the sources of sibling packages, so a change in `@inseq/core` is seen by every
 * package's tests without a rebuild. Builds and type checks still go through `dist`.
 */
const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export const workspaceAliases = {
  '@inseq/core': pkg('core'),
  '@inseq/methods': pkg('methods'),
  '@inseq/aggregators': pkg('aggregators'),
  '@inseq/viz': pkg('viz'),
  '@inseq/backend-tfjs': pkg('backend-tfjs'),
  '@inseq/backend-ort': pkg('backend-ort'),
  // Subpath entries before their package: an alias also matches '<key>/…'.
  '@inseq/testing/vitest': fileURLToPath(new URL('./packages/testing/src/vitest.ts', import.meta.url)),
  '@inseq/testing/browser': fileURLToPath(new URL('./packages/testing/src/browser-entry.ts', import.meta.url)),
  '@inseq/testing': pkg('testing'),
  '@inseq/hub': pkg('hub'),
  '@inseq/demo-model': pkg('demo-model'),
  inseq: pkg('inseq'),
};
