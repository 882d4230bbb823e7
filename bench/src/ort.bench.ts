/**
 * ONNX Runtime (node, cpu) next to tfjs on the same GPT-2-shaped random model as
 * `attribution.bench.ts` (6 layers × 512 hidden × 8 heads, same seed), 16 prompt tokens and 16
 * generated / forced tokens, measured side by side in one run. Not a test.
 * Run: `pnpm bench` from the repository root (`INSEQ_BENCH_ONLY=ort` for this script only;
 * `INSEQ_BENCH_LIME_SAMPLES=20` to shorten lime; `INSEQ_BENCH_REUSE_ONLY=1` for the prefix-reuse table only;
 * `INSEQ_BENCH_GRADIENTS_ONLY=1` for the gradient methods only, tfjs vs ORT with their pass floors).
 */
import { loadOrtBackend } from '@inseq/backend-ort';
import { initTfjs, loadTfjsBackend } from '@inseq/backend-tfjs';
import {
  type AttributionMethod,
  type AttributionModel,
  attribute,
  createRegistry,
  loadTokenizer,
  type ModelBackend,
  memoryModelFiles,
  padLeft,
  probability,
} from '@inseq/core';
import { registerBuiltinMethods } from '@inseq/methods';
import { tinyGpt2ModelFiles, tinyGpt2OnnxFiles } from '@inseq/testing';

const SHAPE = { nLayer: 6, nEmbd: 512, nHead: 8, nPositions: 64, merges: 1000, seed: 1 } as const;
const PROMPT_TOKENS = 16;
const GENERATED_TOKENS = 16;
const LIME_SAMPLES = Number(process.env.INSEQ_BENCH_LIME_SAMPLES ?? 50);
const REPEATS = 5;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Greedy decoding without a cache: every new token re-runs the whole prefix (as the core loop does). */
async function greedyNoCache(backend: ModelBackend, prompt: readonly number[], maxNewTokens: number): Promise<number[]> {
  const sequence = [...prompt];
  for (let step = 0; step < maxNewTokens; step++) {
    const { logits } = await backend.forward(padLeft([sequence], 0));
    const vocab = logits.shape[1];
    let best = 0;
    for (let v = 1; v < vocab; v++) if (logits.data[v] > logits.data[best]) best = v;
    sequence.push(best);
  }
  return sequence;
}

async function timeMs(fn: () => Promise<unknown>, repeats = REPEATS): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

async function main() {
  const device = await initTfjs(process.env.INSEQ_BENCH_DEVICE as 'wasm' | 'cpu' | undefined);
  const tfjsFiles = tinyGpt2ModelFiles(SHAPE);
  const tokenizer = await loadTokenizer(tfjsFiles);
  let t = performance.now();
  const tfjs: AttributionModel = {
    name: 'bench-gpt2-6x512 (tfjs)',
    backend: await loadTfjsBackend(tfjsFiles, { device: device as 'wasm' | 'cpu' }),
    tokenizer,
  };
  const tfjsLoadMs = performance.now() - t;
  t = performance.now();
  const onnx = (options: { withPast?: boolean; outputAttentions?: boolean }) =>
    memoryModelFiles(tinyGpt2OnnxFiles({ ...SHAPE, ...options }), 'bench-onnx');
  const plainFiles = onnx({});
  const pastFiles = onnx({ withPast: true });
  const attentionFiles = onnx({ outputAttentions: true });
  const exportMs = performance.now() - t;
  t = performance.now();
  const ortPlain: AttributionModel = { name: 'bench-gpt2-6x512 (ort)', backend: await loadOrtBackend(plainFiles), tokenizer };
  const ortPast = await loadOrtBackend(pastFiles);
  // The KV-cache export, with (default) and without reuse of each perturbed row's unchanged prefix.
  const ortReuse: AttributionModel = { name: 'bench-gpt2-6x512 (ort, kv, reuse)', backend: ortPast, tokenizer };
  const ortNoReuse: AttributionModel = {
    name: 'bench-gpt2-6x512 (ort, kv, no reuse)',
    backend: await loadOrtBackend(pastFiles, { reusePrefix: false }),
    tokenizer,
  };
  const ortAttention: AttributionModel = { name: 'bench-gpt2-6x512 (ort, attentions)', backend: await loadOrtBackend(attentionFiles), tokenizer };
  const ortLoadMs = performance.now() - t;
  const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));

  // Same text as attribution.bench.ts: whole words that are single tokens, 16 + 16 of them.
  const words: string[] = [];
  for (let id = 0; id < tfjs.backend.config.vocabSize && words.length < PROMPT_TOKENS + GENERATED_TOKENS; id++) {
    const text = tokenizer.decode([id]);
    if (/^ [a-z]{2,}$/.test(text) && tokenizer.encode(text).length === 1 && !words.includes(text)) words.push(text);
  }
  const prompt = words.slice(0, PROMPT_TOKENS).join('');
  const full = words.join('');
  const promptIds = tokenizer.encode(prompt);
  const fullIds = tokenizer.encode(full);

  console.log(`inseq-ts ort bench — ort node cpu vs tfjs ${device}, GPT-2 shape ${SHAPE.nLayer} layers × ${SHAPE.nEmbd} hidden × ${SHAPE.nHead} heads`);
  console.log(`${promptIds.length} prompt tokens, ${fullIds.length - promptIds.length} new / forced tokens, batch 1, median of ${REPEATS} after a warm-up`);
  console.log(`setup: tfjs load ${tfjsLoadMs.toFixed(0)} ms; ONNX export (3 graphs) ${exportMs.toFixed(0)} ms; ort load (3 sessions) ${ortLoadMs.toFixed(0)} ms\n`);

  const reuseOnly = process.env.INSEQ_BENCH_REUSE_ONLY === '1';
  // Forward at batch 1: the prompt (16 tokens) and the full text (32 tokens).
  console.log('forward, batch 1                      tfjs (ms)   ort (ms)   ort/tfjs');
  for (const ids of reuseOnly ? [] : [promptIds, fullIds]) {
    const batch = padLeft([ids], 0);
    const tf = await timeMs(() => tfjs.backend.forward(batch));
    const ort = await timeMs(() => ortPlain.backend.forward(batch));
    console.log(`  ${`${ids.length} tokens`.padEnd(36)}${tf.toFixed(1).padStart(9)} ${ort.toFixed(1).padStart(10)} ${(ort / tf).toFixed(2).padStart(10)}`);
  }

  if (!reuseOnly) {
    // Greedy generation of 16 tokens.
    const options = { maxNewTokens: GENERATED_TOKENS, stopIds: [] as number[], padId: 0 };
    const cached = await ortPast.generate!([promptIds], options);
    const uncached = await greedyNoCache(ortPlain.backend, promptIds, GENERATED_TOKENS);
    const tfjsOut = await greedyNoCache(tfjs.backend, promptIds, GENERATED_TOKENS);
    const same = JSON.stringify(cached[0]) === JSON.stringify(uncached) && JSON.stringify(uncached) === JSON.stringify(tfjsOut);
    const genCache = await timeMs(() => ortPast.generate!([promptIds], options), 3);
    const genNoCache = await timeMs(() => greedyNoCache(ortPlain.backend, promptIds, GENERATED_TOKENS), 3);
    const genTfjs = await timeMs(() => greedyNoCache(tfjs.backend, promptIds, GENERATED_TOKENS), 3);
    console.log(`\ngreedy generation, ${GENERATED_TOKENS} new tokens          ms    vs ort+cache   (same tokens on all three: ${same})`);
    console.log(`  ${'ort, KV cache (withPast graph)'.padEnd(36)}${genCache.toFixed(1).padStart(9)} ${'1.00'.padStart(10)}`);
    console.log(`  ${'ort, no cache (re-runs the prefix)'.padEnd(36)}${genNoCache.toFixed(1).padStart(9)} ${(genNoCache / genCache).toFixed(2).padStart(10)}`);
    console.log(`  ${`tfjs ${device}, no cache`.padEnd(36)}${genTfjs.toFixed(1).padStart(9)} ${(genTfjs / genCache).toFixed(2).padStart(10)}`);
    console.log(`  KV-cache speed-up on ort: ${(genNoCache / genCache).toFixed(2)}×`);
  }

  // attribute over the 16 forced steps.
  const cases: { method: string; label: string; args?: Record<string, unknown>; stepScores?: string[]; ort: AttributionModel }[] = [
    { method: 'dummy', label: 'dummy (+ probability, entropy)', stepScores: ['probability', 'entropy'], ort: ortPlain },
    { method: 'occlusion', label: 'occlusion', ort: ortPlain },
    { method: 'lime', label: `lime (n_samples ${LIME_SAMPLES})`, args: { n_samples: LIME_SAMPLES }, ort: ortPlain },
    { method: 'reagent', label: 'reagent (10 rounds × 4 probes)', args: { max_probe_steps: 10, num_probes: 4 }, ort: ortPlain },
    { method: 'attention', label: 'attention (attentions graph)', ort: ortAttention },
    // Gradients: tfjs autodiff vs the export's gradient graph on ONNX Runtime (built on first use, per target).
    { method: 'saliency', label: 'saliency', ort: ortPlain },
    { method: 'input_x_gradient', label: 'input_x_gradient', ort: ortPlain },
    { method: 'integrated_gradients', label: 'integrated_gradients (n_steps 50)', args: { n_steps: 50 }, ort: ortPlain },
    { method: 'gradient_shap', label: 'gradient_shap (n_samples 5)', ort: ortPlain },
    // Layers: tfjs taps vs the export's layer-tapped gradient graph (the layer found by node scope).
    { method: 'layer_integrated_gradients', label: 'layer_ig at h.3 (n_steps 50)', args: { n_steps: 50, target_layer: 'transformer.h.3' }, ort: ortPlain },
    { method: 'layer_gradient_x_activation', label: 'layer_grad×act at h.3.mlp', args: { target_layer: 'transformer.h.3.mlp' }, ort: ortPlain },
  ];
  console.log(`\nattribute, ${fullIds.length - promptIds.length} steps                    tfjs (s)     ort (s)   ort/tfjs`);
  const gradientsOnly = process.env.INSEQ_BENCH_GRADIENTS_ONLY === '1';
  const gradientMethods = ['saliency', 'input_x_gradient', 'integrated_gradients', 'gradient_shap', 'layer_integrated_gradients', 'layer_gradient_x_activation'];
  // The pass floor: one forward pass over the full text on each backend (a gradient step costs at least one).
  const floorBatch = padLeft([fullIds], 0);
  const floor = { tfjs: await timeMs(() => tfjs.backend.forward(floorBatch)), ort: await timeMs(() => ortPlain.backend.forward(floorBatch)) };
  console.log(`  (pass floor, forward of ${fullIds.length} tokens: tfjs ${floor.tfjs.toFixed(1)} ms, ort ${floor.ort.toFixed(1)} ms)`);
  if (!reuseOnly) {
    // The one-time cost of gradients on ORT: the first gradient call of a process builds the export's gradient
    // model and its session (per attributed function), measured on a freshly loaded backend. The rows below are
    // then measured warm on both backends (one short saliency call first), as a long-running process sees them.
    const fresh = await loadOrtBackend(plainFiles);
    const first = padLeft([fullIds.slice(0, 4)], 0);
    const embeds = await fresh.embed!(first.inputIds);
    const start = performance.now();
    await fresh.gradients!({ ...first, inputsEmbeds: embeds, targetIds: Int32Array.of(fullIds[4]), target: probability.differentiable! });
    const buildMs = performance.now() - start;
    const again = performance.now();
    await fresh.gradients!({ ...first, inputsEmbeds: embeds, targetIds: Int32Array.of(fullIds[4]), target: probability.differentiable! });
    console.log(`  (ort's first gradient call builds the gradient session: ${buildMs.toFixed(0)} ms, once per process and attributed function; the next call ${(performance.now() - again).toFixed(0)} ms)`);
    await fresh.dispose();
    // Warm-up: each gradient row's method once over one forced token on both backends (ORT builds that row's
    // gradient session: one per attributed function and, for layer methods, per layer).
    for (const c of cases.filter((item) => gradientMethods.includes(item.method))) {
      for (const model of [tfjs, c.ort]) {
        await attribute(model, prompt, { method: c.method, methods, generatedTexts: prompt + words[PROMPT_TOKENS], attributionArgs: { ...c.args, ...(c.args?.n_steps !== undefined && { n_steps: 2 }) } });
      }
    }
  }
  for (const c of reuseOnly ? [] : cases.filter((item) => !gradientsOnly || gradientMethods.includes(item.method))) {
    const run = async (model: AttributionModel) => {
      const start = performance.now();
      try {
        await attribute(model, prompt, {
          method: c.method,
          methods,
          generatedTexts: full,
          attributionArgs: c.args ?? {},
          ...(c.stepScores ? { stepScores: c.stepScores } : {}),
        });
      } catch (error) {
        return { ms: Number.NaN, error: (error as Error).message.slice(0, 80) };
      }
      return { ms: performance.now() - start };
    };
    const tf = await run(tfjs);
    const ort = await run(c.ort);
    const cell = (r: { ms: number }) => (Number.isNaN(r.ms) ? 'error' : (r.ms / 1000).toFixed(2)).padStart(9);
    const ratio = Number.isNaN(tf.ms) || Number.isNaN(ort.ms) ? '—' : (ort.ms / tf.ms).toFixed(2);
    const floors = Number.isNaN(tf.ms) || Number.isNaN(ort.ms) ? '' : `   (${(tf.ms / floor.tfjs).toFixed(0)} / ${(ort.ms / floor.ort).toFixed(0)} passes)`;
    console.log(`  ${c.label.padEnd(36)}${cell(tf)} ${cell(ort).padStart(10)} ${ratio.padStart(10)}${floors}`);
    for (const r of [tf, ort]) if ('error' in r) console.log(`    ${r.error}`);
  }

  if (gradientsOnly) {
    await Promise.all([tfjs.backend.dispose(), ortPlain.backend.dispose(), ortPast.dispose(), ortNoReuse.backend.dispose(), ortAttention.backend.dispose()]);
    return;
  }
  // Perturbation batches with prefix reuse: the same attribution on the KV-cache export with
  // and without reuse, and on the plain export, side by side.
  console.log(`\nprefix reuse, ${fullIds.length - promptIds.length} steps      plain (s)  kv, no reuse (s)  kv, reuse (s)  reuse speed-up`);
  for (const c of cases.filter((item) => item.method === 'occlusion' || item.method === 'lime')) {
    const seconds = async (model: AttributionModel) => {
      const start = performance.now();
      await attribute(model, prompt, { method: c.method, methods, generatedTexts: full, attributionArgs: c.args ?? {} });
      return (performance.now() - start) / 1000;
    };
    const plain = await seconds(ortPlain);
    const noReuse = await seconds(ortNoReuse);
    const reuse = await seconds(ortReuse);
    console.log(
      `  ${c.label.padEnd(28)}${plain.toFixed(2).padStart(9)} ${noReuse.toFixed(2).padStart(17)} ${reuse.toFixed(2).padStart(14)} ${(noReuse / reuse).toFixed(2).padStart(15)}`,
    );
  }
  await tfjs.backend.dispose();
  await ortPlain.backend.dispose();
  await ortPast.dispose();
  await ortNoReuse.backend.dispose();
  await ortAttention.backend.dispose();
}

if (process.env.INSEQ_BENCH_ONLY && process.env.INSEQ_BENCH_ONLY !== 'ort') console.log('ort.bench.ts skipped (INSEQ_BENCH_ONLY).');
else
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
