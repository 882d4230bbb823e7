import { defineConfig } from 'tsup';

// Two builds of one source: `#inseq-platform` (package.json `imports`) resolves to the Node
// built-ins in the node build and to loaders that throw in the browser build (exports' `browser`).
export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: process.env.INSEQ_NO_DTS !== '1',
    sourcemap: true,
    clean: ['index.js*', 'index.d.*'],
    target: 'node20',
    platform: 'node',
  },
  {
    entry: { 'index.browser': 'src/index.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'es2022',
    platform: 'browser',
  },
]);
