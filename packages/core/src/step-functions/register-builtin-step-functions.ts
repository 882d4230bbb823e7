import type { StepFunction } from '../contracts/step-function';
import type { Registry } from '../registry';
import { logit } from './logit';
import { probability } from './probability';

/** Every step function that ships with core, in listing order. */
export const builtinStepFunctions: readonly StepFunction[] = [probability, logit];

/** Adds the built-in step functions to `registry` (explicitly; importing core registers nothing). */
export function registerBuiltinStepFunctions(registry: Registry<StepFunction>): Registry<StepFunction> {
  for (const stepFunction of builtinStepFunctions) registry.register(stepFunction);
  return registry;
}
