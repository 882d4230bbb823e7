import type { Tensor } from '../tensor';
import type { DifferentiableTarget } from './differentiable-target';

/** Inputs of a step function at one generation step. */
export interface StepScoreContext {
  /** Next-token logits, `[batch, vocab]`. */
  readonly logits: Tensor;
  /** The generated (or forced) token of each row, `[batch]`. */
  readonly targetIds: Int32Array;
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * A score computed at every step (Inseq's "step function"): reported as a step score, and, when
 * `differentiable` is set, usable as the attributed function of gradient methods.
 */
export interface StepFunction {
  /** Inseq's id: `'probability'`. */
  readonly name: string;
  readonly description: string;
  /** One value per row, `[batch]`. */
  compute(ctx: StepScoreContext): Float32Array;
  /** The same function in backend-agnostic differentiable ops. */
  readonly differentiable?: DifferentiableTarget;
}

/** Identity helper that types a step function object. */
export function defineStepFunction(stepFunction: StepFunction): StepFunction {
  return stepFunction;
}
