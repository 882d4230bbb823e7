import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { OrtPlatform } from './ort-runtime';

/**
 * Node: onnxruntime-node when installed, else onnxruntime-web (wasm in Node); either on request.
 * Both are optional peer dependencies, imported lazily, so a missing one only fails when picked.
 */
export const ortPlatform: OrtPlatform = Object.freeze({
  preferredRuntimes: Object.freeze(['node', 'web'] as const),
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
  async readFileRange(path: string, offset: number, length: number) {
    const handle = await open(path, 'r');
    try {
      // Never allocate past the end of the file: a hostile graph may claim terabytes of external data.
      const available = Math.max(0, (await handle.stat()).size - offset);
      const bytes = new Uint8Array(Math.min(length, available));
      length = bytes.length;
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(bytes, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === length ? bytes : bytes.subarray(0, done);
    } finally {
      await handle.close();
    }
  },
});
