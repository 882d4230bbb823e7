import {
  type AttributionMethod,
  type AttributionModel,
  type ModelBackend,
  attribute,
  createRegistry,
  intTensorFromRows,
  loadTokenizer,
  memoryModelFiles,
} from '@inseq/core';
import { registerBuiltinMethods } from '@inseq/methods';
import { maxAbsDiff, tinyGpt2OnnxFiles } from '@inseq/testing';
import type { InferenceSession } from 'onnxruntime-common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrtBackend } from './create-ort-backend';
import { loadOrtBackend } from '../load-ort-backend';
import { ortGraphLayout } from '../onnx/ort-graph-layout';
import { resolveOrtRuntime } from '../ort-runtime';
import { parseOrtConfig } from '../ort-architectures';
import { findEmbeddingTable } from '../onnx/find-embedding-table';
import { lazyEmbeddings } from '../ort-embeddings';
import { readOnnxGraph } from '../onnx/read-onnx-graph';

const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
const files = tinyGpt2OnnxFiles({ withPast: true });

/** Token shapes `[rows, fed]` of every `session.run` a backend made. */
type RunLog = number[][];

/** A backend on the KV-cache export whose session logs the shape of each run's input_ids. */
async function loadLogged(options: { reusePrefix: boolean; runBudgetBytes?: number }): Promise<{ backend: ModelBackend; runs: RunLog }> {
  const { runtime, executionProviders } = await resolveOrtRuntime();
  const session = await runtime.InferenceSession.create(files['onnx/model.onnx'], {
    executionProviders: [...executionProviders],
    intraOpNumThreads: 1,
  });
  const runs: RunLog = [];
  const logged = new Proxy(session, {
    get(target, key) {
      if (key === 'run') {
        return (feeds: InferenceSession.FeedsType) => {
          runs.push([...feeds.input_ids.dims]);
          return target.run(feeds);
        };
      }
      const value = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const config = parseOrtConfig(JSON.parse(new TextDecoder().decode(files['config.json'])));
  const layout = ortGraphLayout(session.inputNames, session.outputNames, config);
  return { backend: createOrtBackend(logged, config, {
      layout,
      runtime,
      embeddings: lazyEmbeddings(findEmbeddingTable(readOnnxGraph(files['onnx/model.onnx']), config.hiddenSize, 'onnx/model.onnx'), async () => undefined),
      ...options,
    }), runs };
}

const fedTokens = (runs: RunLog) => runs.reduce((sum, [rows, fed]) => sum + rows * fed, 0);

/** Occlusion-style variants of two left-padded rows: the originals, then each real column replaced by 7. */
function variantBatch() {
  // 24 columns: long enough that reuse beats the planner's fixed cost per run.
  const originals = [
    [1256, 1256, 1256, ...Array.from({ length: 21 }, (_, i) => 40 + i)],
    Array.from({ length: 24 }, (_, i) => 100 + i),
  ];
  const masks = [[0, 0, 0, ...new Array<number>(21).fill(1)], new Array<number>(24).fill(1)];
  const ids: number[][] = [];
  const mask: number[][] = [];
  originals.forEach((row, b) => {
    ids.push(row);
    mask.push(masks[b]);
    row.forEach((_, p) => {
      if (masks[b][p] === 0) return;
      ids.push(row.map((v, i) => (i === p ? 7 : v)));
      mask.push(masks[b]);
    });
  });
  // A duplicate row: served from its anchor's logits.
  ids.push(originals[1]);
  mask.push(masks[1]);
  return { inputIds: intTensorFromRows(ids), attentionMask: intTensorFromRows(mask) };
}

describe('ort forward with prefix reuse (KV-cache export)', () => {
  let reuse: { backend: ModelBackend; runs: RunLog };
  let plain: { backend: ModelBackend; runs: RunLog };
  beforeAll(async () => {
    [reuse, plain] = await Promise.all([loadLogged({ reusePrefix: true }), loadLogged({ reusePrefix: false })]);
  });
  afterAll(async () => {
    await reuse?.backend.dispose();
    await plain?.backend.dispose();
  });

  it('gives the logits of full recomputation, feeding fewer tokens', async () => {
    const input = variantBatch();
    reuse.runs.length = 0;
    plain.runs.length = 0;
    const [a, b] = [await reuse.backend.forward(input), await plain.backend.forward(input)];
    expect(a.logits.shape).toEqual(b.logits.shape);
    expect(maxAbsDiff(a.logits.data, b.logits.data)).toBeLessThan(1e-5);
    expect(plain.runs).toEqual([[input.inputIds.shape[0], 24]]);
    // Row 1's first real column and row 2's first column have no shared prefix: those run in full.
    expect(fedTokens(reuse.runs)).toBeLessThan(0.7 * fedTokens(plain.runs));
  });

  it('splits runs under the memory bound and still gives the same logits', async () => {
    const input = variantBatch();
    // 256 KiB of activations: a handful of tokens per run on the tiny model (vocab 1257).
    const small = await loadLogged({ reusePrefix: true, runBudgetBytes: 2 ** 18 });
    const tiny = await loadLogged({ reusePrefix: false, runBudgetBytes: 2 ** 18 });
    try {
      const [a, b, c] = [await small.backend.forward(input), await tiny.backend.forward(input), await plain.backend.forward(input)];
      expect(maxAbsDiff(a.logits.data, c.logits.data)).toBeLessThan(1e-5);
      expect(maxAbsDiff(b.logits.data, c.logits.data)).toBeLessThan(1e-5);
      expect(tiny.runs.length).toBeGreaterThan(1);
      for (const [rows, fed] of [...small.runs, ...tiny.runs]) expect(rows * fed).toBeLessThanOrEqual(Math.max(24, Math.floor(2 ** 18 / 4 / 1257)));
    } finally {
      await small.backend.dispose();
      await tiny.backend.dispose();
    }
  });

  it('loadOrtBackend takes reusePrefix and runBudgetBytes, and rejects a bad budget', async () => {
    const folder = memoryModelFiles(files, 'tiny-past');
    const input = variantBatch();
    const [on, off] = await Promise.all([
      loadOrtBackend(folder, { intraOpNumThreads: 1, runBudgetBytes: 2 ** 18 }),
      loadOrtBackend(folder, { intraOpNumThreads: 1, reusePrefix: false }),
    ]);
    try {
      expect(maxAbsDiff((await on.forward(input)).logits.data, (await off.forward(input)).logits.data)).toBeLessThan(1e-5);
    } finally {
      await on.dispose();
      await off.dispose();
    }
    await expect(loadOrtBackend(folder, { runBudgetBytes: -1 })).rejects.toThrow(/runBudgetBytes must be a positive number of bytes, got -1/);
  });

  it.each([
    ['occlusion', {}],
    ['lime', { n_samples: 12, seed: 3 }],
    ['reagent', { keep_top_n: 2, max_probe_steps: 2, num_probes: 2, seed: 5 }],
  ] as const)('%s gives the same attributions with and without reuse, with fewer fed tokens', async (method, attributionArgs) => {
    const tokenizer = await loadTokenizer(memoryModelFiles(files, 'tiny'));
    const model = (backend: ModelBackend): AttributionModel => ({ name: 'tiny', backend, tokenizer });
    const run = (backend: ModelBackend) =>
      attribute(model(backend), ['the cat sat on the', 'a dog'], {
        method,
        methods,
        generatedTexts: ['the cat sat on the mat and', 'a dog ran far'],
        attributionArgs,
      });
    reuse.runs.length = 0;
    plain.runs.length = 0;
    const [a, b] = [await run(reuse.backend), await run(plain.backend)];
    a.sequence_attributions.forEach((sequence, i) => {
      const other = b.sequence_attributions[i];
      const [x, y] = [sequence.target_attributions!.data, other.target_attributions!.data];
      // Positions not yet generated are NaN in both.
      expect(Array.from(x, Number.isNaN)).toEqual(Array.from(y, Number.isNaN));
      const finite = (data: Float32Array) => Array.from(data).filter(Number.isFinite);
      expect(finite(x).length).toBeGreaterThan(0);
      expect(maxAbsDiff(finite(x), finite(y))).toBeLessThan(1e-4);
    });
    expect(fedTokens(reuse.runs)).toBeLessThan(fedTokens(plain.runs));
  });
});
