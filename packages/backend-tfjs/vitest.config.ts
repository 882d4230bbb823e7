import { inseqVitestConfig } from '../../vitest.shared';

export default inseqVitestConfig({
  isolated: [
    // What the first backend pick does in a fresh process.
    'src/init-tfjs-fallback.test.ts',
    // Drives tfjs-wasm out of memory on purpose: the wasm runtime stays aborted for the rest of its process.
    'src/wasm-out-of-memory.test.ts',
  ],
});
