import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // onnxruntime-node loads a native addon; bundling it would break its binary lookup.
  external: ['onnxruntime-node'],
});
