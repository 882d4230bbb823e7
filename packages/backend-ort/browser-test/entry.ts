// The page side of src/browser.test.ts, bundled by esbuild for the browser (the `browser` condition,
// so `#ort-platform` is ort-platform-browser.ts and onnxruntime-node is never seen). It exposes
// `window.inseqOrt`; the test calls it through Playwright and compares with onnxruntime-node in Node.
import { type ModelBackend, intTensorFromRows, memoryModelFiles, probability } from '@inseq/core';
import { env } from 'onnxruntime-web';
import { loadOrtBackend } from '../src/load-ort-backend';

// The runtime's wasm comes from the test server, never from a CDN; one thread, as the page is not
// cross-origin isolated (no SharedArrayBuffer).
env.wasm.wasmPaths = new URL('/ort/', location.href).href;
env.wasm.numThreads = 1;

/** A model folder on the test server: its URL and the files to fetch from it. */
export interface PageModel {
  readonly folder: string;
  readonly files: readonly string[];
  readonly device: 'wasm' | 'webgpu';
}

/** What the page offers the test. */
export interface InseqOrtPage {
  /** The logits at every position of a padded batch, `[batch, sequenceLength, vocab]`. */
  forward(
    model: PageModel,
    ids: number[][],
    mask: number[][],
  ): Promise<{ shape: number[]; logits: Float32Array; backend: string }>;
  /** d P(target) / d token embeddings of the last position of each row, through the export's gradient model. */
  gradients(model: PageModel, ids: number[][], mask: number[][], targets: number[]): Promise<{ gradients: Float32Array; values: Float32Array }>;
  /** Greedy decoding with the KV cache (a `withPast` export). */
  generate(model: PageModel, prompts: number[][], options: { maxNewTokens: number; stopIds: number[]; padId: number }): Promise<number[][]>;
  /** The WebGPU adapter's description, or why there is none. */
  webgpuAdapter(): Promise<{ adapter?: string; reason?: string }>;
}

declare global {
  interface Window {
    inseqOrt: InseqOrtPage;
  }
}

async function load(model: PageModel): Promise<ModelBackend> {
  const record: Record<string, Uint8Array> = {};
  for (const name of model.files) {
    const response = await fetch(`${model.folder}/${name}`);
    if (!response.ok) throw new Error(`GET ${model.folder}/${name}: ${response.status}`);
    record[name] = new Uint8Array(await response.arrayBuffer());
  }
  return loadOrtBackend(memoryModelFiles(record, model.folder), { device: model.device });
}

window.inseqOrt = {
  async forward(model, ids, mask) {
    const backend = await load(model);
    try {
      const { logits } = await backend.forward({
        inputIds: intTensorFromRows(ids),
        attentionMask: intTensorFromRows(mask),
        logitsAt: 'all',
      });
      return { shape: [...logits.shape], logits: logits.data, backend: backend.name };
    } finally {
      await backend.dispose();
    }
  },
  async gradients(model, ids, mask, targets) {
    const backend = await load(model);
    try {
      if (backend.gradients === undefined) throw new Error(`${model.folder} offers no gradients on the page.`);
      const inputIds = intTensorFromRows(ids);
      const out = await backend.gradients({
        inputIds,
        attentionMask: intTensorFromRows(mask),
        inputsEmbeds: await backend.embed(inputIds),
        targetIds: Int32Array.from(targets),
        target: probability.differentiable!,
      });
      return { gradients: out.gradients.data, values: out.targetValues };
    } finally {
      await backend.dispose();
    }
  },
  async generate(model, prompts, options) {
    const backend = await load(model);
    try {
      if (backend.generate === undefined) throw new Error(`${model.folder} has no KV-cache generate.`);
      return await backend.generate(prompts, options);
    } finally {
      await backend.dispose();
    }
  },
  async webgpuAdapter() {
    const gpu = (navigator as { gpu?: { requestAdapter(): Promise<{ info?: Record<string, string> } | null> } }).gpu;
    if (gpu === undefined) return { reason: `navigator.gpu is absent (isSecureContext: ${isSecureContext}).` };
    const adapter = await gpu.requestAdapter();
    if (adapter === null) return { reason: 'navigator.gpu.requestAdapter() returned null.' };
    const info = adapter.info ?? {};
    return { adapter: [info.vendor, info.architecture, info.description].filter(Boolean).join(' / ') || 'unnamed adapter' };
  },
};
