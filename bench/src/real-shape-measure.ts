/**
 * Child process of `real-shapes.bench.ts`: loads one generated real-shape folder on one backend
 * and times load, a 64-token forward, and attribution over 16 forced steps; prints one JSON line.
 * One process per shape × backend, so that peak RSS (the kernel's high-water mark,
 * `process.resourceUsage().maxRSS`) is that case's alone; a 20 ms sampler of
 * `process.memoryUsage().rss` reports the peak of each phase.
 * Usage: `node --import tsx real-shape-measure.ts <dir> <tfjs|ort> <ig n_steps>`.
 */
import { loadOrtBackend } from '@inseq/backend-ort';
import { loadTfjsBackend } from '@inseq/backend-tfjs';
import {
  type AttributionMethod,
  type AttributionModel,
  attribute,
  createRegistry,
  InseqError,
  loadTokenizer,
  localModelFiles,
  padLeft,
} from '@inseq/core';
import { registerBuiltinMethods } from '@inseq/methods';

const [directory, backendName, igSteps] = process.argv.slice(2);
const PROMPT_TOKENS = Number(process.env.INSEQ_BENCH_REAL_PROMPT ?? 16);
const STEPS = 16;
const FORWARD_TOKENS = 64;

let phasePeak = 0;
const sampler = setInterval(() => {
  phasePeak = Math.max(phasePeak, process.memoryUsage().rss);
}, 20);
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

/** Runs one phase; its time in seconds and the sampled peak RSS during it, or the error it threw. */
async function phase(fn: () => Promise<unknown>): Promise<{ seconds?: number; peakMiB: number; error?: string; code?: string }> {
  phasePeak = process.memoryUsage().rss;
  const start = performance.now();
  try {
    await fn();
    return { seconds: (performance.now() - start) / 1000, peakMiB: mib(Math.max(phasePeak, process.memoryUsage().rss)) };
  } catch (error) {
    const message = String((error as Error)?.message ?? error).slice(0, 400);
    return { peakMiB: mib(phasePeak), error: message, ...(InseqError.isInstance(error) && { code: error.code }) };
  }
}

async function main() {
  const files = await localModelFiles(directory);
  const tokenizer = await loadTokenizer(files);
  let model: AttributionModel | undefined;
  const results: Record<string, unknown> = { backend: backendName };
  results.load = await phase(async () => {
    const backend = backendName === 'ort' ? await loadOrtBackend(files, { device: 'cpu' }) : await loadTfjsBackend(files, { device: 'wasm' });
    model = { name: directory, backend, tokenizer };
  });
  if (!model) return results;
  const m = model;
  // Whole words that are single tokens, so the prompt and target have exact token counts.
  const words: string[] = [];
  for (let id = 0; words.length < Math.max(FORWARD_TOKENS, PROMPT_TOKENS + STEPS); id++) {
    const text = tokenizer.decode([id]);
    if (/^ [a-z]{2,}$/.test(text) && tokenizer.encode(text).length === 1 && !words.includes(text)) words.push(text);
  }
  const forwardIds = tokenizer.encode(words.slice(0, FORWARD_TOKENS).join(''));
  const batch = padLeft([forwardIds], 0);
  await m.backend.forward(batch).catch(() => undefined); // warm-up (kernels, allocator); failures show in the timed run
  const forwardTimes: number[] = [];
  results.forward = await phase(async () => {
    for (let r = 0; r < 3; r++) {
      const start = performance.now();
      const { logits } = await m.backend.forward(batch);
      if (!logits.data.every(Number.isFinite)) throw new Error('forward gave non-finite logits');
      forwardTimes.push((performance.now() - start) / 1000);
    }
  });
  if (forwardTimes.length > 0) (results.forward as { seconds: number }).seconds = [...forwardTimes].sort((a, b) => a - b)[1];
  const prompt = words.slice(0, PROMPT_TOKENS).join('');
  const full = words.slice(0, PROMPT_TOKENS + STEPS).join('');
  const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
  const run = (method: string, attributionArgs: Record<string, unknown> = {}) =>
    phase(async () => {
      const out = await attribute(m, prompt, { method, methods, generatedTexts: full, attributionArgs });
      // NaN marks positions a step cannot attribute (future tokens); anything else must be finite.
      const scores = out.sequence_attributions[0]?.target_attributions;
      if (!scores || scores.data.some((v) => !Number.isNaN(v) && !Number.isFinite(v)) || scores.data.every(Number.isNaN)) {
        throw new Error(`${method} gave no finite scores`);
      }
    });
  if (backendName === 'tfjs') {
    results.saliency = await run('saliency');
    results.integrated_gradients = await run('integrated_gradients', { n_steps: Number(igSteps) });
  } else {
    results.attention = await run('attention');
    results.occlusion = await run('occlusion');
  }
  await m.backend.dispose();
  return results;
}

main()
  .then((results) => {
    clearInterval(sampler);
    console.log(JSON.stringify({ ...results, maxRssMiB: mib(process.resourceUsage().maxRSS * 1024) }));
  })
  .catch((error) => {
    clearInterval(sampler);
    console.error(error);
    process.exitCode = 1;
  });
