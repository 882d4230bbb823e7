import type { OrtPlatform } from './ort-runtime';

/** Browsers and workers: onnxruntime-web only (wasm, or WebGPU where the browser has it). */
export const ortPlatform: OrtPlatform = Object.freeze({
  preferredRuntimes: Object.freeze(['web'] as const),
  runtimes: Object.freeze({
    web: async () => {
      const ort = await import('onnxruntime-web');
      return { name: 'web', InferenceSession: ort.InferenceSession, Tensor: ort.Tensor } as const;
    },
  }),
});
