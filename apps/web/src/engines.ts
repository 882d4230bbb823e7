import type { EngineId } from './worker-protocol';

/** A backend and device the page lists, and why it is disabled when it is. */
export interface Engine {
  readonly id: EngineId;
  readonly label: string;
  /** Why it cannot run in this browser; undefined when it can. */
  readonly unavailable?: string;
}

interface GpuLike {
  requestAdapter(): Promise<unknown | null>;
}

/** Why WebGPU cannot run here, or undefined when the browser gives an adapter. */
export async function webgpuUnavailable(): Promise<string | undefined> {
  const gpu = (navigator as { gpu?: GpuLike }).gpu;
  if (gpu === undefined) return isSecureContext ? 'this browser has no WebGPU (navigator.gpu)' : 'WebGPU needs a secure context (https or localhost)';
  try {
    return (await gpu.requestAdapter()) === null ? 'navigator.gpu.requestAdapter() gave no adapter' : undefined;
  } catch (error) {
    return `requestAdapter() failed: ${(error as Error).message}`;
  }
}

function webglUnavailable(): string | undefined {
  const canvas = document.createElement('canvas');
  return canvas.getContext('webgl2') ?? canvas.getContext('webgl') ? undefined : 'this browser gives no WebGL context';
}

const wasmUnavailable = () => (typeof WebAssembly === 'object' ? undefined : 'this browser has no WebAssembly');

/** Every backend and device the app knows, probed in this browser; the first available one is the default. */
export async function probeEngines(): Promise<Engine[]> {
  const gpu = await webgpuUnavailable();
  const wasm = wasmUnavailable();
  const webgl = webglUnavailable();
  return [
    { id: 'tfjs:wasm', label: 'tfjs · WASM', unavailable: wasm },
    { id: 'tfjs:webgpu', label: 'tfjs · WebGPU', unavailable: gpu },
    { id: 'tfjs:webgl', label: 'tfjs · WebGL', unavailable: webgl },
    { id: 'tfjs:cpu', label: 'tfjs · CPU (plain JS)' },
    { id: 'ort:wasm', label: 'ONNX Runtime · WASM (ONNX models)', unavailable: wasm },
    { id: 'ort:webgpu', label: 'ONNX Runtime · WebGPU (ONNX models)', unavailable: gpu },
  ];
}
