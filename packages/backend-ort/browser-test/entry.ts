// The page side of src/browser.test.ts, bundled by esbuild for the browser (the `browser` condition,
// so `#ort-platform` is ort-platform-browser.ts and onnxruntime-node is never seen). It exposes
// `window.inseqOrt`; the test calls it through Playwright and compares with onnxruntime-node in Node.
import {
  type AttributionMethod,
  type ModelBackend,
  attribute,
  createRegistry,
  intTensorFromRows,
  loadTokenizer,
  memoryModelFiles,
  probability,
} from '@inseq/core';
import { registerBuiltinMethods } from '@inseq/methods';
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

/** One attribution run: core's `attribute` with the built-in methods, forced to `generatedTexts`. */
export interface PageAttribution {
  readonly method: string;
  readonly attributionArgs: Record<string, unknown>;
  readonly prompts: string[];
  readonly generatedTexts: string[];
}

/** Each sequence's `target_attributions` (`[sourceLength, targetLength, hidden]` before aggregation), NaN where not generated yet. */
export interface PageAttributionResult {
  readonly sequences: { readonly shape: number[]; readonly data: Float32Array }[];
  /** Milliseconds of this run's `attribute` alone (the model is loaded before the first). */
  readonly attributeMs: number;
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
  /**
   * Attribution methods run through core's loop, one after the other on one load of the model (the
   * folder's tokenizer.json encodes the texts).
   */
  attribute(model: PageModel, runs: PageAttribution[]): Promise<PageAttributionResult[]>;
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

const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));

async function fetchFiles(model: PageModel) {
  const record: Record<string, Uint8Array> = {};
  for (const name of model.files) {
    const response = await fetch(`${model.folder}/${name}`);
    if (!response.ok) throw new Error(`GET ${model.folder}/${name}: ${response.status}`);
    record[name] = new Uint8Array(await response.arrayBuffer());
  }
  return memoryModelFiles(record, model.folder);
}

async function load(model: PageModel): Promise<ModelBackend> {
  return loadOrtBackend(await fetchFiles(model), { device: model.device });
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
  async attribute(model, runs) {
    const files = await fetchFiles(model);
    const backend = await loadOrtBackend(files, { device: model.device });
    try {
      const tokenizer = await loadTokenizer(files);
      const results: PageAttributionResult[] = [];
      // One backend for every run: runs with the same attributed function share its gradient session.
      for (const run of runs) {
        const start = performance.now();
        const output = await attribute({ name: model.folder, backend, tokenizer }, run.prompts, {
          method: run.method,
          methods,
          attributionArgs: run.attributionArgs,
          generatedTexts: run.generatedTexts,
        });
        const attributeMs = performance.now() - start;
        const sequences = output.sequence_attributions.map((sequence) => {
          const scores = sequence.target_attributions;
          if (scores === null) throw new Error(`${run.method} gave no target_attributions on the page.`);
          return { shape: [...scores.shape], data: Float32Array.from(scores.data) };
        });
        results.push({ sequences, attributeMs });
      }
      return results;
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
