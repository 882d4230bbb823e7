import { ModelLoadError } from '@inseq/core';
import type { OrtRuntime, OrtRuntimeName } from './ort-runtime';

/** Loads one ONNX Runtime flavour: a lazy `import()` of its package, so a missing one fails only when asked for. */
export type OrtRuntimeImporter = () => Promise<OrtRuntime>;

/** The npm package behind each runtime, and the command that installs it. */
export const ortRuntimePackages = Object.freeze({
  node: 'onnxruntime-node',
  web: 'onnxruntime-web',
} as const satisfies Record<OrtRuntimeName, string>);

/** True when `error` says that `packageName` itself is not installed (not one of its own imports failing). */
export function isMissingPackage(error: unknown, packageName: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  // Node: "Cannot find package 'onnxruntime-node' imported from …" / "Cannot find module 'onnxruntime-node'".
  return typeof message === 'string' && (message.includes(`'${packageName}'`) || message.includes(`"${packageName}"`));
}

/**
 * Loads the first installed runtime of `preference` (the platform's order, e.g. onnxruntime-node
 * then onnxruntime-web in Node), or the one `requested` names. A runtime whose package is not
 * installed is skipped; one that is installed but fails to load is reported, not skipped.
 *
 * @throws {@link ModelLoadError} naming the install command(s) when none of them is installed,
 * or when an installed one fails to load.
 */
export async function pickOrtRuntime(
  importers: Readonly<Partial<Record<OrtRuntimeName, OrtRuntimeImporter>>>,
  preference: readonly OrtRuntimeName[],
  requested?: OrtRuntimeName,
): Promise<OrtRuntime> {
  const candidates = requested === undefined ? preference : [requested];
  const missing: OrtRuntimeName[] = [];
  for (const name of candidates) {
    const load = importers[name];
    if (load === undefined) continue;
    try {
      return await load();
    } catch (cause) {
      if (isMissingPackage(cause, ortRuntimePackages[name])) {
        missing.push(name);
        continue;
      }
      throw new ModelLoadError(
        `${ortRuntimePackages[name]} is installed but did not load: ${(cause as Error)?.message ?? String(cause)}. ` +
          `Reinstall it (npm i ${ortRuntimePackages[name]})${requested === undefined ? '' : ', or choose another ORT runtime'}.`,
        { cause },
      );
    }
  }
  if (requested !== undefined) {
    throw new ModelLoadError(
      `The '${requested}' ORT runtime needs ${ortRuntimePackages[requested]}, which is not installed: npm i ${ortRuntimePackages[requested]}.`,
    );
  }
  throw new ModelLoadError(
    `@inseq/backend-ort needs an ONNX Runtime, and none is installed. Install ${missing
      .map((name) => `${ortRuntimePackages[name]} (${runtimeNotes[name]}): npm i ${ortRuntimePackages[name]}`)
      .join('; or ')}.`,
  );
}

const runtimeNotes: Record<OrtRuntimeName, string> = {
  node: 'native, fastest',
  web: 'WebAssembly, no install script',
};
