/**
 * Browser counterpart of node-wasm-directory.ts, chosen by the `#tfjs-platform` import (package.json
 * `imports`): browsers fetch tfjs' wasm binaries from wherever the page serves them (see
 * `setWasmPaths` in the README), so there is no folder on disk to point at.
 */
export function isNode(): boolean {
  return false;
}

export async function nodeWasmDirectory(): Promise<string> {
  throw new Error('nodeWasmDirectory is Node-only: in a browser, call setWasmPaths with the URL that serves the tfjs wasm files.');
}
