import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip, gzipSync } from 'node:zlib';
import { ortBackendLoader } from '@inseq/backend-ort';
import { tfjsBackendLoader } from '@inseq/backend-tfjs';
import {
  type HubStandIn,
  type StaticFile,
  type StaticServer,
  browserTestSkipReason,
  recordPageRequests,
  requestsOutside,
  startHubStandIn,
  startStaticServer,
  tinyGpt2OnnxFiles,
} from '@inseq/testing';
import { launchChromium } from '@inseq/testing/browser';
import {
  type AttributionModel,
  type FeatureAttributionOutput,
  type BackendLoader,
  attribute,
  buildHeatmapView,
  createRegistry,
  defaultAggregationFunction,
  loadModel,
  memoryModelFiles,
  detectOutputFormat,
  outputFromBytes,
  outputToBytes,
  outputToInseqJson,
} from 'inseq';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InseqWebState } from './main';

// The end-to-end check: the built app, served as static files, attributes in headless
// Chromium and shows the numbers the CLI computes in Node for the same input, method and aggregation.
const appDir = fileURLToPath(new URL('..', import.meta.url));
const modelDir = fileURLToPath(new URL('../../../models/tiny-gpt2', import.meta.url));
const input = 'The capital of France is';
const generated = 'The capital of France is Paris';
const method = 'integrated_gradients';
const methodOptions = { n_steps: 8 };
/**
 * A prepared-examples file for tiny-gpt2, served beside its files as `examples.json` (the demo
 * model ships its own): random weights, so these check the pipeline, not what the model knows.
 */
const preparedExamples = [
  {
    label: 'A fact (pipeline check, random weights)',
    phenomenon: 'fact',
    prompt: input,
    method: 'integrated_gradients',
    attributionArgs: methodOptions,
  },
  { label: 'Bias: the nurse (pipeline check, random weights)', phenomenon: 'bias', prompt: 'The nurse said that', generatedText: ' she', method: 'saliency' },
];

type Browser = Awaited<ReturnType<typeof launchChromium>>;
type Page = Awaited<ReturnType<Browser['newPage']>>;

const skipReason = browserTestSkipReason();
if (skipReason !== undefined) console.warn(`Skipping the web app browser test: ${skipReason}`);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]));
}

/** The CLI's heatmap numbers: `buildHeatmapView` with the method's default aggregation, as `inseq attribute` prints them. */
function heatmapValues(output: FeatureAttributionOutput): number[][] {
  const aggregateFn = defaultAggregationFunction(String(output.info.attribution_method));
  return buildHeatmapView(output.sequence_attributions[0], { aggregateFn }).values.map((row) => [...row]);
}

/** The numbers in the page's heatmap table, read from the cells' `data-value`. */
async function pageValues(page: Page): Promise<number[][]> {
  const rows = await page.$$eval('#results [data-sequence="0"] table.heatmap > tbody:not(.step-scores) > tr', (trs) =>
    trs.map((tr) => Array.from(tr.querySelectorAll('td[data-value]'), (td) => (td as HTMLElement).dataset.value ?? '')),
  );
  return rows.map((row) => row.map(Number));
}

function maxDiff(a: number[][], b: number[][]): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  a.forEach((row, r) => {
    expect(row.length).toBe(b[r].length);
    row.forEach((value, c) => {
      expect(Number.isNaN(value)).toBe(Number.isNaN(b[r][c]));
      if (!Number.isNaN(value)) max = Math.max(max, Math.abs(value - b[r][c]));
    });
  });
  return max;
}

async function openApp(browser: Browser, server: StaticServer, recordings: (readonly string[])[]): Promise<Page> {
  const page = await browser.newPage();
  recordings.push(recordPageRequests(page.context()));
  await page.goto(server.url('/index.html'));
  await page.waitForFunction(() => window.inseqWeb?.status === 'idle', undefined, { timeout: 20_000 });
  // The page opens on the demo model once the repository ships it; these checks are tiny-gpt2's.
  if ((await page.inputValue('#shipped-model')) !== 'tiny-gpt2') {
    await page.selectOption('#shipped-model', 'tiny-gpt2');
    await page.waitForFunction(() => window.inseqWeb.shippedModel === 'tiny-gpt2');
  }
  return page;
}

interface PageRun {
  readonly engine: string;
  readonly method?: string;
  readonly methodOptions?: Record<string, unknown>;
}

/** Fills the form, starts the attribution and returns without waiting. */
async function startInPage(page: Page, run: PageRun): Promise<void> {
  await page.selectOption('#engine', run.engine);
  await page.fill('#generated-text', generated);
  await page.selectOption('#method', run.method ?? method);
  await page.fill('#method-options', JSON.stringify(run.methodOptions ?? methodOptions));
  await page.evaluate(() => {
    window.inseqWeb.status = 'running';
  });
  await page.click('#attribute');
}

/** Runs the form and waits for the result (or the page's error). */
async function attributeInPage(page: Page, run: PageRun): Promise<InseqWebState> {
  await startInPage(page, run);
  await page.waitForFunction(() => window.inseqWeb.status === 'done' || window.inseqWeb.status === 'error', undefined, { timeout: 90_000 });
  const state = await page.evaluate(() => window.inseqWeb);
  if (state.status === 'error') throw new Error(`The page failed: ${state.error}`);
  return state;
}

/** Integrated gradients (n_steps 8) on the tiny ONNX export, loaded from its URL (the URL-of-a-folder loader). */
async function attributeOnnxByUrl(page: Page, engine: string): Promise<InseqWebState> {
  await page.check('input[name="model-source"][value="url"]');
  await page.fill('#model-url', page.url().replace(/index\.html$/, 'models/tiny-gpt2-onnx/'));
  return attributeInPage(page, { engine });
}

/** The largest |a - b| relative to the largest |b|. */
function relativeDiff(a: number[][], b: number[][]): number {
  const scale = Math.max(...b.flat().filter(Number.isFinite).map(Math.abs));
  expect(scale).toBeGreaterThan(0);
  return maxDiff(a, b) / scale;
}

describe.skipIf(skipReason !== undefined)('apps/web in headless Chromium', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'inseq-web-'));
  const recordings: (readonly string[])[] = [];
  let server: StaticServer;
  let hub: HubStandIn;
  let browser: Browser | undefined;
  let model: AttributionModel;
  let nodeOutput: FeatureAttributionOutput;
  let nodeValues: number[][];
  /**
   * Saliency (one backward pass) in Node: what WebGPU (SwiftShader, a software GPU) must show. It
   * gets the smallest gradient work there is, so the test stays short on 2 busy cores; integrated
   * gradients in the page is checked on WASM.
   */
  let nodeSaliencyValues: number[][];
  /**
   * Attention weights (one forward pass) in Node: what WebGL must show. Saliency there cost 12 s of
   * SwiftShader shader compilation for the backward kernels alone (4 s for the forward); gradients on
   * a software GPU are checked on WebGPU, the engine the app prefers.
   */
  let nodeAttentionValues: number[][];
  let nodeMs: number;
  /** Integrated gradients (n_steps 8) on the tiny ONNX export in onnxruntime-node, through its gradient model. */
  let ortGradientValues: number[][];

  beforeAll(async () => {
    const built = build({ root: appDir, configFile: join(appDir, 'vite.config.ts'), logLevel: 'error', build: { outDir, emptyOutDir: true } });
    model = await loadModel(modelDir, { backend: 'tfjs', backends: createRegistry<BackendLoader>('backend').register(tfjsBackendLoader), device: 'wasm' });
    await built;
    const files: Record<string, StaticFile> = {};
    for (const file of walk(outDir)) files[`/${relative(outDir, file).split(sep).join('/')}`] = () => readFileSync(file);
    const onnxFiles = tinyGpt2OnnxFiles();
    for (const [name, bytes] of Object.entries(onnxFiles)) files[`/models/tiny-gpt2-onnx/${name}`] = bytes;
    files['/models/tiny-gpt2/examples.json'] = JSON.stringify(preparedExamples);
    const ortModel = await loadModel(memoryModelFiles(onnxFiles, 'tiny-gpt2-onnx'), {
      backend: 'ort',
      backends: createRegistry<BackendLoader>('backend').register(ortBackendLoader),
    });
    try {
      ortGradientValues = heatmapValues(await attribute(ortModel, input, { method, generatedTexts: generated, attributionArgs: methodOptions }));
    } finally {
      await ortModel.backend.dispose();
    }
    server = await startStaticServer(files);
    // The shipped model's own files, as a Hub repository on another origin (CORS), plus a gated copy.
    const shipped = Object.fromEntries(walk(modelDir).map((file) => [relative(modelDir, file).split(sep).join('/'), readFileSync(file)]));
    hub = await startHubStandIn({
      repos: [
        { id: 'org/tiny-gpt2', revisions: { main: shipped } },
        { id: 'org/gated-gpt2', gated: true, revisions: { main: shipped } },
      ],
    });
    // One warm-up, so that Node's time is not its first-call compilation (the page's is, as a user sees it).
    await attribute(model, input, { method, generatedTexts: generated, attributionArgs: methodOptions });
    const start = performance.now();
    nodeOutput = await attribute(model, input, { method, generatedTexts: generated, attributionArgs: methodOptions });
    nodeMs = performance.now() - start;
    nodeValues = heatmapValues(nodeOutput);
    nodeSaliencyValues = heatmapValues(await attribute(model, input, { method: 'saliency', generatedTexts: generated }));
    nodeAttentionValues = heatmapValues(await attribute(model, input, { method: 'attention', generatedTexts: generated }));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await hub?.close();
    await model?.backend.dispose();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('attributes with integrated gradients on tfjs WASM in a worker, shows the CLI numbers (1e-4) and downloads them', async (context) => {
    browser = await launchChromium();
    const page = await openApp(browser, server, recordings);
    const state = await attributeInPage(page, { engine: 'tfjs:wasm' });
    expect(state.ranOn).toBe('tfjs:wasm');
    const values = await pageValues(page);
    expect(values.length).toBeGreaterThan(0);
    const diff = maxDiff(values, nodeValues);
    expect(diff).toBeLessThan(1e-4);
    const note =
      `integrated_gradients (n_steps 8) on tiny-gpt2, "${generated}": page (Chromium, tfjs wasm, in a worker, first run) ` +
      `${state.timings?.attributeMs.toFixed(0)} ms vs Node (tfjs wasm, after one warm-up) ${nodeMs.toFixed(0)} ms; max |diff| ${diff.toExponential(2)}`;
    console.log(note);
    await context.annotate(note);
    // A second run in the page, warm as Node's is.
    const second = await attributeInPage(page, { engine: 'tfjs:wasm' });
    // The downloads hold the page's result: inseq-ts and Python Inseq JSON read back to the same heatmap.
    for (const [button, format] of [
      ['#download-json', 'inseq-ts'],
      ['#download-inseq', 'inseq'],
    ] as const) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
      const bytes = readFileSync(await download.path());
      const saved = await outputFromBytes(new Uint8Array(bytes), { name: download.suggestedFilename() });
      expect(detectOutputFormat(JSON.parse(bytes.toString('utf8')), download.suggestedFilename())).toBe(format);
      expect(maxDiff(heatmapValues(saved), nodeValues)).toBeLessThan(1e-4);
    }
    const [html] = await Promise.all([page.waitForEvent('download'), page.click('#download-html')]);
    expect(readFileSync(await html.path(), 'utf8')).toMatch(/^<!doctype html>[\s\S]*<table class="heatmap">/i);
    // Numbered as the CLI's table is; the icon is inline, so no /favicon.ico request (a 404 before).
    expect(await page.locator('text=Sequence 1 of 1').count()).toBe(1);
    expect((recordings.at(-1) ?? []).filter((url) => new URL(url).pathname === '/favicon.ico')).toEqual([]);
    const warm = `page second run: ${second.timings?.attributeMs.toFixed(0)} ms (Node: ${nodeMs.toFixed(0)} ms)`;
    console.log(warm);
    await context.annotate(warm);
    await page.close();
  });

  it('opens saved JSON files (inseq-ts and Python Inseq) and shows the same heatmap', async () => {
    browser ??= await launchChromium();
    const page = await openApp(browser, server, recordings);
    const files = {
      'saved.json': await outputToBytes(nodeOutput),
      'saved.inseq.json': outputToInseqJson(nodeOutput),
      // Gzipped: inflated in the page from the dropped File's stream.
      'saved.inseq.json.gz': await outputToBytes(nodeOutput, { format: 'inseq', compress: true }),
    };
    for (const [name, content] of Object.entries(files)) {
      const path = join(outDir, `..`, `${name}-${process.pid}`);
      writeFileSync(path, content);
      try {
        await page.evaluate(() => {
          window.inseqWeb.status = 'idle';
        });
        await page.setInputFiles('#open-json', path);
        await page.waitForFunction(() => window.inseqWeb.status === 'done' || window.inseqWeb.status === 'error');
        const state = await page.evaluate(() => window.inseqWeb);
        expect(state.error).toBeUndefined();
        expect(maxDiff(await pageValues(page), nodeValues)).toBeLessThan(1e-6);
      } finally {
        rmSync(path, { force: true });
      }
    }
    await page.close();
  });

  it('refuses a dropped gzip bomb (0.6 MB inflating to 600 MiB, past the 512 MiB limit) and gzip inside gzip with a message, and stays responsive', async () => {
    browser ??= await launchChromium();
    const page = await openApp(browser, server, recordings);
    const bomb = join(outDir, '..', `bomb-${process.pid}.json.gz`);
    const nested = join(outDir, '..', `nested-${process.pid}.json.gz`);
    // Streamed, so the test never holds the inflated bytes either.
    async function* zeros() {
      yield Buffer.from('{"format":"inseq-ts.feature_attribution_output","format_version":1,"sequence_attributions":[],"info":{"pad":"');
      const chunk = Buffer.alloc(1 << 20, 'a');
      for (let i = 0; i < 600; i++) yield chunk;
      yield Buffer.from('"}}');
    }
    await pipeline(zeros, createGzip({ level: 9 }), createWriteStream(bomb));
    writeFileSync(nested, gzipSync(readFileSync(bomb), { level: 9 }));
    try {
      for (const [path, message] of [
        [bomb, /inflates past the limit of 512 MiB \(536870912 bytes\)/],
        [nested, /is gzip inside gzip/],
      ] as const) {
        await page.evaluate(() => {
          window.inseqWeb.status = 'idle';
          window.inseqWeb.error = undefined;
        });
        await page.setInputFiles('#open-json', path);
        await page.waitForFunction(() => window.inseqWeb.status === 'error', undefined, { timeout: 90_000 });
        expect((await page.evaluate(() => window.inseqWeb)).error).toMatch(message);
        // The tab is alive: the page still answers.
        expect(await page.evaluate(() => 1 + 1)).toBe(2);
      }
    } finally {
      rmSync(bomb, { force: true });
      rmSync(nested, { force: true });
    }
    await page.close();
  });

  it('attributes on tfjs WebGPU where Chromium gives an adapter (1e-3)', async (context) => {
    const gpuBrowser = await launchChromium({ webgpu: true });
    try {
      const page = await openApp(gpuBrowser, server, recordings);
      const engines = await page.evaluate(() => window.inseqWeb.engines);
      const webgpu = engines.find((engine) => engine.id === 'tfjs:webgpu');
      if (webgpu?.unavailable !== undefined) {
        console.warn(`WebGPU not checked in Chromium: ${webgpu.unavailable}`);
        context.skip(`no WebGPU in headless Chromium: ${webgpu.unavailable}`);
        return;
      }
      const state = await attributeInPage(page, { engine: 'tfjs:webgpu', method: 'saliency', methodOptions: {} });
      expect(state.ranOn).toBe('tfjs:webgpu');
      const diff = maxDiff(await pageValues(page), nodeSaliencyValues);
      expect(diff).toBeLessThan(1e-3);
      // ONNX Runtime's WebGPU execution provider is checked in backend-ort's browser test (logits
      // and saliency against onnxruntime-node); one software-GPU run per runtime keeps this short.
      const note = `WebGPU: tfjs saliency ${state.timings?.attributeMs.toFixed(0)} ms, max |diff| vs Node tfjs wasm ${diff.toExponential(2)}`;
      console.log(note);
      await context.annotate(note);
      await page.close();
    } finally {
      await gpuBrowser.close();
    }
  });

  it('attributes (attention weights) on tfjs WebGL where Chromium gives a WebGL context (1e-3)', async (context) => {
    const page = await openApp(browser!, server, recordings);
    try {
      const engines = await page.evaluate(() => window.inseqWeb.engines);
      const webgl = engines.find((engine) => engine.id === 'tfjs:webgl');
      if (webgl?.unavailable !== undefined) {
        console.warn(`WebGL not checked in Chromium: ${webgl.unavailable}`);
        context.skip(`no WebGL in headless Chromium: ${webgl.unavailable}`);
      }
      const state = await attributeInPage(page, { engine: 'tfjs:webgl', method: 'attention', methodOptions: {} });
      expect(state.ranOn).toBe('tfjs:webgl');
      expect(maxDiff(await pageValues(page), nodeAttentionValues)).toBeLessThan(1e-3);
    } finally {
      await page.close();
    }
  });

  it('keeps the page responsive while attributing, and cancels', async () => {
    const page = await openApp(browser!, server, recordings);
    await startInPage(page, { engine: 'tfjs:wasm', methodOptions: { n_steps: 4000, internal_batch_size: 50 } });
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.includes('Attributing'), undefined, { timeout: 20_000 });
    const start = performance.now();
    await page.evaluate(() => document.title);
    expect(performance.now() - start).toBeLessThan(1000);
    await page.click('#cancel');
    expect(await page.evaluate(() => [window.inseqWeb.status, document.getElementById('status')?.textContent])).toEqual(['idle', 'Cancelled.']);
    expect(await page.isDisabled('#attribute')).toBe(false);
    await page.close();
  });

  it('loads a model folder picked with the directory input', async () => {
    const page = await openApp(browser!, server, recordings);
    await page.setInputFiles('#folder-input', modelDir);
    expect(await page.isChecked('input[name="model-source"][value="folder"]')).toBe(true);
    await attributeInPage(page, { engine: 'tfjs:wasm' });
    expect(maxDiff(await pageValues(page), nodeValues)).toBeLessThan(1e-4);
    await page.close();
  });

  it('loads an ONNX folder from a URL and attributes with integrated gradients on ONNX Runtime WASM (the gradient model) as onnxruntime-node does (1e-5 of the largest)', async (context) => {
    browser ??= await launchChromium();
    const page = await openApp(browser, server, recordings);
    try {
      const state = await attributeOnnxByUrl(page, 'ort:wasm');
      expect(state.ranOn).toBe('ort:wasm');
      const diff = relativeDiff(await pageValues(page), ortGradientValues);
      expect(diff).toBeLessThan(1e-5);
      const note = `integrated_gradients (n_steps 8) on the tiny ONNX export, page (ort wasm, worker) ${state.timings?.attributeMs.toFixed(0)} ms; vs onnxruntime-node ${diff.toExponential(2)} of the largest`;
      console.log(note);
      await context.annotate(note);
    } finally {
      await page.close();
    }
  });

  it('loads a model by Hub id from the endpoint, keeps it in the Cache API, and explains gated and unknown repos', async () => {
    const hubRequests: (readonly string[])[] = [];
    browser ??= await launchChromium();
    const page = await openApp(browser, server, hubRequests);
    try {
      const byHubId = async (id: string) => {
        await page.check('input[name="model-source"][value="hub"]');
        await page.fill('#hub-id', id);
        await page.fill('#hub-endpoint', hub.endpoint);
        await startInPage(page, { engine: 'tfjs:wasm' });
        await page.waitForFunction(() => window.inseqWeb.status === 'done' || window.inseqWeb.status === 'error', undefined, { timeout: 90_000 });
        return page.evaluate(() => window.inseqWeb);
      };
      const first = await byHubId('org/tiny-gpt2');
      expect(first.error).toBeUndefined();
      expect(maxDiff(await pageValues(page), nodeValues)).toBeLessThan(1e-4);
      expect(hub.downloadsOf('model.safetensors', 'org/tiny-gpt2')).toHaveLength(1);
      const cached = await page.evaluate(async () => (await (await caches.open('transformers-cache')).keys()).map((request) => request.url));
      expect(cached).toContain(`${hub.endpoint}/org/tiny-gpt2/resolve/${hub.commitOf('org/tiny-gpt2')}/model.safetensors`);
      // A second run (a new worker) reads the files from the Cache API.
      const second = await byHubId('org/tiny-gpt2');
      expect(second.error).toBeUndefined();
      expect(hub.downloadsOf('model.safetensors', 'org/tiny-gpt2')).toHaveLength(1);
      const gated = await byHubId('org/gated-gpt2');
      expect(gated.error).toMatch(/org\/gated-gpt2 is gated or private \(HTTP 401\): set HF_TOKEN/);
      const unknown = await byHubId('org/no-such-model');
      expect(unknown.error).toMatch(/No such repo 'org\/no-such-model'/);
      const urls = hubRequests.flat();
      expect(urls.filter((url) => !url.startsWith(server.origin) && !url.startsWith(hub.endpoint))).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('runs a prepared example in one click: the heatmap and token view show its prompt, with the numbers Node computes', async () => {
    browser ??= await launchChromium();
    const page = await openApp(browser, server, recordings);
    try {
      expect(await page.isVisible('#examples')).toBe(true);
      const labels = await page.$$eval('#example-buttons button', (buttons) => buttons.map((button) => button.textContent));
      expect(labels).toEqual(preparedExamples.map((example) => example.label));
      // The example's prompt, method and forced continuation all differ from what the form starts with.
      const example = preparedExamples[1];
      const forced = `${example.prompt}${example.generatedText}`;
      await page.selectOption('#engine', 'tfjs:wasm');
      await page.click(`#example-buttons button:nth-child(2)`);
      await page.waitForFunction(() => window.inseqWeb.status === 'done' || window.inseqWeb.status === 'error', undefined, { timeout: 90_000 });
      const state = await page.evaluate(() => window.inseqWeb);
      expect(state.error).toBeUndefined();
      expect(await page.inputValue('#input-text')).toBe(example.prompt);
      expect(await page.inputValue('#method')).toBe(example.method);
      const expected = heatmapValues(await attribute(model, example.prompt, { method: example.method, generatedTexts: forced }));
      expect(maxDiff(await pageValues(page), expected)).toBeLessThan(1e-4);
      // The token view: the prompt's tokens as context, the forced pronoun as the generated token.
      const vocabularyToken = (tip: string) => tip.slice(0, tip.indexOf(' (id '));
      const tokens = (selector: string) => page.$$eval(selector, (spans) => spans.map((span) => span.getAttribute('data-tip') ?? ''));
      const context = (await tokens('#results .token-view .context-line .token.context')).map(vocabularyToken);
      const generated = (await tokens('#results .token-view .generated-line .token.generated')).map(vocabularyToken);
      const ids = (text: string) => model.tokenizer.encode(text).map((id) => model.tokenizer.idToToken(id));
      expect(context).toEqual(ids(example.prompt));
      expect(generated).toEqual(ids(forced).slice(ids(example.prompt).length));
      expect(await page.$$eval('#results table.heatmap', (tables) => tables.length)).toBe(1);
    } finally {
      await page.close();
    }
  });

  it('hides the examples menu when the shipped model has no examples.json, and explains a malformed one', async () => {
    const answers: [number, string, string][] = [
      [404, 'Not found', ''],
      [200, JSON.stringify([{ label: 'x', prompt: 'p', method: 'saliency', generated_text: 'q' }]), 'unknown field(s) "generated_text"'],
    ];
    browser ??= await launchChromium();
    for (const [status, body, message] of answers) {
      const page = await browser.newPage();
      try {
        await page.route('**/models/*/examples.json', (route) => route.fulfill({ status, body, contentType: 'application/json' }));
        await page.goto(server.url('/index.html'));
        await page.waitForFunction(() => window.inseqWeb?.status === 'idle', undefined, { timeout: 20_000 });
        expect(await page.evaluate(() => window.inseqWeb.examples)).toEqual([]);
        expect(await page.isVisible('#examples')).toBe(status !== 404);
        expect(await page.textContent('#examples-error')).toContain(message);
      } finally {
        await page.close();
      }
    }
  });

  it('fetched the model and runtimes from its own origin and nothing from elsewhere', () => {
    const urls = recordings.flat();
    expect(urls).toContain(server.url('/models/tiny-gpt2/model.safetensors'));
    expect(urls.some((url) => url.startsWith(server.url('/tfjs/')) && url.endsWith('.wasm'))).toBe(true);
    expect(requestsOutside(urls, server.origin)).toEqual([]);
  });
});
