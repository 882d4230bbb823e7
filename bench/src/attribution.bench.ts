/**
 * Speed of attribution relative to the model's own forward/backward pass, measured side by side
 * in one run on a GPT-2-shaped random model (6 layers × 512 hidden × 8 heads). Not a test.
 * Run: `pnpm bench` from the repository root.
 */
import { loadTfjsBackend, initTfjs } from '@inseq/backend-tfjs';
import {
  type AttributionMethod,
  type AttributionModel,
  attribute,
  createRegistry,
  loadTokenizer,
  probability,
} from '@inseq/core';
import { registerBuiltinMethods } from '@inseq/methods';
import { createTinyGpt2, tinyGpt2ModelFiles } from '@inseq/testing';

const SHAPE = { nLayer: 6, nEmbd: 512, nHead: 8, nPositions: 64, merges: 1000, seed: 1 } as const;
const PROMPT_TOKENS = 16;
const GENERATED_TOKENS = 16;
const N_STEPS = 50;

const seconds = (ms: number) => (ms / 1000).toFixed(2);

async function main() {
  const device = await initTfjs(process.env.INSEQ_BENCH_DEVICE as 'wasm' | 'cpu' | undefined);
  const files = tinyGpt2ModelFiles(SHAPE);
  const model: AttributionModel = {
    name: 'bench-gpt2-6x512',
    backend: await loadTfjsBackend(files, { device: device as 'wasm' | 'cpu' }),
    tokenizer: await loadTokenizer(files),
  };
  const vocab = Number(createTinyGpt2({ ...SHAPE, nLayer: 1, nEmbd: 8, nHead: 1 }).config.vocab_size);
  // A fixed token sequence: 16 prompt tokens, 16 forced continuation tokens.
  const ids = Array.from({ length: PROMPT_TOKENS + GENERATED_TOKENS }, (_, i) => 300 + ((i * 37) % (vocab - 400)));
  const prompt = model.tokenizer.decode(ids.slice(0, PROMPT_TOKENS));
  const full = model.tokenizer.decode(ids);
  const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
  const target = model.tokenizer.encode(full);

  // Forward and forward+backward at every step's prefix, batch 1, averaged.
  const prefixes = Array.from({ length: GENERATED_TOKENS }, (_, s) => target.slice(0, model.tokenizer.encode(prompt).length + s));
  const batchOf = (prefix: number[]) => ({
    inputIds: { data: Int32Array.from(prefix), shape: [1, prefix.length] },
    attentionMask: { data: new Int32Array(prefix.length).fill(1), shape: [1, prefix.length] },
  });
  for (const prefix of prefixes.slice(0, 2)) await model.backend.forward(batchOf(prefix)); // warm-up
  let t = performance.now();
  for (const prefix of prefixes) await model.backend.forward(batchOf(prefix));
  const forwardMs = (performance.now() - t) / prefixes.length;
  t = performance.now();
  for (const prefix of prefixes) {
    const batch = batchOf(prefix);
    await model.backend.gradients!({
      ...batch,
      inputsEmbeds: await model.backend.embed(batch.inputIds),
      targetIds: Int32Array.of(target[prefix.length]),
      target: probability.differentiable!,
    });
  }
  const forwardBackwardMs = (performance.now() - t) / prefixes.length;

  const run = async (method: string, attributionArgs: Record<string, unknown> = {}) => {
    const start = performance.now();
    const out = await attribute(model, prompt, { method, methods, generatedTexts: full, attributionArgs });
    const steps = out.sequence_attributions[0].attr_pos_end - out.sequence_attributions[0].attr_pos_start;
    return { ms: performance.now() - start, steps };
  };
  const saliencyRun = await run('saliency');
  const igRun = await run('integrated_gradients', { n_steps: N_STEPS });

  const igPerStep = igRun.ms / igRun.steps;
  console.log(`inseq-ts bench — tfjs ${device}, GPT-2 shape ${SHAPE.nLayer} layers × ${SHAPE.nEmbd} hidden × ${SHAPE.nHead} heads, vocab ${vocab}`);
  console.log(`prompt ${prompt.length ? PROMPT_TOKENS : 0} tokens, ${igRun.steps} attributed steps`);
  console.log(`forward (batch 1, mean over step prefixes):            ${forwardMs.toFixed(1)} ms`);
  console.log(`forward + backward (batch 1, mean over step prefixes): ${forwardBackwardMs.toFixed(1)} ms`);
  console.log(`saliency, all ${saliencyRun.steps} steps:                          ${seconds(saliencyRun.ms)} s`);
  console.log(`integrated_gradients n_steps=${N_STEPS}, all ${igRun.steps} steps:      ${seconds(igRun.ms)} s`);
  console.log(
    `ratio IG time / (${N_STEPS} × (forward + backward)) per step:   ${(igPerStep / (N_STEPS * forwardBackwardMs)).toFixed(2)}`,
  );
  console.log(`ratio saliency step / (forward + backward):             ${(saliencyRun.ms / saliencyRun.steps / forwardBackwardMs).toFixed(2)}`);
  await model.backend.dispose();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
