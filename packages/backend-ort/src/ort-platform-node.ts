import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { OrtPlatform } from './ort-runtime';

/** Node: onnxruntime-node by default; onnxruntime-web (wasm) on request, e.g. to test the browser path. */
export const ortPlatform: OrtPlatform = Object.freeze({
  defaultRuntime: 'node',
  runtimes: Object.freeze({
    node: async () => {
      const ort = await import('onnxruntime-node');
      return { name: 'node', InferenceSession: ort.InferenceSession, Tensor: ort.Tensor } as const;
    },
    web: async () => {
      const ort = await import('onnxruntime-web');
      // The wasm files ship in the installed package; Node has no URL to fetch them from, and no worker threads by default.
      const dist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
      ort.env.wasm.wasmPaths = `${pathToFileURL(dist).href}/`;
      ort.env.wasm.numThreads = 1;
      return { name: 'web', InferenceSession: ort.InferenceSession, Tensor: ort.Tensor } as const;
    },
  }),
});
