import { inseqVitestConfig } from './vitest.shared';

/**
 * Every package's tests in one vitest run (`pnpm test`): one Vite server transforms the workspace
 * sources once, and each of the two workers imports them (and tfjs, ONNX Runtime) once for all
 * packages instead of once per package. `pnpm --filter <package> test` still runs one package with
 * its own `vitest.config.ts`.
 */
export default inseqVitestConfig({
  isolated: [
    // What the first backend pick does in a fresh process.
    'packages/backend-tfjs/src/init-tfjs-fallback.test.ts',
    // Drives tfjs-wasm out of memory on purpose: the wasm runtime stays aborted for the rest of its process.
    'packages/backend-tfjs/src/wasm-out-of-memory.test.ts',
  ],
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'examples/*/src/**/*.test.ts'],
    // apps/web's browser test builds the app and starts Chromium in its hook.
    hookTimeout: 300_000,
    // Two: the browser tests keep both cores busy even while their worker waits on Chromium, and
    // each further worker imports the whole graph again (about 20 CPU-s).
    maxWorkers: 2,
  },
});
