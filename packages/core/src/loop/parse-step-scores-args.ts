import { checkOptionsObject, unknownOptionMessage } from '../contracts/option-spec';
import { parseStepFunctionOptions, type StepFunction } from '../contracts/step-function';
import { InvalidInputError } from '../errors/invalid-input-error';

/**
 * Inseq's `step_scores_args` is one object shared by every step score: each key must be an option
 * of at least one of them (else refused, closest key suggested); each function gets the keys it
 * declares, parsed against its own spec with its defaults. Returns one options object per function.
 */
export function parseSharedStepScoresArgs(fns: readonly StepFunction[], raw: unknown): Record<string, unknown>[] {
  checkOptionsObject('step_scores_args', raw);
  const known = [...new Set(fns.flatMap((fn) => Object.keys(fn.options ?? {})))];
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) {
      const owner = fns.length ? `step_scores_args (for ${fns.map((fn) => fn.name).join(', ')})` : 'step_scores_args (no step_scores asked)';
      throw new InvalidInputError(unknownOptionMessage(owner, key, known), { code: 'INVALID_ARGUMENT' });
    }
  }
  return fns.map((fn) => {
    const own = Object.fromEntries(Object.entries(raw).filter(([key]) => Object.hasOwn(fn.options ?? {}, key)));
    return parseStepFunctionOptions(fn, own);
  });
}
