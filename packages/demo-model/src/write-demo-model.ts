import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { initTfjs } from '@inseq/backend-tfjs';
import { loadModel } from 'inseq';
import { measureDemoModel } from './measure-demo-model';
import { accuracyByPhenomenon, renderModelCard } from './model-card';
import { type DemoModelRecipe, trainDemoModel } from './train-demo-model';
import type { TrainStep } from './train/train-gpt2';

/** The web app's prepared examples (`examples.json`): one of each phenomenon, and the bias pair. */
export const DEMO_EXAMPLES = [
  { label: 'A fact: the capital of France', phenomenon: 'fact', prompt: 'The capital of France is', method: 'integrated_gradients' },
  { label: 'Agreement: the keys (not the cabinet) decide "are"', phenomenon: 'agreement', prompt: 'The keys to the cabinet', method: 'integrated_gradients' },
  { label: 'Agreement: the key (not the cabinets) decides "is"', phenomenon: 'agreement', prompt: 'The key to the cabinets', method: 'integrated_gradients' },
  { label: 'Copying a name from earlier (a held-out pair)', phenomenon: 'copying', prompt: 'Emma found a bag. The bag belongs to', method: 'integrated_gradients' },
  { label: 'Bias: "The nurse said that …"', phenomenon: 'bias', prompt: 'The nurse said that', method: 'integrated_gradients' },
  { label: 'Bias: "The engineer said that …"', phenomenon: 'bias', prompt: 'The engineer said that', method: 'integrated_gradients' },
] as const;

/** What {@link writeDemoModel} measured, also written as `training.json` next to the weights. */
export interface DemoModelReport {
  readonly recipe: DemoModelRecipe;
  readonly backend: string;
  readonly trainingSeconds: number;
  readonly losses: readonly number[];
  readonly accuracy: Record<string, number>;
  readonly safetensorsSha256: string;
}

/**
 * Trains the demo model with `recipe` and writes its folder at `out` (replacing it only once every
 * file is written: a half-trained or interrupted run leaves the old folder as it was), then
 * measures it through `loadModel` and writes the model card.
 */
export async function writeDemoModel(out: string, recipe: DemoModelRecipe, onStep?: (step: TrainStep) => void): Promise<DemoModelReport> {
  const backend = await initTfjs();
  const started = performance.now();
  const trained = await trainDemoModel(recipe, onStep);
  const trainingSeconds = (performance.now() - started) / 1000;

  const staging = join(dirname(out), `.${out.split(/[\\/]/).at(-1)}.partial-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    for (const [name, bytes] of Object.entries(trained.files)) {
      mkdirSync(dirname(join(staging, name)), { recursive: true });
      writeFileSync(join(staging, name), bytes);
    }
    writeFileSync(join(staging, 'examples.json'), `${JSON.stringify(DEMO_EXAMPLES, null, 2)}\n`);

    const model = await loadModel(staging, { backend: 'tfjs' });
    const accuracy = await measureDemoModel(model, trained.evaluationCases);
    await model.backend.dispose?.();
    const safetensorsSha256 = createHash('sha256').update(trained.files['model.safetensors']).digest('hex');
    const card = renderModelCard({
      recipe,
      accuracy,
      vocabSize: trained.vocabSize,
      parameters: countParameters(recipe, trained.vocabSize),
      firstLoss: trained.losses[0],
      finalLoss: trained.losses.at(-1) ?? Number.NaN,
      trainingSeconds,
      backend,
      safetensorsSha256,
      evaluationCases: trained.evaluationCases.length,
    });
    writeFileSync(join(staging, 'README.md'), card);
    const report: DemoModelReport = { recipe, backend, trainingSeconds, losses: trained.losses, accuracy: accuracyByPhenomenon(accuracy), safetensorsSha256 };
    writeFileSync(
      join(staging, 'training.json'),
      `${JSON.stringify({ ...report, losses: report.losses.map((loss) => Number(loss.toFixed(5))), sheRates: accuracy.sheRates }, null, 2)}\n`,
    );
    rmSync(out, { recursive: true, force: true });
    renameSync(staging, out);
    return report;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Parameters of a tied GPT-2 of the recipe's shape. */
export function countParameters(recipe: Pick<DemoModelRecipe, 'hidden' | 'layers' | 'positions'>, vocabSize: number): number {
  const { hidden: d, layers, positions } = recipe;
  const perLayer = 4 * d + (d * 3 * d + 3 * d) + (d * d + d) + (d * 4 * d + 4 * d) + (4 * d * d + d);
  return vocabSize * d + positions * d + layers * perLayer + 2 * d;
}
