import { defineConfig } from 'tsup';

// onnxruntime-node loads a native addon and onnxruntime-web its wasm files next to itself;
// bundling either would break that lookup.
const external = ['onnxruntime-node', 'onnxruntime-web', 'onnxruntime-common'];

export default defineConfig([
  {
    // Node: esbuild resolves `#ort-platform` with the `node` condition (ort-platform-node.ts).
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: process.env.INSEQ_NO_DTS !== '1',
    sourcemap: true,
    // Only this build's own files: both builds run at once, so a full clean could delete the browser one.
    clean: ['index.js*', 'index.d.*'],
    target: 'node20',
    platform: 'node',
    external,
  },
  {
    // Browsers: `#ort-platform` resolves to ort-platform-browser.ts, so onnxruntime-node is never referenced.
    entry: { 'index.browser': 'src/index.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'es2022',
    platform: 'browser',
    external,
  },
]);
