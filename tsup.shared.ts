import type { Options } from 'tsup';

/**
 * The two builds of a package that runs in Node and in browsers, from one source: `dist/index.js`
 * (platform node: the package's `#…-platform` import resolves with the `node` condition, to Node
 * built-ins) and `dist/index.browser.js` (platform browser: the same import resolves to its
 * browser file; package.json `exports` serves it under the `browser` condition). Declarations
 * come from the Node build, unless `INSEQ_NO_DTS=1` (`pnpm test` builds without them).
 */
export function nodeAndBrowserBuilds(extra: { node?: Options; browser?: Options; both?: Options } = {}): Options[] {
  return [
    {
      entry: ['src/index.ts'],
      format: ['esm'],
      dts: process.env.INSEQ_NO_DTS !== '1',
      sourcemap: true,
      // Only this build's own files: both builds run at once, so a full clean could delete the browser one.
      clean: ['index.js*', 'index.d.*'],
      target: 'node20',
      platform: 'node',
      ...extra.both,
      ...extra.node,
    },
    {
      entry: { 'index.browser': 'src/index.ts' },
      format: ['esm'],
      sourcemap: true,
      target: 'es2022',
      platform: 'browser',
      ...extra.both,
      ...extra.browser,
    },
  ];
}
