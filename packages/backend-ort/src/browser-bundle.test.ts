import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../../../vitest.shared';

describe('a browser bundle of this package', () => {
  it('builds with esbuild for the browser and contains no Node built-in', async () => {
    const { inputs, nodeImports } = await bundleForBrowser(build, new URL('./index.ts', import.meta.url).pathname);
    expect(nodeImports).toEqual([]);
    expect(inputs.filter((input) => /platform-node|node-wasm-directory/.test(input))).toEqual([]);
  });
});
