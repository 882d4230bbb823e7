import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../../vitest.shared';

export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    // The browser test builds the app and starts Chromium in its hook: minutes when the whole suite shares 2 cores.
    hookTimeout: 300_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest/report.json' },
  },
});
