import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

/**
 * Tests run on the sources of sibling packages, so a change in `@inseq/core` is seen by every
 * package's tests without a rebuild. Builds and type checks still go through `dist`.
 */
const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export const workspaceAliases = {
  '@inseq/core': pkg('core'),
  '@inseq/methods': pkg('methods'),
  '@inseq/aggregators': pkg('aggregators'),
  '@inseq/viz': pkg('viz'),
  '@inseq/backend-tfjs': pkg('backend-tfjs'),
  '@inseq/backend-ort': pkg('backend-ort'),
  // Subpath entries before their package: an alias also matches '<key>/…'.
  '@inseq/testing/vitest': fileURLToPath(new URL('./packages/testing/src/vitest.ts', import.meta.url)),
  '@inseq/testing/browser': fileURLToPath(new URL('./packages/testing/src/browser-entry.ts', import.meta.url)),
  '@inseq/testing': pkg('testing'),
  '@inseq/hub': pkg('hub'),
  '@inseq/datasets': pkg('datasets'),
  '@inseq/demo-model': pkg('demo-model'),
  '@inseq/queue': pkg('queue'),
  inseq: pkg('inseq'),
};

export interface InseqVitestOptions {
  /**
   * Test files that need a fresh module graph (they check what a first import does: tfjs backend
   * selection, a registry's initial state). Every other file shares its worker's modules: importing
   * tfjs, ONNX Runtime and the workspace sources once per worker instead of once per file is most
   * of what made the suite slow.
   */
  readonly isolated?: readonly string[];
  /** Merged into `test` (e.g. `include`, a longer `hookTimeout`). */
  readonly test?: NonNullable<ViteUserConfig['test']>;
}

/** The one vitest configuration every package uses. */
export function inseqVitestConfig(options: InseqVitestOptions = {}): ViteUserConfig {
  const isolated = [...(options.isolated ?? [])];
  const base = {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The JSON report lets .ci/run print one 'N passed, N failed' line for the whole monorepo.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest/report.json' },
    setupFiles: [fileURLToPath(new URL('./vitest.setup.ts', import.meta.url))],
    ...options.test,
  } satisfies NonNullable<ViteUserConfig['test']>;
  // Projects `extends: true` merge arrays with the root's, so the root keeps no `include` of its own.
  const { include = ['src/**/*.test.ts'], ...shared } = base;
  return defineConfig({
    resolve: { alias: workspaceAliases },
    test:
      isolated.length === 0
        ? { ...shared, include, isolate: false }
        : {
            ...shared,
            projects: [
              { extends: true, test: { name: 'shared', include, exclude: isolated, isolate: false } },
              { extends: true, test: { name: 'isolated', include: isolated, isolate: true } },
            ],
          },
  });
}

/** The part of esbuild's `build` that {@link bundleForBrowser} uses (each package passes its own esbuild). */
type EsbuildBuild = (options: {
  entryPoints: string[];
  bundle: true;
  write: false;
  format: 'esm';
  platform: 'browser';
  target: string;
  metafile: true;
  logLevel: 'silent';
  plugins: { name: string; setup(builder: { onResolve(options: { filter: RegExp }, callback: (args: { path: string }) => { path: string }): void }): void }[];
}) => Promise<{ metafile: { inputs: Record<string, { imports: { path: string; external?: boolean }[] }> }; outputFiles: { text: string }[] }>;

/**
 * Bundles a package's source entry as a browser app's bundler would (esbuild, `platform: 'browser'`,
 * so the `browser` export condition and the `default` branch of `#…-platform` imports, nothing
 * external), with the workspace's sources for `@inseq/*` (or the built browser entries of `built`). Returns the modules in the bundle and the
 * Node built-ins anything imported: esbuild fails the build on a built-in it cannot resolve.
 */
export async function bundleForBrowser(
  build: EsbuildBuild,
  entry: string,
  options: {
    /** Workspace packages taken from their built browser entry (`dist/index.browser.js`) instead of their sources. */
    readonly built?: readonly string[];
  } = {},
): Promise<{ inputs: string[]; nodeImports: string[]; bytes: number }> {
  const builtEntry = (name: string) => fileURLToPath(new URL(`./packages/${name.replace('@inseq/', '')}/dist/index.browser.js`, import.meta.url));
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    metafile: true,
    logLevel: 'silent',
    plugins: [
      {
        name: 'workspace-sources',
        setup(builder) {
          builder.onResolve({ filter: /^(@inseq\/[a-z-]+|inseq)$/ }, (args) => ({
            path: options.built?.includes(args.path) ? builtEntry(args.path) : workspaceAliases[args.path as keyof typeof workspaceAliases],
          }));
        },
      },
    ],
  });
  const inputs = Object.keys(result.metafile.inputs);
  const nodeImports = Object.values(result.metafile.inputs).flatMap((input) =>
    input.imports.filter((i) => i.path.startsWith('node:') || /^(fs|path|zlib|module|url|os|crypto|child_process)(\/|$)/.test(i.path)).map((i) => i.path),
  );
  return { inputs, nodeImports, bytes: result.outputFiles[0].text.length };
}
