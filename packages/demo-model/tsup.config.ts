import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/train-demo-cli.ts'],
  format: ['esm'],
  dts: process.env.INSEQ_NO_DTS === '1' ? false : { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'node20',
});
