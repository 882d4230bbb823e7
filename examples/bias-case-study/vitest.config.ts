import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../../vitest.shared';

export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The JSON report lets .ci/run print one 'N passed, N failed' line for the whole monorepo.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest/report.json' },
  },
});
