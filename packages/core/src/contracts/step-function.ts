import type { IntTensor, Tensor } from '../tensor';
import type { ContrastRows, DifferentiableTarget } from './differentiable-target';
import type { Capabilities, EncoderInput, ModelBackend } from './model-backend';
import { type OptionSpecs, type ParsedOptions, parseOptions } from './option-spec';

/** Inputs of a step function at one generation step. */
export interface StepScoreContext {
  /** Next-token logits, `[batch, vocab]`. */
  readonly logits: Tensor;
  /** The generated (or forced) token of each row, `[batch]`. */
  readonly targetIds: Int32Array;
  readonly options: Readonly<Record<string, unknown>>;
  /** The contrastive alternative of each row, when contrastive inputs were given. */
  readonly contrast?: ContrastRows;
  /**
   * The model and the step's inputs, for step functions that run passes of their own
   * (`mc_dropout_prob_avg`). Absent when a method scores perturbed logits.
   */
  readonly model?: {
    readonly backend: ModelBackend;
    readonly inputIds: IntTensor;
    readonly attentionMask: IntTensor;
    /** Encoder-decoder models: the source of each row. */
    readonly encoder?: EncoderInput;
  };
}

/**
 * A score computed at every step (Inseq's "step function"): reported as a step score, and, when
 * `differentiable` is set, usable as the attributed function of gradient methods.
 */
export interface StepFunction<Spec extends OptionSpecs = OptionSpecs> {
  /** Inseq's id: `'probability'`. */
  readonly name: string;
  readonly description: string;
  /**
   * Its options (Inseq's `step_scores_args` / `attributed_fn_args`), declared once; the loop parses
   * them before any work and hands each function its own, defaults filled. @defaultValue {}
   */
  readonly options?: Spec;
  /** One value per row, `[batch]`. */
  compute(ctx: StepScoreContext & { readonly options: Readonly<ParsedOptions<Spec>> }): Float32Array | Promise<Float32Array>;
  /** The same function in backend-agnostic differentiable ops. */
  readonly differentiable?: DifferentiableTarget;
  /** Capabilities it needs beyond `forward` (checked before any work). @defaultValue [] */
  readonly requires?: readonly (keyof Capabilities)[];
}

/** Types a step function object, inferring its options' types from its `options` spec. */
export function defineStepFunction<const Spec extends OptionSpecs = Record<never, never>>(stepFunction: StepFunction<Spec>): StepFunction<Spec> {
  return stepFunction;
}

/** Parses a step function's own options against its spec (unknown keys refused). */
export function parseStepFunctionOptions(fn: StepFunction, raw: unknown): Record<string, unknown> {
  return parseOptions(`Step function '${fn.name}'`, raw ?? {}, fn.options ?? {});
}
