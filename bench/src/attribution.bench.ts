/**
 * Speed of every attribution method relative to the smallest number of forward / backward passes
 * it needs, measured side by side in one run on a GPT-2-shaped random model (6 layers × 512
 * hidden × 8 heads), 16 prompt tokens and 16 forced tokens. Not a test.
 * Run: `pnpm bench` from the repository root (`INSEQ_BENCH_METHODS=saliency,occlusion` to pick;
 * `INSEQ_BENCH_ONLY=tfjs` to skip `ort.bench.ts`, `INSEQ_BENCH_ONLY=ort` to skip this one).
 */
import { initTfjs, loadTfjsBackend } from '@inseq/backend-tfjs';
import { type AttributionMethod, type AttributionModel, attribute, createRegistry, loadTokenizer, probability } from '@inseq/core';
import { registerBuiltinMethods } from '@inseq/methods';
import { tinyGpt2ModelFiles } from '@inseq/testing';

const SHAPE = { nLayer: 6, nEmbd: 512, nHead: 8, nPositions: 64, merges: 1000, seed: 1 } as const;
const PROMPT_TOKENS = 16;
const GENERATED_TOKENS = 16;

/** Per method: options, and the fewest passes one step needs (`prefix` = tokens before the step). */
interface Case {
  readonly method: string;
  readonly args?: Record<string, unknown>;
  readonly passes: (prefix: number) => { forward?: number; forwardBackward?: number; label: string };
  /** Passes for the whole run instead of per step (whole-sequence methods). */
  readonly perRun?: boolean;
}

const cases: Case[] = [
  { method: 'saliency', passes: () => ({ forwardBackward: 1, label: '1 fwd+bwd' }) },
  { method: 'input_x_gradient', passes: () => ({ forwardBackward: 1, label: '1 fwd+bwd' }) },
  { method: 'integrated_gradients', args: { n_steps: 50 }, passes: () => ({ forwardBackward: 50, label: '50 fwd+bwd' }) },
  { method: 'deeplift', passes: () => ({ forwardBackward: 2, label: '2 fwd+bwd (input + reference)' }) },
  { method: 'gradient_shap', args: { n_samples: 5 }, passes: () => ({ forwardBackward: 5, label: '5 fwd+bwd' }) },
  {
    method: 'sequential_integrated_gradients',
    args: { n_steps: 5 },
    passes: (prefix) => ({ forwardBackward: 5 * prefix, label: '5 × prefix fwd+bwd' }),
  },
  { method: 'discretized_integrated_gradients', args: { n_steps: 10 }, passes: () => ({ forwardBackward: 10, label: '≈10 fwd+bwd' }) },
  { method: 'layer_integrated_gradients', args: { n_steps: 50 }, passes: () => ({ forwardBackward: 50, forward: 1, label: '50 fwd+bwd + 1 fwd' }) },
  { method: 'layer_gradient_x_activation', passes: () => ({ forwardBackward: 1, label: '1 fwd+bwd' }) },
  { method: 'layer_deeplift', passes: () => ({ forwardBackward: 2, label: '2 fwd+bwd' }) },
  { method: 'attention', perRun: true, passes: () => ({ forward: 1, label: '1 fwd per sequence' }) },
  { method: 'attention_rollout', perRun: true, passes: () => ({ forward: 1, label: '1 fwd per sequence' }) },
  { method: 'occlusion', passes: (prefix) => ({ forward: prefix + 1, label: '(prefix + 1) fwd' }) },
  { method: 'lime', args: { n_samples: 50 }, passes: () => ({ forward: 50, label: '50 fwd' }) },
  // One pass per sequence path: every layer × key variant of the whole target, plus the clean run.
  { method: 'value_zeroing', perRun: true, passes: (length) => ({ forward: 6 * length + 1, label: 'layers × length + 1 fwd rows' }) },
  // Inseq's defaults (3000 probe rounds) run for minutes when the target is not in the top 3.
  {
    method: 'reagent',
    args: { max_probe_steps: 10, num_probes: 4 },
    passes: () => ({ forward: 2 * 10 * 4, label: '≤ 10 rounds × 2 × 4 probes' }),
  },
  { method: 'dummy', passes: () => ({ forward: 0, label: '0' }) },
];

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

async function main() {
  const device = await initTfjs(process.env.INSEQ_BENCH_DEVICE as 'wasm' | 'cpu' | undefined);
  const files = tinyGpt2ModelFiles(SHAPE);
  const model: AttributionModel = {
    name: 'bench-gpt2-6x512',
    backend: await loadTfjsBackend(files, { device: device as 'wasm' | 'cpu' }),
    tokenizer: await loadTokenizer(files),
  };
  const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
  // Whole words that are single tokens ("Ġthe", …): the text then encodes to exactly 16 + 16 tokens.
  const words: string[] = [];
  for (let id = 0; id < model.backend.config.vocabSize && words.length < PROMPT_TOKENS + GENERATED_TOKENS; id++) {
    const text = model.tokenizer.decode([id]);
    if (/^ [a-z]{2,}$/.test(text) && model.tokenizer.encode(text).length === 1 && !words.includes(text)) words.push(text);
  }
  const prompt = words.slice(0, PROMPT_TOKENS).join('');
  const full = words.join('');
  const target = model.tokenizer.encode(full);
  const start = model.tokenizer.encode(prompt).length;
  const prefixes = Array.from({ length: target.length - start }, (_, s) => target.slice(0, start + s));
  const batchOf = (prefix: number[]) => ({
    inputIds: { data: Int32Array.from(prefix), shape: [1, prefix.length] },
    attentionMask: { data: new Int32Array(prefix.length).fill(1), shape: [1, prefix.length] },
  });

  // Unit costs at each step's prefix length, batch 1.
  for (const prefix of prefixes.slice(0, 2)) await model.backend.forward(batchOf(prefix));
  const forwardMs: number[] = [];
  const forwardBackwardMs: number[] = [];
  for (const prefix of prefixes) {
    let t = performance.now();
    await model.backend.forward(batchOf(prefix));
    forwardMs.push(performance.now() - t);
    const batch = batchOf(prefix);
    t = performance.now();
    await model.backend.gradients!({
      ...batch,
      inputsEmbeds: await model.backend.embed(batch.inputIds),
      targetIds: Int32Array.of(target[prefix.length]),
      target: probability.differentiable!,
    });
    forwardBackwardMs.push(performance.now() - t);
  }
  console.log(`inseq-ts bench — tfjs ${device}, GPT-2 shape ${SHAPE.nLayer} layers × ${SHAPE.nEmbd} hidden × ${SHAPE.nHead} heads`);
  console.log(`${start} prompt tokens, ${prefixes.length} attributed steps, batch 1`);
  console.log(`forward ${mean(forwardMs).toFixed(1)} ms, forward + backward ${mean(forwardBackwardMs).toFixed(1)} ms (mean over step prefixes)\n`);

  const picked = process.env.INSEQ_BENCH_METHODS?.split(',');
  console.log(`${'method'.padEnd(34)} ${'time (s)'.padStart(9)}  ${'minimal passes'.padEnd(30)} ratio`);
  for (const c of cases.filter((entry) => !picked || picked.includes(entry.method))) {
    if (!methods.has(c.method)) continue;
    const t = performance.now();
    await attribute(model, prompt, { method: c.method, methods, generatedTexts: full, attributionArgs: c.args ?? {} });
    const ms = performance.now() - t;
    const steps = c.perRun ? [prefixes[prefixes.length - 1]] : prefixes;
    const minimal = steps.reduce((sum, prefix, s) => {
      const passes = c.passes(prefix.length);
      const index = c.perRun ? forwardMs.length - 1 : s;
      return sum + (passes.forward ?? 0) * forwardMs[index] + (passes.forwardBackward ?? 0) * forwardBackwardMs[index];
    }, 0);
    const ratio = minimal > 0 ? (ms / minimal).toFixed(2) : '—';
    console.log(`${c.method.padEnd(34)} ${(ms / 1000).toFixed(2).padStart(9)}  ${c.passes(start).label.padEnd(30)} ${ratio}`);
  }
  await model.backend.dispose();
}

if (process.env.INSEQ_BENCH_ONLY && process.env.INSEQ_BENCH_ONLY !== 'tfjs') console.log('attribution.bench.ts skipped (INSEQ_BENCH_ONLY).');
else
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
