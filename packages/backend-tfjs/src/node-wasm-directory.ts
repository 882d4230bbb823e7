/** True in Node (and runtimes that mimic it), where the wasm binaries are read from disk. */
export function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/**
 * The `dist/` folder of the installed `@tensorflow/tfjs-backend-wasm`, with a trailing separator,
 * as `setWasmPaths` wants it. Node-only: the `node:` modules are imported lazily so that browser
 * bundles of this package never load them.
 */
export async function nodeWasmDirectory(): Promise<string> {
  const { createRequire } = await import('node:module');
  const path = await import('node:path');
  // Resolved from this file, so the copy of the wasm package next to this one is found.
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(packageJson), 'dist') + path.sep;
}
