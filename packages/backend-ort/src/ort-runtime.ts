import { InvalidInputError, ModelLoadError } from '@inseq/core';
import type { InferenceSession, Tensor } from 'onnxruntime-common';
// Resolved by package.json `imports` conditions: `node` gets ort-platform-node.ts, everything else
// (browsers, workers) ort-platform-browser.ts, so a browser bundle never sees onnxruntime-node.
import { ortPlatform } from '#ort-platform';
import { type OrtRuntimeImporter, pickOrtRuntime } from './ort-runtime-pick';

/** The ONNX Runtime flavours: `'node'` (onnxruntime-node, native) and `'web'` (onnxruntime-web, wasm/WebGPU). */
export type OrtRuntimeName = 'node' | 'web';

/** The constructors the ort backend takes from one ONNX Runtime flavour. */
export interface OrtRuntime {
  readonly name: OrtRuntimeName;
  readonly InferenceSession: typeof InferenceSession;
  readonly Tensor: typeof Tensor;
}

/**
 * What one platform build offers: the runtimes to try when none is asked for, first installed
 * wins (Node: onnxruntime-node, then onnxruntime-web), and a lazy loader per runtime it can run.
 */
export interface OrtPlatform {
  readonly preferredRuntimes: readonly OrtRuntimeName[];
  readonly runtimes: Readonly<Partial<Record<OrtRuntimeName, OrtRuntimeImporter>>>;
  /**
   * Bytes `[offset, offset + length)` of a local file, read without loading the rest (Node);
   * absent where there is no file system (browsers).
   */
  readonly readFileRange?: (path: string, offset: number, length: number) => Promise<Uint8Array>;
}

/** This build's {@link OrtPlatform.readFileRange}, if it has a file system. */
export const readLocalFileRange: OrtPlatform['readFileRange'] = ortPlatform.readFileRange;

/**
 * Device names of each runtime mapped to ONNX Runtime execution providers; the first device of a
 * runtime is its default. One table, so the error for an unknown device can list every valid one.
 */
export const ortDevices = Object.freeze({
  node: Object.freeze({ cpu: 'cpu' }),
  web: Object.freeze({ wasm: 'wasm', webgpu: 'webgpu' }),
} as const);

/** A device name of {@link ortDevices}. */
export type OrtDevice = { [R in OrtRuntimeName]: keyof (typeof ortDevices)[R] }[OrtRuntimeName];

/** The runtime, device and execution providers one load uses. */
export interface ResolvedOrtRuntime {
  readonly runtime: OrtRuntime;
  readonly device: string;
  readonly executionProviders: readonly string[];
}

/**
 * Picks the ONNX Runtime flavour (the platform's first installed one unless `runtime` forces one;
 * see {@link pickOrtRuntime}) and maps
 * `device` through {@link ortDevices}; the only place the backend learns which runtime it runs on.
 *
 * @throws {@link InvalidInputError} `'INVALID_ARGUMENT'` for a runtime this platform lacks or an
 * unknown device (the message lists the valid ones); {@link ModelLoadError} for `'webgpu'` where
 * `navigator.gpu` is absent, or when the runtime's package is not installed (naming the install command).
 */
export async function resolveOrtRuntime(options?: { runtime?: string; device?: string }): Promise<ResolvedOrtRuntime> {
  const requested = options?.runtime;
  if (requested !== undefined && !Object.hasOwn(ortPlatform.runtimes, requested)) {
    throw new InvalidInputError(
      `Unknown ORT runtime ${JSON.stringify(requested)}; this platform offers: ${Object.keys(ortPlatform.runtimes).join(', ')}.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  const runtime = await pickOrtRuntime(ortPlatform.runtimes, ortPlatform.preferredRuntimes, requested as OrtRuntimeName | undefined);
  const name = runtime.name;
  const devices: Readonly<Record<string, string>> = ortDevices[name];
  const device = options?.device ?? Object.keys(devices)[0];
  if (!Object.hasOwn(devices, device)) {
    const all = (Object.keys(ortDevices) as OrtRuntimeName[]).map((runtime) => `${runtime}: ${Object.keys(ortDevices[runtime]).join(', ')}`);
    throw new InvalidInputError(
      `Unknown device ${JSON.stringify(device)} for the ${name} ORT runtime; valid devices: ${Object.keys(devices).join(', ')} (${all.join('; ')}).`, { code: 'INVALID_ARGUMENT' },
    );
  }
  if (devices[device] === 'webgpu' && (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu == null) {
    throw new ModelLoadError(
      `Device 'webgpu' needs WebGPU, but navigator.gpu is absent here (Node, or a browser without WebGPU). ` +
        `Use device 'wasm', or a browser with WebGPU enabled.`,
    );
  }
  return { runtime, device, executionProviders: [devices[device]] };
}
