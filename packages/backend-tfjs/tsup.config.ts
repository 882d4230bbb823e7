import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: process.env.INSEQ_NO_DTS !== '1',
  sourcemap: true,
  clean: true,
  target: 'node20',
  // tfjs-core's gradient and chained-op registrations are ES modules in a package Node reads as
  // CommonJS, so they are bundled here (as the umbrella @tensorflow/tfjs does); tfjs-core itself
  // and the backends stay external. See src/tf.ts.
  noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
});
