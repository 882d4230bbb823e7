import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // Node: esbuild resolves `#hub-platform` with the `node` condition (the Hugging Face cache folder).
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: process.env.INSEQ_NO_DTS !== '1',
    sourcemap: true,
    // Only this build's own files: both builds run at once, so a full clean could delete the browser one.
    clean: ['index.js*', 'index.d.*'],
    target: 'node20',
    platform: 'node',
  },
  {
    // Browsers: `#hub-platform` resolves to the Cache API store, so node:fs is never referenced.
    entry: { 'index.browser': 'src/index.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'es2022',
    platform: 'browser',
  },
]);
