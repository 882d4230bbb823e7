import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/vitest.ts', 'src/browser-entry.ts', 'src/fuzz.ts'],
  format: ['esm'],
  dts: process.env.INSEQ_NO_DTS !== '1',
  sourcemap: true,
  clean: true,
  target: 'node20',
});
