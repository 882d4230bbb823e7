import { InseqError } from '../errors/inseq-error';
import type { IntTensor, Tensor } from '../tensor';
import type { DifferentiableTarget } from './differentiable-target';
import type { Capabilities, ModelBackend } from './model-backend';
import type { StepFunction } from './step-function';
import type { SpecialTokenIds } from './tokenizer';

/** The families of methods, as Inseq groups them. */
export type MethodFamily = 'gradient' | 'attention' | 'perturbation' | 'internals';

/** Everything a method sees for one generation step of a left-padded batch. */
export interface StepContext {
  readonly backend: ModelBackend;
  /** The prefix before the explained token, `[batch, sequenceLength]`, padded on the left. */
  readonly inputIds: IntTensor;
  /** `[batch, sequenceLength]`, 0 on padding. */
  readonly attentionMask: IntTensor;
  /** Token embeddings of `inputIds`, `[batch, sequenceLength, hidden]`. */
  readonly inputsEmbeds: Tensor;
  /** The explained (next) token of each row, `[batch]`. */
  readonly targetIds: Int32Array;
  /** The step function whose value is attributed (`probability` by default), options bound. */
  readonly attributedFn: StepFunction;
  /**
   * Its differentiable form with options bound; present whenever the method requires
   * `gradients` (the loop checks this before any work).
   */
  readonly target?: DifferentiableTarget;
  readonly specialTokenIds: SpecialTokenIds;
  /** Method options (`attribution_kwargs`), already validated by the method's `parseOptions`. */
  readonly options: Readonly<Record<string, unknown>>;
}

/** What a method returns for one step. */
export interface StepAttribution {
  /** `[batch, sequenceLength, hidden]` (gradient methods) or `[batch, sequenceLength]`; padding rows are dropped by the loop. */
  readonly attributions: Tensor;
  /** Extra per-row scores (e.g. `deltas` of integrated gradients), each `[batch]`. */
  readonly stepScores?: Readonly<Record<string, Float32Array>>;
}

/** An attribution method, as a plain object made by {@link defineMethod}. */
export interface AttributionMethod<Options extends Record<string, unknown> = Record<string, unknown>> {
  /** Inseq's id, snake_case: `'integrated_gradients'`. */
  readonly name: string;
  readonly family: MethodFamily;
  /** Capabilities the backend must offer; checked before any work. */
  readonly requires: readonly (keyof Capabilities)[];
  /** One line for `list-methods`. */
  readonly description: string;
  /** Validates user options and fills defaults, once, before the loop; throws InvalidInputError. */
  parseOptions?(options: Readonly<Record<string, unknown>>): Options;
  attributeStep(ctx: StepContext & { readonly options: Readonly<Options> }): Promise<StepAttribution>;
}

/** Identity helper that types a method object; methods are plain objects, not classes. */
export function defineMethod<Options extends Record<string, unknown>>(
  method: AttributionMethod<Options>,
): AttributionMethod<Options> {
  return method;
}

/** The differentiable target of a step, for methods that require gradients. */
export function requireTarget(ctx: StepContext, method: string): DifferentiableTarget {
  if (!ctx.target) {
    throw new InseqError('INVALID_ARGUMENT', `${method} needs a differentiable attributed function; '${ctx.attributedFn.name}' is not.`);
  }
  return ctx.target;
}
