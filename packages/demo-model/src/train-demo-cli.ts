#!/usr/bin/env node
/**
 * `pnpm train-demo`: trains models/inseq-demo-gpt2 from its recipe and rewrites the folder.
 * `--steps N` (and `--out DIR`) for a shorter run elsewhere, e.g. to check the recipe.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEMO_MODEL_RECIPE } from './train-demo-model';
import { writeDemoModel } from './write-demo-model';

function repositoryRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    if (existsSync(join(directory, 'pnpm-workspace.yaml'))) return directory;
    directory = dirname(directory);
  }
  return process.cwd();
}

const { values } = parseArgs({
  options: { out: { type: 'string' }, steps: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
if (values.help) {
  console.log('Usage: pnpm train-demo [--out DIR] [--steps N]\nTrains the demo GPT-2 and writes it (default: models/inseq-demo-gpt2).');
  process.exit(0);
}
const steps = values.steps === undefined ? DEMO_MODEL_RECIPE.steps : Number(values.steps);
if (!Number.isInteger(steps) || steps < 1) {
  console.error(`--steps must be a positive integer, got '${values.steps}'.`);
  process.exit(2);
}
const out = resolve(values.out ?? join(repositoryRoot(), 'models', 'inseq-demo-gpt2'));
const recipe = { ...DEMO_MODEL_RECIPE, steps };
const started = performance.now();
let window = 0;
const report = await writeDemoModel(out, recipe, ({ step, loss, learningRate }) => {
  window += loss;
  if ((step + 1) % 50 === 0 || step + 1 === steps) {
    const seconds = (performance.now() - started) / 1000;
    const mean = window / ((step % 50) + 1);
    window = 0;
    console.log(`step ${step + 1}/${steps}  loss ${mean.toFixed(4)}  lr ${learningRate.toExponential(2)}  ${seconds.toFixed(0)} s`);
  }
});
console.log(`Wrote ${out} (tfjs ${report.backend}, ${report.trainingSeconds.toFixed(0)} s of training).`);
console.log(`Accuracy on held-out cases: ${Object.entries(report.accuracy).map(([k, v]) => `${k} ${(100 * v).toFixed(1)} %`).join(', ')}`);
