import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // The CJS build needs `import.meta.url` (to find the wasm binaries of @tensorflow/tfjs-backend-wasm).
  shims: true,
});
