import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AttributionMethod,
  type FeatureAttributionOutput,
  type ModelBackend,
  attribute,
  createRegistry,
  intTensorFromRows,
  loadTokenizer,
  memoryModelFiles,
  probability,
} from '@inseq/core';
import { registerBuiltinMethods } from '@inseq/methods';
import {
  type StaticFile,
  type StaticServer,
  browserTestSkipReason,
  createTinyGpt2,
  maxAbsDiff,
  recordPageRequests,
  referenceGpt2Forward,
  requestsOutside,
  startStaticServer,
  tinyGpt2OnnxFiles,
} from '@inseq/testing';
import { launchChromium } from '@inseq/testing/browser';
import { type Plugin, build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaceAliases } from '../../../vitest.shared';
import type { PageAttribution, PageAttributionResult, PageModel } from '../browser-test/entry';
import { loadOrtBackend } from './load-ort-backend';

// The same model, batch and tolerances as ort-runtime.test.ts (onnxruntime-web in Node), here in a real browser.
const { weights, config } = createTinyGpt2();
const vocab = config.vocab_size as number;
const pad = vocab - 1;
const ids = [
  [464, 262, 286, 318, 13, 100],
  [pad, pad, 5, 40, 41, 42],
];
const mask = ids.map((row) => row.map((id, i) => (id === pad && i < 2 ? 0 : 1)));
const prompts = [
  [464, 262, 286],
  [pad, 5, 40],
];
const generateOptions = { maxNewTokens: 6, stopIds: [pad], padId: pad };
/**
 * SwiftShader compiles each WebGPU pipeline on the CPU the first time a kernel runs: tens of seconds
 * for the forward graph and again for the gradient model (measured 10–60 s each, the longer when
 * other jobs shared the 2 cores).
 */
const webgpuTimeout = 240_000;
/**
 * The gradient methods run in the page: one forced step (" on" after a 5-token prompt) keeps the
 * WebGPU part short, as SwiftShader compiles a pipeline for every new kernel and shape; IG's
 * points go one per run, so they reuse saliency's pipelines.
 */
const methodRuns: PageAttribution[] = [
  { method: 'saliency', attributionArgs: {}, prompts: ['the cat sat'], generatedTexts: ['the cat sat on'] },
  { method: 'integrated_gradients', attributionArgs: { n_steps: 2, internal_batch_size: 1 }, prompts: ['the cat sat'], generatedTexts: ['the cat sat on'] },
];

type Browser = Awaited<ReturnType<typeof launchChromium>>;
type Page = Awaited<ReturnType<Browser['newPage']>>;

const skipReason = browserTestSkipReason();
if (skipReason !== undefined) console.warn(`Skipping the backend-ort browser test: ${skipReason}`);

/** The page: browser-test/entry.ts bundled as a browser would get it, with the workspace's sources for @inseq/*. */
async function bundleEntry(): Promise<string> {
  const workspaceSources: Plugin = {
    name: 'workspace-sources',
    setup(builder) {
      builder.onResolve({ filter: /^@inseq\/[a-z-]+$/ }, (args) => ({
        path: workspaceAliases[args.path as keyof typeof workspaceAliases],
      }));
    },
  };
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../browser-test/entry.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    plugins: [workspaceSources],
    // Core reaches node:fs only through lazy imports on Node-only paths (localModelFiles, saveOutput);
    // left as they are, as a browser app's bundler does, they never run in the page.
    external: ['node:*'],
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

/** onnxruntime-web's wasm runtimes, read when the page asks for one (each is several MB). */
function ortRuntimeFiles(): Record<string, StaticFile> {
  const dist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  const files = readdirSync(dist).filter((name) => /^ort-wasm.*\.(wasm|mjs)$/.test(name));
  return Object.fromEntries(files.map((name) => [`/ort/${name}`, () => readFileSync(join(dist, name))]));
}

function folder(path: string, files: Record<string, Uint8Array>): Record<string, StaticFile> {
  return Object.fromEntries(Object.entries(files).map(([name, bytes]) => [`${path}/${name}`, bytes]));
}

/**
 * The largest |page − Node| over the positions Node attributes, relative to Node's largest |value|;
 * positions Node leaves NaN (not generated yet) must be NaN on the page too.
 */
function relativeAttributionDiff(page: PageAttributionResult, node: FeatureAttributionOutput): number {
  expect(page.sequences).toHaveLength(node.sequence_attributions.length);
  let worst = 0;
  let scale = 0;
  page.sequences.forEach((sequence, i) => {
    const expected = node.sequence_attributions[i].target_attributions!;
    expect(sequence.shape).toEqual([...expected.shape]);
    expected.data.forEach((want, k) => {
      const got = sequence.data[k];
      if (Number.isNaN(want)) {
        expect(got).toBeNaN();
        return;
      }
      scale = Math.max(scale, Math.abs(want));
      worst = Math.max(worst, Math.abs(got - want));
    });
  });
  expect(scale).toBeGreaterThan(0);
  return worst / scale;
}

/** Opens the test page and records its requests into `recordings` (one list per page). */
async function openPage(browser: Browser, server: StaticServer, recordings: (readonly string[])[]): Promise<Page> {
  const page = await browser.newPage();
  recordings.push(recordPageRequests(page));
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(server.url('/index.html'));
  await page.waitForFunction(() => window.inseqOrt !== undefined, undefined, { timeout: 10_000 }).catch((cause) => {
    throw new Error(`The test page did not start: ${errors.join('; ') || cause}`);
  });
  return page;
}

describe.skipIf(skipReason !== undefined)('backend-ort in headless Chromium (onnxruntime-web)', () => {
  const plainFiles = tinyGpt2OnnxFiles();
  const pastFiles = tinyGpt2OnnxFiles({ withPast: true });
  const plain = (device: PageModel['device']): PageModel => ({ folder: '/models/tiny-gpt2-onnx', files: Object.keys(plainFiles), device });
  const past: PageModel = { folder: '/models/tiny-gpt2-onnx-past', files: Object.keys(pastFiles), device: 'wasm' };
  const recordings: (readonly string[])[] = [];
  let entry: string;
  let server: StaticServer;
  let browser: Browser | undefined;
  let page: Page | undefined;
  // Chromium starts in the first test, not in beforeAll, so that a missing browser under CI counts
  // as failed tests in the report rather than as skipped ones.
  const opened = (): Page => {
    if (page === undefined) throw new Error('The test page is not open; see the first test for why Chromium did not start.');
    return page;
  };
  let node: ModelBackend;
  let nodeLogits: Float32Array;
  /** {@link methodRuns} on onnxruntime-node: what the page's runs must give. */
  let nodeMethods: FeatureAttributionOutput[];
  let gpu: Promise<{ page: Page; adapter: string } | { reason: string }> | undefined;
  /**
   * The test page again for WebGPU (its Chromium starts with SwiftShader's adapter), or why there is
   * no adapter. The same page as the wasm tests: onnxruntime-web's bundle runs both execution
   * providers on one wasm runtime (the jsep build, 28 MB), which a second Chromium compiled and
   * started again (the WebGPU test took 30 s that way, 9 s on the same page).
   */
  const gpuPage = () => {
    gpu ??= (async () => {
      const page = opened();
      const { adapter, reason } = await page.evaluate(() => window.inseqOrt.webgpuAdapter());
      return adapter === undefined ? { reason: reason ?? 'no adapter' } : { page, adapter };
    })();
    return gpu;
  };

  beforeAll(async () => {
    let nodeBackend: ModelBackend;
    [entry, nodeBackend] = await Promise.all([
      bundleEntry(),
      loadOrtBackend(memoryModelFiles(plainFiles, 'tiny-gpt2-onnx'), { intraOpNumThreads: 1 }),
    ]);
    node = nodeBackend;
    const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
    const tokenizer = await loadTokenizer(memoryModelFiles(plainFiles, 'tiny-gpt2-onnx'));
    nodeMethods = [];
    for (const run of methodRuns) {
      const { method, attributionArgs, prompts, generatedTexts } = run;
      nodeMethods.push(await attribute({ name: 'tiny-gpt2-onnx', backend: node, tokenizer }, prompts, { method, methods, attributionArgs, generatedTexts }));
    }
    nodeLogits = (await node.forward({ inputIds: intTensorFromRows(ids), attentionMask: intTensorFromRows(mask), logitsAt: 'all' })).logits
      .data;
    server = await startStaticServer({
      '/index.html': '<!doctype html><meta charset="utf-8"><script type="module" src="/entry.js"></script>',
      '/entry.js': entry,
      ...ortRuntimeFiles(),
      ...folder('/models/tiny-gpt2-onnx', plainFiles),
      ...folder('/models/tiny-gpt2-onnx-past', pastFiles),
    });
  });

  afterAll(async () => {
    await page?.close();
    await browser?.close();
    await server?.close();
    await node?.dispose();
  });

  it('opens a browser bundle (ort-platform-browser, no onnxruntime-node) in headless Chromium', async () => {
    // esbuild names every bundled source file in a comment: the `browser` condition picked the platform file.
    expect(entry).toContain('src/ort-platform-browser.ts');
    expect(entry).not.toContain('ort-platform-node');
    expect(entry).not.toMatch(/from ["']onnxruntime-node["']|require\(["']onnxruntime-node["']\)/);
    browser = await launchChromium({ webgpu: true });
    page = await openPage(browser, server, recordings);
  });

  it('gives the logits of onnxruntime-node (1e-5) and of the float64 reference (1e-4) on wasm', async (context) => {
    const fromPage = await opened().evaluate(([model, ids, mask]) => window.inseqOrt.forward(model, ids, mask), [plain('wasm'), ids, mask] as const);
    expect(fromPage.backend).toBe('ort');
    expect(fromPage.shape).toEqual([2, 6, vocab]);
    const logits = fromPage.logits;
    const diffNode = maxAbsDiff(logits, nodeLogits);
    expect(diffNode).toBeLessThan(1e-5);
    const reference = referenceGpt2Forward(weights, config, ids, mask).logits;
    let diffReference = 0;
    for (let b = 0; b < 2; b++) {
      for (let s = 0; s < 6; s++) {
        if (mask[b][s] === 0) continue;
        const at = (b * 6 + s) * vocab;
        diffReference = Math.max(diffReference, maxAbsDiff(logits.subarray(at, at + vocab), reference.subarray(at, at + vocab)));
      }
    }
    expect(diffReference).toBeLessThan(1e-4);
    await context.annotate(`browser wasm vs onnxruntime-node: ${diffNode.toExponential(2)}; vs float64 reference: ${diffReference.toExponential(2)}`);
  });

  it('computes gradients of the ONNX graph on wasm equal to onnxruntime-node (1e-5 of the largest)', async (context) => {
    const targets = [7, 3];
    const fromPage = await opened().evaluate(([model, ids, mask, targets]) => window.inseqOrt.gradients(model, ids, mask, targets), [plain('wasm'), ids, mask, targets] as const);
    const inputIds = intTensorFromRows(ids);
    const expected = await node.gradients!({
      inputIds,
      attentionMask: intTensorFromRows(mask),
      inputsEmbeds: await node.embed(inputIds),
      targetIds: Int32Array.from(targets),
      target: probability.differentiable!,
    });
    const scale = Math.max(...Array.from(expected.gradients.data, Math.abs));
    const diff = maxAbsDiff(fromPage.gradients, expected.gradients.data);
    expect(scale).toBeGreaterThan(0);
    expect(diff / scale).toBeLessThan(1e-5);
    expect(maxAbsDiff(fromPage.values, expected.targetValues)).toBeLessThan(1e-6);
    await context.annotate(`browser wasm gradients vs onnxruntime-node: ${(diff / scale).toExponential(2)} of the largest`);
  });

  it('decodes with the KV cache to the ids onnxruntime-node gives', async () => {
    const cachedNode = await loadOrtBackend(memoryModelFiles(pastFiles, 'tiny-gpt2-onnx-past'), { intraOpNumThreads: 1 });
    try {
      const expected = await cachedNode.generate!(prompts, generateOptions);
      const fromPage = await opened().evaluate(([model, prompts, options]) => window.inseqOrt.generate(model, prompts, options), [
        past,
        prompts,
        generateOptions,
      ] as const);
      expect(fromPage).toEqual(expected);
      expect(fromPage[0].length).toBeGreaterThan(prompts[0].length);
    } finally {
      await cachedNode.dispose();
    }
  });

  it('runs saliency and integrated gradients on wasm as onnxruntime-node does (1e-5 of the largest)', async (context) => {
    const results = await opened().evaluate(([model, runs]) => window.inseqOrt.attribute(model, runs), [plain('wasm'), methodRuns] as const);
    const notes = results.map((result, i) => {
      const diff = relativeAttributionDiff(result, nodeMethods[i]);
      expect(diff).toBeLessThan(1e-5);
      return `${methodRuns[i].method} ${diff.toExponential(2)} (${result.attributeMs.toFixed(0)} ms)`;
    });
    const note = `browser wasm vs onnxruntime-node, of the largest: ${notes.join('; ')}`;
    console.log(note);
    await context.annotate(note);
  });

  it('runs saliency on WebGPU as onnxruntime-node does (1e-4 of the largest), where Chromium has an adapter', async (context) => {
    const webgpu = await gpuPage();
    if ('reason' in webgpu) {
      console.warn(`WebGPU gradients not checked in Chromium: ${webgpu.reason}`);
      context.skip(`no WebGPU adapter in headless Chromium: ${webgpu.reason}`);
      return;
    }
    // The gradient model's float math (MatMul, Einsum, reductions, softmax and layer-norm backward)
    // runs on the WebGPU EP; its shape arithmetic, Sum, and the Gather backward's ScatterElements run
    // on ONNX Runtime's CPU EP. SwiftShader measured ~1e-6 of the largest; 1e-4 leaves room for real
    // GPUs' reduction orders.
    // Saliency only: its graph is the one integrated gradients runs at a larger batch (checked on wasm
    // above), and each new shape costs SwiftShader a round of shader compilation.
    const gpuRuns = methodRuns.filter((run) => run.method === 'saliency');
    const results = await webgpu.page.evaluate(([model, runs]) => window.inseqOrt.attribute(model, runs), [plain('webgpu'), gpuRuns] as const);
    const notes = results.map((result, i) => {
      const diff = relativeAttributionDiff(result, nodeMethods[methodRuns.indexOf(gpuRuns[i])]);
      expect(diff).toBeLessThan(1e-4);
      return `${gpuRuns[i].method} ${diff.toExponential(2)} (${result.attributeMs.toFixed(0)} ms)`;
    });
    const note = `WebGPU adapter ${webgpu.adapter}; browser webgpu vs onnxruntime-node, of the largest: ${notes.join('; ')}`;
    console.log(note);
    await context.annotate(note);
  }, webgpuTimeout);

  it('fetched everything from the test server and nothing from elsewhere', async () => {
    const pageUrls = recordings.flat();
    expect(pageUrls).toContain(server.url('/entry.js'));
    expect(pageUrls.some((url) => url.startsWith(server.url('/ort/')) && url.endsWith('.wasm'))).toBe(true);
    expect(requestsOutside(pageUrls, server.origin)).toEqual([]);
  });
});
