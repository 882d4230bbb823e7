import type { DifferentiableTarget } from '../contracts/differentiable-target';
import type { StepFunction } from '../contracts/step-function';

/** A step function with its options bound, in its plain and differentiable forms. */
export interface BoundStepFunction {
  readonly stepFunction: StepFunction;
  readonly target?: DifferentiableTarget;
}

/** Binds `args` (Inseq `attributed_fn_args`) so that methods and backends call the function bare. */
export function bindStepFunction(fn: StepFunction, args: Readonly<Record<string, unknown>>): BoundStepFunction {
  const differentiable = fn.differentiable;
  const target: DifferentiableTarget | undefined = differentiable && {
    name: differentiable.name,
    build: (ops, logits, targetIds, context) => differentiable.build(ops, logits, targetIds, { ...context, options: args }),
  };
  return {
    stepFunction: { ...fn, compute: (ctx) => fn.compute({ ...ctx, options: { ...args, ...ctx.options } }), differentiable: target },
    target,
  };
}
