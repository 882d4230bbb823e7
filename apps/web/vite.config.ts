import { defineConfig } from 'vite';
import { appAssetsPlugin } from './src/build/app-assets';

export default defineConfig({
  // Relative URLs: dist/ works from any folder of any static host.
  base: './',
  plugins: [appAssetsPlugin()],
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 8000 },
});
