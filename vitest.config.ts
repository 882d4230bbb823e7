import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { configDefaults } from 'vitest/config';
import { inseqVitestConfig } from './vitest.shared';

/** The suites `tests/browser-suites.test.ts` runs in one file. */
const browserSuites = ['apps/web/src/web-app.browser.test.ts', 'packages/backend-ort/src/browser.test.ts'];

/**
 * Starts the browser suites first: they take one worker for most of the run while the other worker
 * goes through the Node test files, and a long file started last would leave a core idle at the end.
 */
class BrowserSuitesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const first = (file: TestSpecification) => (file.moduleId.endsWith('/tests/browser-suites.test.ts') ? 0 : 1);
    return sorted.map((file, index) => ({ file, index })).sort((a, b) => first(a.file) - first(b.file) || a.index - b.index).map(({ file }) => file);
  }
}

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
  ],
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'examples/*/src/**/*.test.ts', 'tests/*.test.ts'],
    exclude: [...configDefaults.exclude, ...browserSuites],
    sequence: { sequencer: BrowserSuitesFirst },
    // apps/web's browser test builds the app and starts Chromium in its hook.
    hookTimeout: 300_000,
    // Two: the browser suites hold one worker (Chromium pinned to one CPU), the other runs the Node
    // files; a third worker imports the whole graph again and made the run slower (294 s vs 264 s).
    maxWorkers: 2,
  },
});
