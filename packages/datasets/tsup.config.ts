import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: process.env.INSEQ_NO_DTS !== '1',
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
});
