import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'tsup';
import { nodeAndBrowserBuilds } from '../../tsup.shared';

/**
 * @huggingface/hub's `exports` offer only its Node build (which imports fs, os, stream, url); its
 * browser build is reached through its package.json `browser` map, which Vite and webpack apply
 * but esbuild does not. The browser build of this package therefore bundles @huggingface/hub's
 * browser build, so any bundler (esbuild included) gets a dist/index.browser.js without Node built-ins.
 */
const hfHubBrowser = {
  name: 'huggingface-hub-browser',
  setup(build: { onResolve(options: { filter: RegExp }, callback: () => { path: string }): void }) {
    // `exports` hides package.json; its CommonJS entry is dist/index.js, next to dist/browser/.
    const dist = dirname(createRequire(import.meta.url).resolve('@huggingface/hub'));
    build.onResolve({ filter: /^@huggingface\/hub$/ }, () => ({ path: join(dist, 'browser/index.mjs') }));
  },
};

export default defineConfig(nodeAndBrowserBuilds({ browser: { noExternal: ['@huggingface/hub'], esbuildPlugins: [hfHubBrowser] } }));
