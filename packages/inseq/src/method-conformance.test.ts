import { loadOrtBackend } from '@inseq/backend-ort';
import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { type AttributionModel, type ModelConfig, loadTokenizer, memoryModelFiles, type ModelFiles } from '@inseq/core';
import {
  type CompletenessOptions,
  createTinyGpt2,
  createTinyLlama,
  type LlamaFamily,
  runMethodConformance,
  tinyBartOnnxFiles,
  tinyGpt2OnnxFiles,
  tinyLlamaOnnxFiles,
  tinyMarianOnnxFiles,
  tinyT5OnnxFiles,
} from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultRegistries } from './default-registries';

/**
 * Every registered method on every architecture and backend passes `runMethodConformance` from
 * `@inseq/testing`, the same checks a plugin author runs: a method whose capabilities the backend
 * offers gives Inseq's layout (stated trailing axes, NaN exactly on positions not yet generated),
 * the same numbers in a left-padded batch as alone and on a second run; one it lacks fails before
 * any work with the capability error. Options keep each run small; the numbers themselves are
 * checked against independent computations elsewhere.
 */
const { methods } = createDefaultRegistries();
const small: Record<string, Record<string, unknown>> = {
  integrated_gradients: { n_steps: 16 },
  layer_integrated_gradients: { n_steps: 16 },
  discretized_integrated_gradients: { n_steps: 3 },
  sequential_integrated_gradients: { n_steps: 2 },
  gradient_shap: { n_samples: 2 },
  lime: { n_samples: 6 },
  reagent: { keep_top_n: 1, max_probe_steps: 2, num_probes: 2 },
};
/** Trailing axes each family leaves (before aggregation): hidden size, layers × heads, layers, or none. */
function trailingAxes(method: string): (config: ModelConfig) => number[] {
  if (method === 'attention') return (config) => [config.numLayers, config.numHeads];
  if (method === 'value_zeroing') return (config) => [config.numLayers];
  if (['occlusion', 'lime', 'reagent', 'attention_rollout'].includes(method)) return () => [];
  return (config) => [config.hiddenSize];
}
/**
 * Completeness (Σ attributions ≈ f(x) − f(x′), read from `deltas`) where a method promises it on
 * any model: the integrated gradients of the inputs or of a layer converge to it (16 steps leave
 * at most 20 % of the gain on these tiny random models; the convergence rate itself is tested in
 * @inseq/methods). DeepLIFT, SIG, DIG and GradientSHAP report honest `deltas` but promise
 * completeness only on (piecewise) linear models or in expectation, so theirs is skipped here.
 */
const completeness: Record<string, CompletenessOptions> = {
  integrated_gradients: { tolerance: 0.25 },
  layer_integrated_gradients: { tolerance: 0.25 },
};

/** The checks that must pass when the backend offers what the method needs. */
function expectedChecks(name: string): string[] {
  const checks = ['runs', 'shapes', ...(name === 'dummy' ? [] : ['nan-discipline']), 'batching', 'determinism'];
  return completeness[name] ? [...checks, 'completeness'] : checks;
}

const llama = (family: LlamaFamily) => ({ family, seed: 1 });
/** Methods the ORT models must run, not refuse (gradients and layers of the ONNX graph). */
const onOrt = ['saliency', 'integrated_gradients', 'layer_integrated_gradients', 'layer_gradient_x_activation'];
/** The gradient methods every ORT export runs: the table's rows of the other ORT families are these only. */
const gradientMethods = [
  'saliency',
  'input_x_gradient',
  'integrated_gradients',
  'gradient_shap',
  'sequential_integrated_gradients',
  'discretized_integrated_gradients',
];
/** The gradient methods and the layer methods with gradients. */
const withLayers = [...gradientMethods, 'layer_integrated_gradients', 'layer_gradient_x_activation'];
/** What the BART and T5 exports are checked on. */
const seq2seqChecked = ['saliency', 'integrated_gradients', 'layer_integrated_gradients'];
/**
 * A row: its label, its model, the methods it must run (not refuse), the methods it is checked on
 * (default every one) and per-method options over `small`.
 */
interface Row {
  readonly label: string;
  readonly load: () => Promise<AttributionModel>;
  readonly mustRun: readonly string[];
  readonly checked?: readonly string[];
  readonly args?: Record<string, Record<string, unknown>>;
  /** Absolute floor of the completeness check (CompletenessOptions.absolute) for models whose gains sit at float32 noise. */
  readonly completenessFloor?: number;
}
const tfjs = (files: Record<string, Uint8Array>, name: string) => () => load(memoryModelFiles(files, name), loadTfjsBackend);
const ort = (files: Record<string, Uint8Array>, name: string) => () => load(memoryModelFiles(files, name), loadOrtBackend);
const models: Row[] = [
  { label: 'gpt2 · tfjs', load: tfjs(createTinyGpt2().files, 'gpt2'), mustRun: [] },
  ...(['llama', 'qwen2', 'gemma'] as LlamaFamily[]).map((family): Row => ({ label: `${family} · tfjs`, load: tfjs(createTinyLlama(llama(family)).files, family), mustRun: [] })),
  { label: 'gpt2 · ort (attentions, value zeroing)', load: ort(tinyGpt2OnnxFiles({ outputAttentions: true, valueZeroing: true }), 'gpt2-onnx'), mustRun: onOrt },
  { label: 'llama · ort (KV cache)', load: ort(tinyLlamaOnnxFiles({ ...llama('llama'), withPast: true }), 'llama-onnx'), mustRun: onOrt },
  // Every gradient method on the other architectures' ORT exports (their other methods are checked on the rows above and on tfjs).
  ...(['qwen2', 'gemma'] as LlamaFamily[]).map(
    (family): Row => ({ label: `${family} · ort`, load: ort(tinyLlamaOnnxFiles(llama(family)), `${family}-onnx`), mustRun: gradientMethods, checked: gradientMethods }),
  ),
  // Encoder-decoder exports: gradients and layers of the joined encoder → decoder graph; Marian on every method.
  { label: 'marian · ort (merged If decoder)', load: ort(tinyMarianOnnxFiles({ merged: 'if' }), 'marian-onnx'), mustRun: withLayers },
  // BART and T5 exports: the methods whose checks differ (completeness of the inputs' and of a
  // layer's integrated gradients); the other gradient methods run on the same ORT code and the
  // same gradient model as saliency, and all of them are checked on Marian's export above.
  { label: 'bart · ort', load: ort(tinyBartOnnxFiles(), 'bart-onnx'), mustRun: withLayers, checked: seq2seqChecked },
  // The tiny T5's gains are ~1e-5, where 16 steps leave more than a quarter of them. With Inseq's
  // baseline (the decoder start and eos keep their ids) some gains drop below 1e-5, the level of its
  // float32 noise: its deltas stay ~1e-5 even at 256 steps, hence the absolute floor.
  {
    label: 't5 · ort (KV cache)',
    load: ort(tinyT5OnnxFiles({ withPast: true }), 't5-onnx'),
    mustRun: withLayers,
    checked: seq2seqChecked,
    args: { integrated_gradients: { n_steps: 64 }, layer_integrated_gradients: { n_steps: 64 } },
    completenessFloor: 3e-5,
  },
];

async function load(files: ModelFiles, loader: (files: ModelFiles) => Promise<AttributionModel['backend']>): Promise<AttributionModel> {
  return { name: files.location, backend: await loader(files), tokenizer: await loadTokenizer(files) };
}

describe.each(models)('every method on $label', ({ load: loadModel, mustRun, checked, args, completenessFloor }) => {
  let model: AttributionModel;
  beforeAll(async () => {
    model = await loadModel();
  });
  afterAll(() => model?.backend.dispose());

  it.each(methods.list().filter((name) => !checked || checked.includes(name)))('%s', async (name) => {
    const report = await runMethodConformance(methods.get(name), {
      models: [model],
      attributionArgs: args?.[name] ?? small[name] ?? {},
      trailingAxes: trailingAxes(name),
      expectAttributions: name !== 'dummy',
      completeness: completeness[name] && completenessFloor !== undefined ? { ...completeness[name], absolute: completenessFloor } : completeness[name],
    });
    // Every check that applies ran: a refused capability on this backend, or all of them.
    const ran = report.checks.filter((check) => check.status === 'passed').map((check) => check.name);
    expect(ran).toEqual(ran[0] === 'capabilities' && !mustRun.includes(name) ? ['capabilities'] : expectedChecks(name));
  });
});
