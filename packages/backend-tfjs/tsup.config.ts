import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm'],
    // The public types mention tfjs-core's Tensor (the architecture extension API: TfjsCausalLm and
    // its passes). tfjs-core's declarations use the global `Long` of @types/long (a dependency of
    // tfjs-core that only a flat, npm-hoisted node_modules makes visible); this reference, resolved
    // from this package, lets a consumer type check with skipLibCheck: false under pnpm or `types: []`.
    dts: process.env.INSEQ_NO_DTS !== '1' && { banner: '/// <reference types="long" />' },
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
