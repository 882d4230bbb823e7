import { type AttributionModel, InvalidInputError } from 'inseq';

/** Estimated forward/backward passes above which `inseq attribute` asks for `--yes`. */
export const MAX_PASSES_WITHOUT_YES = 100_000;

/** New tokens the loop generates when neither the flag nor the model's generation config says (core's default). */
const DEFAULT_NEW_TOKENS = 20;

/** Method options that multiply the rows of every step (path points, random samples). */
const PER_STEP_FACTORS = ['n_steps', 'n_samples'] as const;

/** About how much work an attribution run is. */
export interface AttributionCost {
  /** Generated (or forced) target steps over all sequences. */
  readonly steps: number;
  readonly sequences: number;
  /** The options multiplying each step, e.g. `n_steps 10000`. */
  readonly factors: readonly string[];
  /** steps × the factors: forward/backward passes (rows through the model). */
  readonly passes: number;
}

/**
 * Estimates a run's passes before it starts: target steps (the forced continuation's tokens, else
 * `--max-new-tokens` or the model's generation limit) × the method's per-step multipliers
 * (`n_steps`, `n_samples`). An estimate: special tokens and stop tokens are not counted.
 */
export function estimateAttributionCost(
  model: AttributionModel,
  inputs: readonly string[],
  options: { readonly generatedTexts?: readonly string[]; readonly maxNewTokens?: number },
  methodOptions: Readonly<Record<string, unknown>>,
): AttributionCost {
  const tokens = (text: string) => model.tokenizer.encode(text).length;
  const generation = model.generationConfig;
  let steps = 0;
  for (const [i, input] of inputs.entries()) {
    const forced = options.generatedTexts?.[i];
    if (forced !== undefined) {
      steps += Math.max(1, model.backend.config.isEncoderDecoder ? tokens(forced) : tokens(forced) - tokens(input));
    } else if (options.maxNewTokens !== undefined || generation?.maxNewTokens !== undefined) {
      steps += options.maxNewTokens ?? generation?.maxNewTokens ?? DEFAULT_NEW_TOKENS;
    } else if (generation?.maxLength !== undefined) {
      steps += Math.max(1, generation.maxLength - (model.backend.config.isEncoderDecoder ? 0 : tokens(input)));
    } else {
      steps += DEFAULT_NEW_TOKENS;
    }
  }
  const factors: string[] = [];
  let passes = steps;
  for (const name of PER_STEP_FACTORS) {
    const value = methodOptions[name];
    if (typeof value === 'number' && Number.isFinite(value) && value > 1) {
      factors.push(`${name} ${value}`);
      passes *= value;
    }
  }
  return { steps, sequences: inputs.length, factors, passes };
}

/**
 * Refuses a run estimated above {@link MAX_PASSES_WITHOUT_YES} passes unless `--yes` was given,
 * saying the estimate and how it was made.
 */
export function checkAttributionCost(cost: AttributionCost, yes: boolean | undefined): void {
  if (yes || cost.passes <= MAX_PASSES_WITHOUT_YES) return;
  const format = (n: number) => n.toLocaleString('en-US');
  const how = [`${format(cost.steps)} target step${cost.steps === 1 ? '' : 's'} over ${cost.sequences} sequence${cost.sequences === 1 ? '' : 's'}`, ...cost.factors].join(' × ');
  const lower = cost.factors.length > 0 ? `lower ${cost.factors.map((factor) => factor.split(' ')[0]).join(' / ')} in --attribution-kwargs` : 'attribute fewer steps (--max-new-tokens, --start-pos / --end-pos)';
  throw new InvalidInputError(
    `This run needs about ${format(cost.passes)} forward/backward passes (${how}), more than ${format(MAX_PASSES_WITHOUT_YES)}; ${lower}, or pass --yes to run it anyway.`,
    { code: 'INVALID_ARGUMENT' },
  );
}
