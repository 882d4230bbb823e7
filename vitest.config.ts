import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { inseqVitestConfig } from './vitest.shared';

/**
 * The files that take longest (measured on 2 cores), started first so that no long file is left
 * running alone at the end of the run. vitest orders by the last run's durations when it has them
 * (never on a fresh clone) and otherwise by file size, which puts short files of long tests last.
 */
const longestFirst = [
  'apps/web/src/web-app.browser.test.ts',
  'packages/backend-ort/src/browser.test.ts',
  'packages/backend-ort/src/seq2seq/ort-seq2seq-layers.test.ts',
  'packages/inseq/src/model-layouts.test.ts',
  'packages/inseq/src/seq2seq-conformance.test.ts',
  'packages/inseq/src/method-conformance.test.ts',
  'packages/inseq/src/llama-long-input.test.ts',
  'packages/backend-ort/src/seq2seq/ort-seq2seq-gradients.test.ts',
  'apps/cli/src/hostile-input.test.ts',
  'packages/backend-ort/src/autodiff/build-seq2seq-gradient-model.test.ts',
];

class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const index = longestFirst.findIndex((path) => file.moduleId.endsWith(path));
      return index === -1 ? longestFirst.length : index;
    };
    // Array.prototype.sort is stable: the rest keep vitest's order (projects, then duration or size).
    return sorted.sort((a, b) => (a.project.name === b.project.name ? rank(a) - rank(b) : 0));
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
    sequence: { sequencer: LongestFirstSequencer },
  },
});
