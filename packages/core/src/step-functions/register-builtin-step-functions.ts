import type { StepFunction } from '../contracts/step-function';
import type { Registry } from '../registry';
import { contrastLogits } from './contrast-logits';
import { contrastLogitsDiff } from './contrast-logits-diff';
import { contrastProb } from './contrast-prob';
import { contrastProbDiff } from './contrast-prob-diff';
import { crossentropy } from './crossentropy';
import { entropy } from './entropy';
import { inContextPvi } from './in-context-pvi';
import { klDivergence } from './kl-divergence';
import { logit } from './logit';
import { mcDropoutProbAvg } from './mc-dropout-prob-avg';
import { pcxmi } from './pcxmi';
import { perplexity } from './perplexity';
import { probability } from './probability';
import { topPSize } from './top-p-size';

/** Every step function that ships with core, in listing order (Inseq's ids). */
export const builtinStepFunctions: readonly StepFunction[] = [
  probability,
  logit,
  entropy,
  crossentropy,
  perplexity,
  contrastLogits,
  contrastProb,
  contrastLogitsDiff,
  contrastProbDiff,
  pcxmi,
  klDivergence,
  inContextPvi,
  mcDropoutProbAvg,
  topPSize,
];

/** Adds the built-in step functions to `registry` (explicitly; importing core registers nothing). */
export function registerBuiltinStepFunctions(registry: Registry<StepFunction>): Registry<StepFunction> {
  for (const stepFunction of builtinStepFunctions) registry.register(stepFunction);
  return registry;
}
