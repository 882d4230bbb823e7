import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: process.env.INSEQ_NO_DTS !== '1',
    sourcemap: true,
    clean: ['index.js*', 'index.d.*'],
    target: 'node20',
    platform: 'node',
    // tfjs-core's gradient and chained-op registrations are ES modules in a package Node reads as
    // CommonJS, so the Node build bundles them (as the umbrella @tensorflow/tfjs does); tfjs-core
    // itself and the backends stay external. See src/tf.ts.
    noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
  },
  {
    // Bundlers read tfjs-core's ES modules directly, so the browser build leaves the registration
    // imports to them: one copy of tfjs-core in the page. `#tfjs-platform` resolves to the browser file.
    entry: { 'index.browser': 'src/index.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'es2022',
    platform: 'browser',
  },
]);
