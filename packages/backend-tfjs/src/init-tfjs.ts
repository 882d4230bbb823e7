import { BackendError, InvalidInputError } from '@inseq/core';
import * as tf from './tf';
import { setWasmPaths } from './tf';
// Resolved by package.json `imports`: Node gets node-wasm-directory.ts, browsers browser-wasm-directory.ts.
import { isNode, nodeWasmDirectory } from '#tfjs-platform';
import { type TfjsDevice, tfjsDevices } from './tfjs-device';

let current: { requested: string; name: Promise<string> } | undefined;
let wasmPathsSet = false;

/**
 * Makes a tfjs backend ready, once, and returns the name of the one in use. tfjs has a single
 * global backend, so call this at start-up (`loadTfjsBackend` calls it with its `device` option).
 *
 * - no device: the backend an earlier call readied, if any; else `'wasm'`, falling back to
 *   `'cpu'` when wasm cannot start. In Node the wasm binaries are read from the installed
 *   `@tensorflow/tfjs-backend-wasm` package; nothing is downloaded;
 * - `'wasm'` or `'cpu'`: that backend, or a {@link BackendError} saying why it did not start;
 * - `'webgpu'`: browser only; a {@link BackendError} where no tfjs WebGPU backend is registered or
 *   the browser has no WebGPU.
 *
 * @param device - The tfjs backend to use. @defaultValue the one already readied, else `'wasm'` with `'cpu'` as fallback
 * @returns `'wasm'`, `'cpu'` or `'webgpu'`.
 */
export async function initTfjs(device?: TfjsDevice): Promise<string> {
  if (device !== undefined && !tfjsDevices.includes(device)) {
    throw new InvalidInputError(
      `Unknown tfjs device '${String(device)}'. Use one of: ${tfjsDevices.join(', ')} (or leave it out for wasm with a cpu fallback).`, { code: 'INVALID_ARGUMENT' },
    );
  }
  const requested = device ?? 'default';
  // Without a device, whatever an earlier call readied is kept (initTfjs('cpu') then loading a
  // model without a device stays on cpu). Someone may have switched tfjs' global backend since;
  // then start again.
  if (current && (device === undefined || current.requested === requested)) {
    const name = await current.name.catch(() => undefined);
    if (name !== undefined && name === tf.getBackend()) return name;
  }
  const name = start(device);
  current = { requested, name };
  name.catch(() => {
    if (current?.name === name) current = undefined;
  });
  return name;
}

async function start(device: TfjsDevice | undefined): Promise<string> {
  switch (device) {
    case undefined:
      return (await tryWasm()) === true ? 'wasm' : use('cpu');
    case 'wasm': {
      const outcome = await tryWasm();
      if (outcome !== true) {
        throw new BackendError(
          `The tfjs wasm backend did not start${outcome instanceof Error ? `: ${outcome.message}` : ''}. ` +
            `Check that @tensorflow/tfjs-backend-wasm is installed next to @inseq/backend-tfjs, or use device 'cpu'.`, { cause: outcome },
        );
      }
      return 'wasm';
    }
    case 'cpu':
      return use('cpu');
    case 'webgpu':
      return startWebgpu();
    case 'webgl':
      return startWebgl();
  }
}

/** tfjs' WebGL backend (registered by `@tensorflow/tfjs` in browsers), or why it cannot start here. */
async function startWebgl(): Promise<string> {
  const hasCanvas = typeof OffscreenCanvas !== 'undefined' || (typeof document !== 'undefined' && typeof document.createElement === 'function');
  if (!hasCanvas || tf.findBackendFactory('webgl') === null) {
    throw new BackendError(
      `Device 'webgl' is not available here: this runtime has no ${hasCanvas ? 'tfjs WebGL backend' : 'canvas for a WebGL context (Node)'}. ` +
        `Use device 'wasm' or 'cpu' (or 'webgl' in a browser).`,
    );
  }
  try {
    if (await tf.setBackend('webgl')) {
      await tf.ready();
      return 'webgl';
    }
  } catch (cause) {
    throw new BackendError(`The tfjs WebGL backend did not start: ${(cause as Error).message}. Use device 'wasm' or 'cpu'.`, { cause: cause });
  }
  throw new BackendError(`The tfjs WebGL backend did not start (no WebGL context?); see the warning tfjs logged. Use device 'wasm' or 'cpu'.`);
}

/** `true`, or why wasm did not start (an error, or `false` when tfjs only logged a warning). */
async function tryWasm(): Promise<true | unknown> {
  try {
    // setWasmPaths throws once the wasm backend has initialised, so set the paths only before;
    // `registry` is read directly because tf.findBackend would initialise wasm with default paths.
    if (isNode() && !wasmPathsSet && !tf.engine().registry.wasm) {
      setWasmPaths(await nodeWasmDirectory());
      wasmPathsSet = true;
    }
    const started = await tf.setBackend('wasm');
    if (started) await tf.ready();
    return started;
  } catch (error) {
    return error;
  }
}

async function use(name: 'cpu'): Promise<string> {
  if (!(await tf.setBackend(name))) {
    throw new BackendError(`The tfjs '${name}' backend did not start; see the warning tfjs logged above.`);
  }
  await tf.ready();
  return name;
}

async function startWebgpu(): Promise<string> {
  const hasWebgpu = typeof navigator !== 'undefined' && 'gpu' in navigator && navigator.gpu !== undefined;
  if (!hasWebgpu || tf.findBackendFactory('webgpu') === null) {
    throw new BackendError(
      hasWebgpu
        ? `Device 'webgpu' needs the tfjs WebGPU backend: import '@tensorflow/tfjs-backend-webgpu' before loading the model, or use 'wasm' or 'cpu'.`
        : `Device 'webgpu' is not available here: this runtime has no WebGPU (navigator.gpu). Use a browser with WebGPU, or device 'wasm' or 'cpu'.`,
    );
  }
  try {
    if (await tf.setBackend('webgpu')) {
      await tf.ready();
      return 'webgpu';
    }
  } catch (cause) {
    throw new BackendError(`The tfjs WebGPU backend did not start: ${(cause as Error).message}. Use device 'wasm' or 'cpu'.`, { cause: cause });
  }
  throw new BackendError(`The tfjs WebGPU backend did not start (no adapter?); see the warning tfjs logged. Use device 'wasm' or 'cpu'.`);
}
