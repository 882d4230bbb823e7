import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../../../vitest.shared';

describe('a browser bundle of this package', () => {
  it('builds with esbuild for the browser and contains no Node built-in', async () => {
    const { inputs, nodeImports } = await bundleForBrowser(build, new URL('./index.ts', import.meta.url).pathname, {
      // hub's browser build carries @huggingface/hub's browser build; see packages/hub/tsup.config.ts.
      built: ['@inseq/hub'],
    });
    expect(nodeImports).toEqual([]);
    expect(inputs.filter((input) => /platform-node|node-wasm-directory/.test(input))).toEqual([]);
  });
});
