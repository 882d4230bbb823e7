/**
 * Soak: many attributions in one process, on tfjs and on ONNX Runtime, with the process's memory
 * sampled as it goes. Not a test and not a speed measurement: it shows whether memory stays flat
 * over a long run (a leak grows RSS, tfjs tensor counts or heap with the number of attributions).
 *
 * Run: `pnpm --filter @inseq/bench soak` (`INSEQ_SOAK_RUNS=1000` attributions per backend by
 * default, `INSEQ_SOAK_SAMPLE_EVERY=100`). The model is the bundled demo model
 * (models/inseq-demo-gpt2, safetensors for tfjs and onnx/model.onnx for ORT). The attributions
 * cycle through gradient, attention and perturbation methods with step scores, on prompts that
 * change length, so caches keyed on shapes are exercised too.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOrtBackend } from '@inseq/backend-ort';
import { initTfjs, loadTfjsBackend } from '@inseq/backend-tfjs';
import { type AttributionMethod, type AttributionModel, attribute, createRegistry, loadTokenizer, localModelFiles } from '@inseq/core';
import { registerBuiltinMethods } from '@inseq/methods';
import * as tf from '@tensorflow/tfjs';

const RUNS = Number(process.env.INSEQ_SOAK_RUNS ?? 1000);
const SAMPLE_EVERY = Number(process.env.INSEQ_SOAK_SAMPLE_EVERY ?? 100);
const MODEL = resolve(dirname(fileURLToPath(import.meta.url)), '../../models/inseq-demo-gpt2');

const PROMPTS = [
  ['The capital of France is', ' Paris'],
  ['The capital of Japan is', ' Tokyo'],
  ['The keys to the cabinet', ' are'],
  ['The nurse said that', ' she'],
] as const;

const CASES: { method: string; args?: Record<string, unknown>; stepScores?: string[] }[] = [
  { method: 'saliency', stepScores: ['probability'] },
  { method: 'integrated_gradients', args: { n_steps: 8 } },
  { method: 'input_x_gradient', stepScores: ['entropy'] },
  { method: 'attention' },
  { method: 'occlusion', stepScores: ['probability'] },
  { method: 'layer_integrated_gradients', args: { n_steps: 4, target_layer: 'transformer.h.1' } },
];

interface Sample {
  readonly done: number;
  readonly rssMiB: number;
  readonly heapMiB: number;
  readonly externalMiB: number;
  readonly tensors?: number;
  readonly tfjsMiB?: number;
}

const mib = (bytes: number) => bytes / 2 ** 20;

function sample(done: number, withTfjs: boolean): Sample {
  globalThis.gc?.();
  const memory = process.memoryUsage();
  const base = { done, rssMiB: mib(memory.rss), heapMiB: mib(memory.heapUsed), externalMiB: mib(memory.external + memory.arrayBuffers) };
  if (!withTfjs) return base;
  const tfMemory = tf.memory();
  return { ...base, tensors: tfMemory.numTensors, tfjsMiB: mib(tfMemory.numBytes) };
}

async function soak(label: string, model: AttributionModel, withTfjs: boolean): Promise<Sample[]> {
  const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
  const samples: Sample[] = [sample(0, withTfjs)];
  const started = performance.now();
  for (let i = 0; i < RUNS; i++) {
    const [prompt, continuation] = PROMPTS[i % PROMPTS.length];
    const c = CASES[i % CASES.length];
    await attribute(model, prompt, {
      method: c.method,
      methods,
      generatedTexts: prompt + continuation,
      attributionArgs: c.args ?? {},
      ...(c.stepScores && { stepScores: c.stepScores }),
    });
    if ((i + 1) % SAMPLE_EVERY === 0) samples.push(sample(i + 1, withTfjs));
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`\n${label}: ${RUNS} attributions in ${seconds.toFixed(0)} s (${((seconds / RUNS) * 1000).toFixed(0)} ms each)`);
  console.log(`  done   rss MiB   heap MiB   ext+ab MiB${withTfjs ? '   tf tensors   tf MiB' : ''}`);
  for (const s of samples) {
    const tfCells = withTfjs ? `${String(s.tensors).padStart(13)} ${s.tfjsMiB!.toFixed(2).padStart(8)}` : '';
    console.log(`  ${String(s.done).padStart(4)} ${s.rssMiB.toFixed(1).padStart(9)} ${s.heapMiB.toFixed(1).padStart(10)} ${s.externalMiB.toFixed(1).padStart(12)}${tfCells}`);
  }
  // Flatness: growth over the second half of the run (the first samples include warm-up and caches).
  const half = samples[Math.floor(samples.length / 2)];
  const last = samples[samples.length - 1];
  const per1000 = (a: number, b: number) => ((b - a) / Math.max(1, last.done - half.done)) * 1000;
  console.log(
    `  second half growth per 1000 attributions: rss ${per1000(half.rssMiB, last.rssMiB).toFixed(1)} MiB, heap ${per1000(half.heapMiB, last.heapMiB).toFixed(1)} MiB` +
      (withTfjs ? `, tf tensors ${per1000(half.tensors!, last.tensors!).toFixed(1)}` : ''),
  );
  return samples;
}

async function main() {
  if (!globalThis.gc) console.log('(run with node --expose-gc for exact heap samples; `pnpm soak` does)');
  const device = await initTfjs(process.env.INSEQ_BENCH_DEVICE as 'wasm' | 'cpu' | undefined);
  const files = await localModelFiles(MODEL);
  const tokenizer = await loadTokenizer(files);
  console.log(`inseq-ts soak — ${RUNS} attributions per backend on ${MODEL.split('/').pop()}, methods cycling: ${CASES.map((c) => c.method).join(', ')}`);
  const tfjsBackend = await loadTfjsBackend(files, { device: device as 'wasm' | 'cpu' });
  await soak(`tfjs (${device})`, { name: 'demo (tfjs)', backend: tfjsBackend, tokenizer }, true);
  await tfjsBackend.dispose();
  const ortBackend = await loadOrtBackend(files);
  await soak('onnxruntime-node (cpu)', { name: 'demo (ort)', backend: ortBackend, tokenizer }, false);
  await ortBackend.dispose();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
