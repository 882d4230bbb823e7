import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../../../vitest.shared';

// The built browser entry, not the source: it carries @huggingface/hub's browser build (see
// tsup.config.ts), which plain esbuild cannot reach through @huggingface/hub's `exports`.
const browserEntry = fileURLToPath(new URL('../dist/index.browser.js', import.meta.url));

describe('a browser bundle of this package', () => {
  it('builds with esbuild for the browser from dist/index.browser.js and contains no Node built-in', async () => {
    expect(existsSync(browserEntry), `${browserEntry} is missing: build first (pnpm --filter @inseq/hub... build)`).toBe(true);
    const { inputs, nodeImports } = await bundleForBrowser(build, browserEntry);
    expect(nodeImports).toEqual([]);
    expect(inputs.some((input) => input.includes('@huggingface/hub/'))).toBe(false);
  });
});
